"""What the server sends on Socket.IO reads back as the library would have written it.

FeedPacket writes the data of the packets the server sends with orjson (network/realtime/
packet.py); the library's own Packet, the reference here, decodes both the same way, whatever
the data: nested texts, numbers of every size, lone surrogates, bytes as attachments."""

from __future__ import annotations

import dataclasses
import datetime
import math
from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st
from socketio import packet

from network.realtime.packet import FeedPacket

JSON_LEAVES = (
    st.none()
    | st.booleans()
    | st.integers(min_value=-(2**70), max_value=2**70)
    | st.floats(allow_nan=False, allow_infinity=False)
    | st.text()
)
JSON_DATA = st.recursive(
    JSON_LEAVES,
    lambda inner: st.lists(inner, max_size=5) | st.dictionaries(st.text(), inner, max_size=5),
    max_leaves=30,
)


def read_back(encoded: Any) -> tuple[int, str | None, int | None, Any]:
    """Decode with the library's own Packet (attachments put back for binary packets)."""
    first, *attachments = encoded if isinstance(encoded, list) else [encoded]
    decoded = packet.Packet(encoded_packet=first)
    for attachment in attachments:
        decoded.add_attachment(attachment)
    return decoded.packet_type, decoded.namespace, decoded.id, decoded.data


@given(
    data=JSON_DATA,
    namespace=st.sampled_from([None, "/", "/feed"]),
    ack=st.none() | st.integers(0, 10**6),
)
def test_any_json_data_reads_back_as_the_library_writes_it(
    data: Any, namespace: str | None, ack: int | None
) -> None:
    for kind in (packet.EVENT, packet.ACK):
        ours = FeedPacket(kind, data=["event", data], namespace=namespace, id=ack).encode()
        theirs = packet.Packet(kind, data=["event", data], namespace=namespace, id=ack).encode()
        assert read_back(ours) == read_back(theirs)


@dataclasses.dataclass
class Point:
    x: int


class Text(str):
    pass


@pytest.mark.parametrize(
    "data",
    [
        {"alert": {"id": 7, "title": "Zo niet \u2014 ü", "needs": {"public_reply": 2}}},
        {"emoji": "\U0001f44b", "escape": 'quote " backslash \\ newline \n tab \t'},
        {"big": 2**64, "negative": -(2**63) - 1},  # beyond 64 bits: the library writes them
        {"lone": "abc\ud800def"},  # a lone surrogate: the library escapes it
        {1: "number key", "x": None},  # a key that is not text: the library turns it into one
        {"nan": math.nan},  # written as null, readable JSON (the library writes NaN)
        {"huge": 1e300, "tiny": 5e-324, "third": 1 / 3},
        [Text("a text subclass")],
        [],
        None,
        "only text",
        0,
    ],
    ids=repr,
)
def test_each_kind_of_data_reads_back_as_the_library_writes_it(data: Any) -> None:
    ours = read_back(FeedPacket(packet.EVENT, data=["event", data], namespace="/feed").encode())
    theirs = packet.Packet(packet.EVENT, data=["event", data], namespace="/feed").encode()
    if isinstance(data, dict) and "nan" in data:
        assert ours[3] == ["event", {"nan": None}]
    else:
        assert ours == read_back(theirs)


@pytest.mark.parametrize(
    "data",
    [
        {"file": b"\x00\x01binary"},
        ["text", [bytearray(b"deep"), {"more": b"bytes"}]],
    ],
    ids=["bytes", "nested bytearray"],
)
def test_bytes_go_as_attachments_as_the_library_sends_them(data: Any) -> None:
    ours = FeedPacket(packet.EVENT, data=["event", data], namespace="/feed")
    theirs = packet.Packet(packet.EVENT, data=["event", data], namespace="/feed")
    assert ours.packet_type == theirs.packet_type == packet.BINARY_EVENT
    assert ours.encode() == theirs.encode()


@pytest.mark.parametrize(
    "value", [datetime.datetime(2026, 11, 29, 12, 0), Point(1), {1, 2}], ids=repr
)
def test_what_the_library_cannot_write_fails_as_it_does(value: Any) -> None:
    with pytest.raises(TypeError):
        packet.Packet(packet.EVENT, data=["event", value]).encode()
    with pytest.raises(TypeError):
        FeedPacket(packet.EVENT, data=["event", value]).encode()


def test_plain_data_is_written_in_one_pass_keeping_its_letters() -> None:
    """The fast way is the one taken for an event's usual data: letters beyond ASCII go as they
    are (the library escapes each as six characters), and nothing else differs."""
    data = ["alert.created", {"alert": {"summary": "Zo niet — ü", "id": 7}}]
    ours = FeedPacket(packet.EVENT, data=data, namespace="/feed").encode()
    theirs = packet.Packet(packet.EVENT, data=data, namespace="/feed").encode()
    assert ours == '2/feed,["alert.created",{"alert":{"summary":"Zo niet — ü","id":7}}]'
    assert "\\u00fc" in theirs and len(ours) < len(theirs)
    assert read_back(ours) == read_back(theirs)
