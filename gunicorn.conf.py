"""Gunicorn settings for the web processes (read by `gunicorn -c gunicorn.conf.py`).

Gunicorn also picks this file up by itself when started from the project root. Options given on
the command line win over it. See docs/deploy.md for why these values.
"""

import os

# Socket.IO needs a server that holds thousands of idle WebSockets cheaply: gevent greenlets.
# Measured on two cores (docs/performance.md), gevent delivers a broadcast to 1,000 clients
# several times faster than threads, which collapse past a few hundred clients.
worker_class = "geventwebsocket.gunicorn.workers.GeventWebSocketWorker"

# One gevent process per core is the unit to scale: run more gunicorn processes (containers, or
# ports) behind the sticky proxy. Not more workers here: workers sharing one port get a client's
# long-polling requests at random, and Socket.IO needs them all at the process holding its
# session. Several processes meet in the Redis message queue.
workers = int(os.environ.get("WEB_CONCURRENCY", "1"))

# Gunicorn's default of 1,000 makes a gevent worker silently stop accepting connections; every
# open feed is one. Keep it well above the clients one process should carry (about 2,000).
worker_connections = int(os.environ.get("WORKER_CONNECTIONS", "4000"))

bind = [os.environ.get("BIND", "0.0.0.0:8000")]

# WebSockets are long-lived: the worker's own heartbeat (not a request timeout) is what
# `timeout` watches under gevent, so the default is right. Give open feeds time to close on
# a restart before the worker is killed.
graceful_timeout = 20
keepalive = 5

accesslog = os.environ.get("ACCESS_LOG", "-") or None
errorlog = "-"
loglevel = os.environ.get("LOG_LEVEL", "info")

# Gunicorn 25+ opens a control socket at one fixed path per user: several gunicorn processes on
# one host (one per core) would fight over it, and nothing here uses it.
control_socket_disable = True

wsgi_app = "network:create_app()"


def post_worker_init(worker: object) -> None:
    """Once the worker has loaded the app: keep what it loaded out of the garbage collector's
    full passes (network/heap.py; in a web process they took 100-200 ms each), and start its
    token cache's listener (network/accounts/token_cache.py)."""
    from network.accounts.token_cache import start_listening
    from network.heap import freeze_loaded

    freeze_loaded()
    # Listen for changes to members and tokens before the first request, not at it: a request
    # served before the listener listens has its member loaded and not remembered.
    start_listening(getattr(worker, "wsgi", None))
