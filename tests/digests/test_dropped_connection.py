"""A connection that drops mid-batch: nobody is lost, nobody gets a digest twice.

The message in flight when the connection drops was not confirmed by the server: it counts as a
failed attempt and the job's retry sends it (with the same Message-ID). The batch goes on over a
new connection; when that one drops too before any message got through, the rest of the batch
is left untouched for the retry.
"""

from __future__ import annotations

from collections.abc import Callable

import pytest
from flask import Flask

from network.digests import services
from network.digests.models import DigestStatus
from tests.digests.conftest import Dropping, Sink, digest_rows, email_of
from tests.world import change_settings


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
