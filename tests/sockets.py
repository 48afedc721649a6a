"""In-process Socket.IO clients that leave the server as they found it.

Flask-SocketIO's test client swaps the server's packet senders for its own and makes handlers
synchronous, for good: a real client served later by the same app would never hear back. These
helpers put the server back when the clients are done.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import Any

import engineio
import socketio as python_socketio
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


class _PromptEngineIO(engineio.Client):
    """An Engine.IO client that does not wait for its pending long-poll when it disconnects."""

    def disconnect(self, abort: bool = False, reason: Any = None) -> None:
        super().disconnect(abort=True, reason=reason)


class PromptClient(python_socketio.Client):
    """A python-socketio client that gives up at once when the server refuses it.

    On a refused connection the client disconnects inside connect() and waits for the long-poll
    it has pending; against the test server that poll sometimes comes back only with the next
    ping, 25 seconds later. Nothing the tests look at happens in that wait."""

    def _engineio_client_class(self) -> type[engineio.Client]:
        return _PromptEngineIO
