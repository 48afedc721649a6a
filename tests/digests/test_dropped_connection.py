"""A connection that drops mid-batch: nobody is lost, nobody gets a digest twice.

The message in flight when the connection drops was not confirmed by the server: it counts as a
failed attempt and the job's retry sends it (with the same Message-ID). The batch goes on over a
new connection; when that one drops too before any message got through, the rest of the batch
is left untouched for the retry.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest
from aiosmtpd.controller import Controller
from flask import Flask

from network.digests import services
from network.digests.models import DigestStatus
from tests.digests.conftest import Sink, digest_rows, email_of
from tests.harness import free_port
from tests.world import change_settings


class Dropping(Sink):
    """An SMTP server that hangs up, without a reply, on the messages it is told to drop."""

    def __init__(self, drop: set[int], refuse_to: frozenset[str] = frozenset()) -> None:
        super().__init__()
        self.drop = drop
        self.refuse_to = refuse_to
        self.seen = 0
        self.dropped: list[str] = []

    async def handle_EHLO(
        self, server: Any, session: Any, envelope: Any, hostname: str, responses: list[str]
    ) -> list[str]:
        # Offers PIPELINING, as production servers do: MAIL, RCPT and DATA go in one write.
        session.host_name = hostname
        return [responses[0], "250-PIPELINING", *responses[1:]]

    async def handle_RCPT(
        self, server: Any, session: Any, envelope: Any, address: str, options: list[str]
    ) -> str:
        if address in self.refuse_to:
            return "550 5.1.1 No such mailbox"
        envelope.rcpt_tos.append(address)
        return "250 OK"

    async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:
        with self.lock:
            self.seen += 1
            hang_up = self.seen in self.drop
            if hang_up:
                self.dropped.extend(envelope.rcpt_tos)
        if hang_up:
            server.transport.close()
            return "421 4.4.2 Connection dropped"  # never reaches the client
        return await super().handle_DATA(server, session, envelope)


@pytest.fixture
def dropping(app: Flask, monkeypatch: pytest.MonkeyPatch) -> Any:
    controllers: list[Controller] = []

    def start(drop: set[int], refuse_to: frozenset[str] = frozenset()) -> Dropping:
        sink = Dropping(drop, refuse_to)
        sink.port = free_port()
        controller = Controller(sink, hostname="127.0.0.1", port=sink.port)
        controller.start()
        controllers.append(controller)
        change_settings(monkeypatch, app, smtp_host="127.0.0.1")
        change_settings(monkeypatch, app, smtp_port=sink.port)
        return sink

    yield start
    for controller in controllers:
        controller.stop()


def test_a_drop_mid_batch_fails_only_the_message_in_flight(
    app: Flask, dropping: Callable[[set[int]], Dropping], add_members: Callable[..., list[int]]
) -> None:
    sink = dropping({2})
    members = add_members(5, frequency="daily")
    with app.app_context():
        (batch,) = services.due_batches()
        first = services.send_batch(batch, "job-A")
    assert sorted(first.failed) == [members[1]]
    assert sorted(first.sent) == members[:1] + members[2:], "the batch went on, reconnected"
    rows = {row["member_id"]: row for row in digest_rows(app, members)}
    assert rows[members[1]]["status"] == DigestStatus.CLAIMED
    assert rows[members[1]]["attempts"] == 1
    assert "SMTPServerDisconnected" in (rows[members[1]]["last_error"] or "")
    assert sink.dropped == [email_of(app, members[1])]

    with app.app_context():
        retry = services.send_batch(batch, "job-A")
    assert retry.sent == [members[1]] and not retry.failed
    assert sink.per_recipient() == {email_of(app, m): 1 for m in members}
    assert {row["status"] for row in digest_rows(app, members)} == {DigestStatus.SENT}


def test_a_connection_that_keeps_dropping_leaves_the_rest_for_the_retry(
    app: Flask,
    dropping: Callable[[set[int]], Dropping],
    smtp_sink: Callable[..., Sink],
    add_members: Callable[..., list[int]],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    sink = dropping({2, 3, 4, 5, 6})
    members = add_members(6, frequency="daily")
    with app.app_context():
        (batch,) = services.due_batches()
        first = services.send_batch(batch, "job-A")
    assert first.sent == members[:1]
    assert sorted(first.failed) == members[1:]
    # The message in flight on each of the two dropped connections counts an attempt; the rest
    # was not tried.
    assert [row["attempts"] for row in digest_rows(app, members)] == [1, 1, 1, 0, 0, 0]
    assert sink.dropped == [email_of(app, m) for m in members[1:3]]

    healthy = smtp_sink()
    change_settings(monkeypatch, app, smtp_port=healthy.port)
    with app.app_context():
        retry = services.send_batch(batch, "job-A")
    assert sorted(retry.sent) == members[1:] and not retry.failed
    assert sink.per_recipient() == {email_of(app, members[0]): 1}
    assert healthy.per_recipient() == {email_of(app, m): 1 for m in members[1:]}
    assert [row["status"] for row in digest_rows(app, members)] == [DigestStatus.SENT] * 6


def test_a_refused_recipient_fails_alone_when_commands_are_pipelined(
    app: Flask, dropping: Callable[..., Dropping], add_members: Callable[..., list[int]]
) -> None:
    members = add_members(3, frequency="daily")
    sink = dropping(set(), frozenset({email_of(app, members[1])}))
    with app.app_context():
        (batch,) = services.due_batches()
        result = services.send_batch(batch, "job-A")
    assert sorted(result.sent) == [members[0], members[2]]
    assert list(result.failed) == [members[1]]
    assert result.failed[members[1]] == "SMTPRecipientsRefused"
    assert sink.per_recipient() == {email_of(app, members[0]): 1, email_of(app, members[2]): 1}
    rows = {row["member_id"]: row for row in digest_rows(app, members)}
    assert rows[members[1]]["status"] == DigestStatus.CLAIMED and rows[members[1]]["attempts"] == 1
