"""Delivery: real mail over SMTP (aiosmtpd) or into the outbox, one-click unsubscribe, retries."""

from __future__ import annotations

import html
import logging
import re
from collections.abc import Callable
from datetime import timedelta
from email import message_from_bytes, policy
from email.message import EmailMessage
from pathlib import Path
from urllib.parse import urlsplit

import pytest
import sqlalchemy as sa
from aiosmtpd.controller import Controller
from flask import Flask
from flask.testing import FlaskClient

from network.accounts.models import DigestFrequency, Member
from network.db import utcnow
from network.digests import services
from network.digests.compose import message_id
from network.digests.models import Digest, DigestStatus
from network.extensions import db
from network.tasks import digests as digest_tasks
from tests.digests.conftest import Sink, digest_rows, email_of
from tests.harness import embedded_worker, free_port, standalone_app, wait_until
from tests.world import change_settings


def send_due(app: Flask, claimed_by: str = "job-1") -> list[services.BatchResult]:
    """Do what the dispatcher and its batch jobs do, in this process."""
    with app.app_context():
        return [services.send_batch(batch, claimed_by) for batch in services.due_batches()]


def parts(message: EmailMessage) -> tuple[str, str]:
    text = message.get_body(preferencelist=("plain",))
    markup = message.get_body(preferencelist=("html",))
    assert text is not None and markup is not None
    return str(text.get_content()), str(markup.get_content())


def unsubscribe_path(message: EmailMessage) -> str:
    header = str(message["List-Unsubscribe"])
    assert header.startswith("<") and header.endswith(">")
    return urlsplit(header[1:-1]).path


def frequency_of(app: Flask, member_id: int) -> DigestFrequency:
    with app.app_context():
        frequency = db.session.scalar(
            sa.select(Member.digest_frequency).where(Member.id == member_id)
        )
        assert frequency is not None
        return frequency


def test_digest_arrives_over_smtp_with_text_html_and_unsubscribe_headers(
    app: Flask,
    smtp_sink: Callable[..., Sink],
    mail_to: Callable[[Sink], None],
    add_members: Callable[..., list[int]],
    add_team: Callable[..., int],
    add_alert: Callable[..., int],
) -> None:
    sink = smtp_sink()
    mail_to(sink)
    english, dutch = add_members(1, frequency="daily") + add_members(1, locale="nl")
    add_team("Class 4B", [english, dutch])
    needs_help = add_alert(utcnow() - timedelta(hours=1))

    results = send_due(app)

    assert sorted(m for result in results for m in result.sent) == [english, dutch]
    rows = {row["member_id"]: row for row in digest_rows(app)}
    (message,) = sink.to(email_of(app, english))
    row = rows[english]
    with app.app_context():
        digest = db.session.get(Digest, row["id"])
        assert digest is not None
        assert message["Message-ID"] == message_id(digest) == row["message_id"]
    assert re.fullmatch(
        rf"<digest-{english}-daily-\d{{4}}-\d\d-\d\d@localhost>", message["Message-ID"]
    )
    assert message["Subject"].startswith("Your daily Upstander digest")
    assert message["List-Unsubscribe"].startswith("<http://localhost/digests/unsubscribe/")
    assert message["List-Unsubscribe-Post"] == "List-Unsubscribe=One-Click"
    assert message.get_content_type() == "multipart/alternative"
    text, markup = parts(message)
    assert row["norm_message"] in text and html.escape(row["norm_message"]) in markup
    # Nothing happened yet: said in one line, with an invitation, never "0 of 2 members acted".
    assert "A quiet day in the network: nothing to report." in text
    assert "Be among the first: one report or a kind private message takes a minute." in text
    assert "members acted" not in text and "members acted" not in markup
    assert "0%" not in text and "0%" not in markup
    # Teammates who have not acted yet are invited, never told "0 of your 1 teammates acted".
    assert "Be the first of your teammates in Class 4B to act." in text
    assert f"http://localhost/alerts/{needs_help}" in text
    assert f'href="http://localhost/alerts/{needs_help}"' in markup
    assert f"http://localhost/digests/{row['id']}" in text
    assert unsubscribe_path(message) in text and unsubscribe_path(message) in markup
    assert rows[dutch]["status"] == DigestStatus.SENT
    (dutch_message,) = sink.to(email_of(app, dutch))
    assert '<html lang="nl">' in parts(dutch_message)[1]


