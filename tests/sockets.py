"""In-process Socket.IO clients that leave the server as they found it.

Flask-SocketIO's test client swaps the server's packet senders for its own and makes handlers
synchronous, for good: a real client served later by the same app would never hear back. These
helpers put the server back when the clients are done.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import Any

from flask import Flask
from flask_socketio import SocketIOTestClient

from network.extensions import socketio
from network.realtime import NAMESPACE

PATCHED = ("_send_packet", "_send_eio_packet")


@contextmanager
def socket_clients(app: Flask) -> Iterator[Callable[..., SocketIOTestClient]]:
    """Yield a factory of /feed test clients; disconnect them and restore the server after."""
    server = socketio.server
    saved = {name: server.__dict__[name] for name in PATCHED if name in server.__dict__}
    handlers = (server.async_handlers, server.eio.async_handlers)
    clients: list[SocketIOTestClient] = []

    def connect(**kwargs: Any) -> SocketIOTestClient:
        client = SocketIOTestClient(app, socketio, namespace=NAMESPACE, **kwargs)
        clients.append(client)
        return client

    try:
        yield connect
    finally:
        for client in clients:
            if client.is_connected(NAMESPACE):
                client.disconnect(namespace=NAMESPACE)
            server.environ.pop(client.eio_sid, None)
            SocketIOTestClient.clients.pop(client.eio_sid, None)
        for name in PATCHED:
            if name in saved:
                setattr(server, name, saved[name])
            else:
                server.__dict__.pop(name, None)
        server.async_handlers, server.eio.async_handlers = handlers
