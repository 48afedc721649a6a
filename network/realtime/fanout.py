"""How an event reaches every web process: the other processes are told first.

python-socketio's Redis manager hands an emitted event to this process's own clients (one
queued packet per connection) and only then publishes it for the other processes, so their
clients wait while this one works through its list. With hundreds of members connected to each
process that wait is milliseconds, in series before the rest of the network's broadcast begins.
`PublishFirst` publishes first and then serves its own clients, so all processes send at once.
Each process still sends an event's packets in the order its emits were made.

The events one commit made (a claim's action and its alert, the personal asks of an alert that
went live) go out as one Redis message (`emit_together`): each publish costs a web
process a Redis round trip (~0.1 ms of CPU) and a scan of its payload for binary data, which a
feed event, JSON by construction, never holds. Messages are written and read with orjson. Every
web process of a deployment must run a version that reads such messages (this one or later)."""

from __future__ import annotations

import json
import threading
from collections.abc import Sequence
from typing import Any

import orjson
import socketio


class Messages:
    """How the manager writes and reads its Redis messages: orjson, falling back to the standard
    library for what orjson refuses (integers past 64 bits, lone surrogates)."""

    @staticmethod
    def dumps(value: Any) -> bytes:
        try:
            return orjson.dumps(value)
        except orjson.JSONEncodeError:
            return json.dumps(value).encode()

    @staticmethod
    def loads(text: bytes | str) -> Any:
        try:
            return orjson.loads(text)
        except orjson.JSONDecodeError:
            return json.loads(text)


class PublishFirst(socketio.RedisManager):
    """The Redis client manager, publishing an emit before handing it to local clients."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        kwargs.setdefault("json", Messages)
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

    def emit_together(
        self, events: Sequence[tuple[str, dict[str, Any], list[str]]], namespace: str
    ) -> None:
        """Emit (event, JSON payload, rooms) in order, published to the other processes as one
        message before this process's clients are sent them. No callbacks, no binary data."""
        messages = [
            {
                "method": "emit",
                "event": event,
                "data": [payload],
                "binary": False,
                "namespace": namespace,
                "room": rooms,
                "skip_sid": None,
                "callback": None,
                "host_id": self.host_id,
            }
            for event, payload, rooms in events
        ]
        if not messages:
            return
        together = {"method": "emit", "host_id": self.host_id, "together": messages}
        try:
            self._publish(messages[0] if len(messages) == 1 else together)
        finally:  # also when publishing failed: local clients still hear them
            for message in messages:
                super()._handle_emit(message)

    def _handle_emit(self, message: dict[str, Any]) -> None:
        together = message.get("together")
        if together is not None:  # another process's events of one commit, in their order
            for one in together:
                self._handle_emit(one)
            return
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