def test_unsubscribe_link_from_the_mail_works_without_logging_in(
    app: Flask,
    client: FlaskClient,
    smtp_sink: Callable[..., Sink],
    mail_to: Callable[[Sink], None],
    add_members: Callable[..., list[int]],
) -> None:
    sink = smtp_sink()
    mail_to(sink)
    leaving, one_click, staying = add_members(3, frequency="daily")
    send_due(app)
    path = unsubscribe_path(sink.to(email_of(app, leaving))[0])

    confirm = client.get(path)
    assert confirm.status_code == 200 and confirm.mimetype == "text/html"
    assert f'action="{path}"' in confirm.get_data(as_text=True)
    assert frequency_of(app, leaving) == DigestFrequency.DAILY, (
        "a GET (link preview) changes nothing"
    )

    stopped = client.post(path)
    assert stopped.status_code == 200 and stopped.mimetype == "text/html"
    assert "You will get no more digests" in stopped.get_data(as_text=True)
    assert frequency_of(app, leaving) == DigestFrequency.OFF

    # RFC 8058: the mail client POSTs "List-Unsubscribe=One-Click", without cookies or CSRF token.
    rfc8058 = client.post(
        unsubscribe_path(sink.to(email_of(app, one_click))[0]),
        data="List-Unsubscribe=One-Click",
        content_type="application/x-www-form-urlencoded",
    )
    assert rfc8058.status_code == 200
    assert frequency_of(app, one_click) == DigestFrequency.OFF

    token = path.rsplit("/", 1)[1]
    for tampered in (
        token[:-2] + ("aa" if not token.endswith("aa") else "bb"),
        "x" + token,
        "nonsense",
    ):
        assert client.get(f"/digests/unsubscribe/{tampered}").status_code == 400
        assert client.post(f"/digests/unsubscribe/{tampered}").status_code == 400
    assert frequency_of(app, staying) == DigestFrequency.DAILY

    # Next period: the digests just sent belong to the period before it.
    with app.app_context():
        for digest in db.session.scalars(sa.select(Digest)):
            digest.period_key = (
                services.from_key(digest.period_key, "Europe/Amsterdam", 8).previous(8).key
            )
        db.session.commit()
        due = [m for batch in services.due_batches() for m in batch.member_ids]
    assert due == [staying]


