"""The digests benchmark's SMTP sinks speak SMTP as the mailer needs and count what they accept."""

from __future__ import annotations

import smtplib
import socket
from collections.abc import Iterator

import pytest

from bench.digests import SINKS, Sink, smtp_sink

MESSAGES = [
    b"Subject: plain\r\n\r\nHello.\r\n",
    # smtplib stuffs the dots of lines that start with one; the sink must not end there.
    b"Subject: dots\r\n\r\n.\r\n..\r\n.leading dot\r\nend\r\n",
    b"",  # nothing but the final dot
    b"Subject: long\r\n\r\n" + b"x" * 70 + b"\r\n" * 2_000,
]


@pytest.fixture(scope="module", params=SINKS)
def sink(request: pytest.FixtureRequest) -> Iterator[Sink]:
    with smtp_sink(request.param) as running:
        yield running


def test_messages_sent_one_by_one_are_each_counted_once(sink: Sink) -> None:
    sink.received.value = 0
    with smtplib.SMTP("127.0.0.1", sink.port, timeout=10) as smtp:
        smtp.ehlo()
        assert smtp.has_extn("pipelining")
        for message in MESSAGES:
            assert smtp.sendmail("a@example.org", ["b@example.org"], message) == {}
    assert sink.received.value == len(MESSAGES)


def _replies(connection: socket.socket, count: int) -> list[bytes]:
    data = b""
    while data.count(b"\r\n") < count or data.splitlines()[-1][3:4] == b"-":
        chunk = connection.recv(65536)
        assert chunk, "the sink hung up"
        data += chunk
    return [line[:3] for line in data.splitlines() if line[3:4] != b"-"]


def test_pipelined_commands_are_answered_in_order(sink: Sink) -> None:
    """As the mailer streams: a message's final dot written together with the next message's
    MAIL, RCPT and DATA, in one write."""
    sink.received.value = 0
    envelope = b"MAIL FROM:<a@example.org>\r\nRCPT TO:<b@example.org>\r\nDATA\r\n"
    with socket.create_connection(("127.0.0.1", sink.port), timeout=10) as connection:
        assert _replies(connection, 1) == [b"220"]
        connection.sendall(b"EHLO bench\r\n")
        assert _replies(connection, 1) == [b"250"]
        connection.sendall(envelope)
        assert _replies(connection, 3) == [b"250", b"250", b"354"]
        for number in range(5):
            connection.sendall(f"Subject: {number}\r\n\r\nbody\r\n".encode())
            connection.sendall(b".\r\n" + envelope)
            assert _replies(connection, 4) == [b"250", b"250", b"250", b"354"]
        connection.sendall(b"Subject: last\r\n\r\nbody\r\n.\r\nQUIT\r\n")
        assert _replies(connection, 2) == [b"250", b"221"]
    assert sink.received.value == 6


def test_the_sinks_cpu_is_readable(sink: Sink) -> None:
    assert sink.cpu_seconds() >= 0
