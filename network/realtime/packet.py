"""How the server decodes what clients send on Socket.IO: unreadable data is refused, not raised."""

from __future__ import annotations

import json
import re
from typing import Any

from socketio import packet

# The event name of an event packet: its type, attachments, namespace and id, then `["name"`.
EVENT_NAME = re.compile(r'^[0-9](?:[0-9]+-)?(?:/[^,]*,)?[0-9]*\[\s*("(?:[^"\\]|\\.){0,64}")')


CLIENT_PACKETS = (
    packet.CONNECT,
    packet.DISCONNECT,
    packet.EVENT,
    packet.ACK,
    packet.BINARY_EVENT,
    packet.BINARY_ACK,
)


class Unreadable:
    """What a client sent that could not be read as JSON (too deep, malformed); refused."""

    def __repr__(self) -> str:
        return "<unreadable>"


UNREADABLE = Unreadable()


class FeedPacket(packet.Packet):
    """A Socket.IO packet whose unreadable data reaches the handlers as UNREADABLE.

    python-socketio decodes before any handler runs: data nested deeper than the JSON decoder
    goes, malformed JSON or an event without a name would end in an exception inside the
    library, with no answer to the client. Read as UNREADABLE, the event still reaches its
    handler (when its name can be read), which answers {"error": "invalid"}."""

    data: Any
    packet_type: int
    id: int | None

    def decode(self, encoded_packet: Any) -> int:
        try:
            count = int(super().decode(encoded_packet) or 0)
        except (ValueError, TypeError, RecursionError):
            count, self.data = 0, UNREADABLE
        if self.packet_type not in CLIENT_PACKETS:
            # Only the server sends CONNECT_ERROR; the library would raise on receiving one.
            self.packet_type, self.id = packet.EVENT, None
        if self.packet_type in (packet.EVENT, packet.BINARY_EVENT) and not (
            isinstance(self.data, list) and self.data and isinstance(self.data[0], str)
        ):
            self.data = [_event_name(encoded_packet), UNREADABLE]
        return count


def _event_name(encoded_packet: Any) -> str:
    found = EVENT_NAME.match(encoded_packet) if isinstance(encoded_packet, str) else None
    try:
        name = json.loads(found.group(1)) if found else ""
    except ValueError:
        return ""
    return name if isinstance(name, str) else ""
