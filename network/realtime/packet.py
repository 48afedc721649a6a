"""How the server reads and writes Socket.IO packets: what clients send that cannot be read is
refused, not raised; what the server sends is written by orjson in one pass."""

from __future__ import annotations

import json
import re
from typing import Any

import orjson
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
    namespace: str | None

    @classmethod
    def data_is_binary(cls, data: Any) -> bool:
        """Whether `data` holds bytes (sent as attachments). The library walks the data in Python
        for every packet the server sends (~60 calls for an alert's event); what orjson can write
        holds no bytes (it refuses them), so only the rest is walked."""
        if _json_text(data) is not None:
            return False
        return bool(super().data_is_binary(data))

    def encode(self) -> Any:
        """Write the packet as the library does, the data by orjson (compact, UTF-8 kept as it is);
        binary packets and data orjson refuses (big integers, lone surrogates, other types) take
        the library's way."""
        if self.packet_type in (packet.BINARY_EVENT, packet.BINARY_ACK):
            return super().encode()
        text = _json_text(self.data) if self.data is not None else ""
        if text is None:
            return super().encode()
        head = str(self.packet_type)
        if self.namespace is not None and self.namespace != "/":
            head += self.namespace + ","
        if self.id is not None:
            head += str(self.id)
        return head + text

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


def _json_text(data: Any) -> str | None:
    """`data` as compact JSON text, or None where orjson cannot write it as the standard library
    would (non-string keys, integers beyond 64 bits, lone surrogates, bytes, subclasses, dates,
    dataclasses). Numbers may differ in form only (`1e16` for `1e+16`), NaN is written as null."""
    try:
        return orjson.dumps(data, default=_refuse, option=_AS_THE_LIBRARY).decode()
    except TypeError:  # orjson.JSONEncodeError, also what _refuse raises
        return None


_AS_THE_LIBRARY = (
    orjson.OPT_PASSTHROUGH_DATACLASS
    | orjson.OPT_PASSTHROUGH_DATETIME
    | orjson.OPT_PASSTHROUGH_SUBCLASS
)


def _refuse(value: Any) -> Any:
    raise TypeError(f"not written by orjson: {type(value).__name__}")


def _event_name(encoded_packet: Any) -> str:
    found = EVENT_NAME.match(encoded_packet) if isinstance(encoded_packet, str) else None
    try:
        name = json.loads(found.group(1)) if found else ""
    except ValueError:
        return ""
    return name if isinstance(name, str) else ""