def test_without_smtp_the_embedded_mode_writes_each_digest_to_the_outbox(
    tmp_path: Path, caplog: pytest.LogCaptureFixture, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(tmp_path)
    outbox = tmp_path / "outbox"
    site = standalone_app(tmp_path / "instance", MAIL_OUTBOX=str(outbox), SMTP_HOST=None)
    with site.app_context():
        for n in range(3):
            db.session.add(
                Member(
                    email=f"outbox{n}@example.org",
                    password_hash="-",
                    display_name=f"Outbox {n}",
                    pledge_accepted_at=utcnow() - timedelta(days=30),
                    created_at=utcnow() - timedelta(days=30),
                    email_verified_at=utcnow() - timedelta(days=30),
                    digest_frequency=DigestFrequency.DAILY,
                    platforms=[],
                    languages=["en"],
                    comfortable_actions=[],
                )
            )
        db.session.commit()
    caplog.set_level(logging.INFO, logger="network.mail")
    with embedded_worker(site, tmp_path / "instance"):
        digest_tasks.dispatch.delay()
        files = wait_until(
            lambda: sorted(outbox.glob("*.eml")) if len(list(outbox.glob("*.eml"))) == 3 else [],
            what="three digests in the outbox",
        )

        def all_sent() -> bool:
            with site.app_context():
                statuses = list(db.session.scalars(sa.select(Digest.status)))
                return statuses == [DigestStatus.SENT] * 3

        wait_until(all_sent, what="three digests marked sent")

    for path in files:
        message = message_from_bytes(path.read_bytes(), policy=policy.default)
        assert message["Message-ID"].startswith("<digest-")
        assert message["List-Unsubscribe-Post"] == "List-Unsubscribe=One-Click"
        assert message.get_body(preferencelist=("html",)) is not None
    assert sum("written to" in record.getMessage() for record in caplog.records) == 3


def test_refused_mail_stays_claimed_and_the_retry_of_the_same_job_sends_it_once(
    app: Flask,
    smtp_sink: Callable[..., Sink],
    mail_to: Callable[[Sink], None],
    add_members: Callable[..., list[int]],
) -> None:
    sink = smtp_sink(refuse=2)  # "451 try later" for the first two messages
    mail_to(sink)
    members = add_members(3, frequency="daily")
    with app.app_context():
        (batch,) = services.due_batches()

        first = services.send_batch(batch, "job-A")
        assert sorted(first.failed) == members[:2] and first.sent == [members[2]]
        failed = {row["member_id"]: row for row in digest_rows(app, members[:2])}
        assert all(row["status"] == DigestStatus.CLAIMED for row in failed.values())
        assert all(row["claimed_by"] == "job-A" for row in failed.values())
        assert all(row["attempts"] == 1 for row in failed.values())
        assert all("451" in (row["last_error"] or "") for row in failed.values())
        assert services.due_batches() == [], "claimed rows are not dispatched again"

        other = services.send_batch(batch, "job-B")
        assert other.sent == [] and sorted(other.skipped) == members

        retry = services.send_batch(batch, "job-A")
        assert sorted(retry.sent) == members[:2] and not retry.failed

    assert sink.per_recipient() == {email_of(app, m): 1 for m in members}
    for member_id in members[:2]:
        (refused,) = [m for m in sink.refused if m["To"] == email_of(app, member_id)]
        (accepted,) = sink.to(email_of(app, member_id))
        assert refused["Message-ID"] == accepted["Message-ID"], "a retry is the same message"
    rows = digest_rows(app, members)
    assert [row["status"] for row in rows] == [DigestStatus.SENT] * 3
    assert [row["attempts"] for row in rows] == [2, 2, 1]
    assert all(row["last_error"] is None for row in rows)


def test_an_unreachable_smtp_server_stops_the_batch_until_the_retry(
    app: Flask, monkeypatch: pytest.MonkeyPatch, add_members: Callable[..., list[int]]
) -> None:
    port = free_port()  # nothing listens here yet
    change_settings(monkeypatch, app, smtp_host="127.0.0.1")
    change_settings(monkeypatch, app, smtp_port=port)
    members = add_members(3, frequency="daily")
    with app.app_context():
        (batch,) = services.due_batches()
        down = services.send_batch(batch, "job-A")
    assert sorted(down.failed) == members and down.sent == []
    # One attempt told that the server is down; the others were not tried one by one.
    assert [row["attempts"] for row in digest_rows(app)] == [1, 0, 0]
    assert {row["status"] for row in digest_rows(app)} == {DigestStatus.CLAIMED}

    sink = Sink()
    controller = Controller(sink, hostname="127.0.0.1", port=port)
    controller.start()
    try:
        with app.app_context():
            back = services.send_batch(batch, "job-A")
    finally:
        controller.stop()
    assert sorted(back.sent) == members
    assert sink.per_recipient() == {email_of(app, m): 1 for m in members}


def test_mail_that_keeps_failing_is_given_up_visibly_after_the_last_retry(
    app: Flask,
    smtp_sink: Callable[..., Sink],
    mail_to: Callable[[Sink], None],
    add_members: Callable[..., list[int]],
    caplog: pytest.LogCaptureFixture,
) -> None:
    sink = smtp_sink(refuse=10_000)
    mail_to(sink)
    members = add_members(2, frequency="daily")
    with app.app_context():
        (batch,) = services.due_batches()
    # Run eagerly, the task retries at once instead of after its backoff, under the same id.
    digest_tasks.send_batch.apply(
        args=[batch.member_ids, batch.frequency, batch.time_zone, batch.period_key],
        task_id="job-that-retries",
    )

    rows = digest_rows(app, members)
    assert [row["status"] for row in rows] == [DigestStatus.FAILED] * 2
    assert [row["attempts"] for row in rows] == [digest_tasks.MAX_RETRIES + 1] * 2
    assert all("451" in (row["last_error"] or "") for row in rows)
    # Every attempt offered the same message again: one Message-ID per member.
    assert len(sink.refused) == 2 * (digest_tasks.MAX_RETRIES + 1)
    assert len({(m["To"], m["Message-ID"]) for m in sink.refused}) == 2
    assert sink.accepted == []
    assert "gave up sending 2 digests" in caplog.text
    with app.app_context():
        assert services.due_batches() == [], "a failed digest is not sent again next time"


def test_a_batch_abandoned_by_a_dead_job_is_taken_over_after_the_lease(
    app: Flask,
    smtp_sink: Callable[..., Sink],
    mail_to: Callable[[Sink], None],
    add_members: Callable[..., list[int]],
) -> None:
    sink = smtp_sink()
    mail_to(sink)
    members = add_members(3, frequency="daily")
    with app.app_context():
        (batch,) = services.due_batches()
        services.build_batch(batch, "job-that-died")  # claimed, then its worker and job were lost
        assert services.due_batches() == []
        lease = timedelta(minutes=app.config["DIGEST_CLAIM_LEASE_MINUTES"])
        db.session.execute(
            sa.update(Digest).values(claimed_at=utcnow() - lease - timedelta(seconds=1))
        )
        db.session.commit()

        (again,) = services.due_batches()
        assert again.member_ids == members
        taken_over = services.send_batch(again, "next-dispatch")
        late_redelivery = services.send_batch(batch, "job-that-died")

    assert sorted(taken_over.sent) == members
    assert late_redelivery.sent == [] and not late_redelivery.failed
    assert sink.per_recipient() == {email_of(app, m): 1 for m in members}
    assert {row["claimed_by"] for row in digest_rows(app)} == {"next-dispatch"}


def test_send_digests_command_sends_what_is_due(
    app: Flask,
    smtp_sink: Callable[..., Sink],
    mail_to: Callable[[Sink], None],
    add_members: Callable[..., list[int]],
) -> None:
    sink = smtp_sink()
    mail_to(sink)
    members = add_members(3, frequency="daily") + add_members(1, frequency="off")

    first = app.test_cli_runner().invoke(args=["send-digests"])
    again = app.test_cli_runner().invoke(args=["send-digests"])

    assert first.exit_code == 0 and "Sent 3 digests." in first.output, first.output
    assert again.exit_code == 0 and "Sent 0 digests." in again.output
    assert sink.per_recipient() == {email_of(app, m): 1 for m in members[:3]}
    assert [row["status"] for row in digest_rows(app)] == [DigestStatus.SENT] * 3
