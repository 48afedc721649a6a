"""Baseline: a bare python-socketio server on gevent, served like the app (gunicorn.conf.py).

POST /broadcast {"event": ..., "payload": ...} broadcasts the payload to every connection of the
/feed namespace: one encode, no acknowledgements, no database, no message queue.
Run: gunicorn -c gunicorn.conf.py --bind 127.0.0.1:PORT bench.bare_socketio:app
"""

from __future__ import annotations

import json
from collections.abc import Callable, Iterable
from typing import Any

import socketio

server = socketio.Server(async_mode="gevent", cors_allowed_origins=[])


@server.on("connect", namespace="/feed")
def connect(sid: str, environ: dict[str, Any], auth: Any = None) -> None:
    """Accept everyone: the baseline measures delivery only."""


def control(environ: dict[str, Any], start_response: Callable[..., Any]) -> Iterable[bytes]:
    """Answer /broadcast and /healthz; everything else is not found."""
    path = environ.get("PATH_INFO", "")
    if path == "/broadcast" and environ.get("REQUEST_METHOD") == "POST":
        length = int(environ.get("CONTENT_LENGTH") or 0)
        message = json.loads(environ["wsgi.input"].read(length))
        server.emit(message["event"], message["payload"], namespace="/feed")
        start_response("204 No Content", [])
        return [b""]
    status = "200 OK" if path == "/healthz" else "404 Not Found"
    start_response(status, [("Content-Type", "text/plain")])
    return [b""]


app = socketio.WSGIApp(server, control)
