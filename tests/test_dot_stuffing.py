"""DATA's dot-stuffing (RFC 5321, 4.5.2): every line that starts with a dot gets one more, and
nothing else changes, so what the server takes back off is the message as written."""

from __future__ import annotations

import re

import pytest
from hypothesis import given
from hypothesis import strategies as st

from network.mail import dot_stuffed


def unstuffed(data: bytes) -> bytes:
    """What a receiving server does: take the first dot off every line that starts with one."""
    return b"\n".join(line[1:] if line.startswith(b".") else line for line in data.split(b"\n"))


@pytest.mark.parametrize(
    ("data", "expected"),
    [
        (b"", b""),
        (b".", b".."),
        (b"..", b"..."),
        (b".\r\n", b"..\r\n"),
        (b"a\r\n.\r\nb\r\n", b"a\r\n..\r\nb\r\n"),
        (b"a\r\n..x\r\n", b"a\r\n...x\r\n"),
        (b"a.b\r\n. c\r\n", b"a.b\r\n.. c\r\n"),
        (b"\n.\n.\n", b"\n..\n..\n"),
        (b"no dots at all\r\n", b"no dots at all\r\n"),
        (b"a\r.b", b"a\r.b"),  # a bare CR does not end a line for SMTP's reader
    ],
)
def test_a_dot_that_starts_a_line_is_doubled(data: bytes, expected: bytes) -> None:
    assert dot_stuffed(data) == expected


lines = st.lists(
    st.one_of(st.binary(max_size=12), st.sampled_from([b".", b"..", b".x", b". ", b""])),
    max_size=12,
)


@given(lines, st.sampled_from([b"\r\n", b"\n"]))
def test_no_line_of_the_stuffed_data_is_a_lone_dot_and_the_server_gets_the_text_back(
    parts: list[bytes], ending: bytes
) -> None:
    data = ending.join(parts)
    stuffed = dot_stuffed(data)
    assert unstuffed(stuffed) == data
    assert all(line.rstrip(b"\r") != b"." for line in stuffed.split(b"\n"))


@given(st.binary(max_size=200))
def test_the_same_as_a_multi_line_rule(data: bytes) -> None:
    # The rule as a regular expression: a dot at the start of the data or after a line feed.
    assert dot_stuffed(data) == re.sub(rb"(?m)^\.", b"..", data)
