"""How an event reaches every web process: the other processes are told first.

python-socketio's Redis manager hands an emitted event to this process's own clients (one
queued packet per connection) and only then publishes it for the other processes, so their
clients wait while this one works through its list. With hundreds of members connected to each
process that wait is milliseconds, in series before the rest of the network's broadcast begins.
`PublishFirst` publishes first and then serves its own clients, so all processes send at once.
Each process still sends an event's packets in the order its emits were made."""

from __future__ import annotations

import threading
from typing import Any

import socketio


class PublishFirst(socketio.RedisManager):
    """The Redis client manager, publishing an emit before handing it to local clients."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        # Per thread (per greenlet under gevent): emits run side by side in requests and jobs.
        self._holding = threading.local()

    def emit(self, event: str, data: Any, namespace: str | None = None, **kwargs: Any) -> Any:
        if kwargs.get("ignore_queue") or getattr(self._holding, "messages", None) is not None:
            return super().emit(event, data, namespace=namespace, **kwargs)
        held: list[dict[str, Any]] = []
        self._holding.messages = held
        try:
            # Publishes; the message for this process's clients is held (`_handle_emit`).
            return super().emit(event, data, namespace=namespace, **kwargs)
        finally:
            self._holding.messages = None
            for message in held:  # also when publishing failed: local clients still hear it
                super()._handle_emit(message)

    def _handle_emit(self, message: dict[str, Any]) -> None:
        held = getattr(self._holding, "messages", None)
        if held is not None and message.get("host_id") == self.host_id:
            held.append(message)
            return
        super()._handle_emit(message)


def client_manager(url: str | None, channel: str) -> PublishFirst | None:
    """Return the manager for a Redis message queue; None leaves others to Flask-SocketIO."""
    if not url or not url.startswith(("redis://", "rediss://")):
        return None
    return PublishFirst(url, channel=channel, write_only=False)
