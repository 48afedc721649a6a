"""`upstander send-digests`: says why members got nothing, and previews one member's digest."""

from __future__ import annotations

from collections.abc import Callable
from datetime import timedelta
from typing import Any

import sqlalchemy as sa
from flask import Flask

from network.db import utcnow
from network.digests.models import Digest
from network.extensions import db
from tests.digests.conftest import Sink, digest_rows, email_of


def run(app: Flask, *args: str) -> Any:
    return app.test_cli_runner().invoke(args=["send-digests", *args])


def digest_count(app: Flask) -> int:
    with app.app_context():
        return db.session.scalar(sa.select(sa.func.count()).select_from(Digest)) or 0


def test_a_second_run_says_who_is_due_later_and_why_others_get_nothing(
    app: Flask,
    add_members: Callable[..., list[int]],
    smtp_sink: Callable[..., Sink],
    mail_to: Callable[[Sink], None],
) -> None:
    sink = smtp_sink()
    mail_to(sink)
    add_members(2, frequency="weekly")
    add_members(1, frequency="daily")
    add_members(1, frequency="off")
    add_members(1, status="suspended")
    add_members(2, frequency="daily", created_at=utcnow() + timedelta(minutes=1))
    add_members(1, time_zone="Mars/Olympus_Mons")
    add_members(1, frequency="daily", verified=False)

    first = run(app)
    assert first.exit_code == 0, first.output
    assert "Sent 3 digests." in first.output
    assert len(sink.accepted) == 3

    again = run(app)
    assert again.exit_code == 0, again.output
    lines = again.output.splitlines()
    assert lines[0] == "Sent 0 digests."
    assert lines[1].startswith("5 members are due later, the next at ")
    assert "  3 already got this period's digest" in lines
    assert "  2 joined after this period ended (first digest next time)" in lines
    assert "1 have a time zone this server does not know" in lines
    assert "1 switched digests off" in lines
    assert "1 are suspended or erased" in lines
    assert "1 have not confirmed their email address yet" in lines


def test_an_empty_network_says_only_that_nothing_was_sent(app: Flask) -> None:
    answer = run(app)
    assert answer.exit_code == 0
    assert answer.output == "Sent 0 digests.\n"


def test_preview_prints_a_members_digest_without_sending_or_recording_it(
    app: Flask,
    add_members: Callable[..., list[int]],
    smtp_sink: Callable[..., Sink],
    mail_to: Callable[[Sink], None],
) -> None:
    sink = smtp_sink()
    mail_to(sink)
    (member_id,) = add_members(1, frequency="daily", locale="nl")
    email = email_of(app, member_id)
    for _twice in range(2):
        answer = run(app, "--member", email.upper(), "--preview")
        assert answer.exit_code == 0, answer.output
        assert (
            "Subject: Je dagelijkse Upstander-digest" in answer.output
            or "Subject: " in answer.output
        )
        assert f"To: {email}" in answer.output
        assert "/digests/unsubscribe/" in answer.output
    assert digest_count(app) == 0, "a preview records nothing"
    assert sink.accepted == [], "and sends nothing"
    # The real run afterwards still sends the member's digest.
    assert "Sent 1 digests." in run(app).output
    assert [row["member_id"] for row in digest_rows(app)] == [member_id]


def test_preview_also_works_for_members_who_switched_digests_off(
    app: Flask, add_members: Callable[..., list[int]]
) -> None:
    (member_id,) = add_members(1, frequency="off")
    answer = run(app, "--member", email_of(app, member_id), "--preview")
    assert answer.exit_code == 0, answer.output
    assert "weekly" in answer.output.lower()


def test_member_sends_only_that_members_due_digest(
    app: Flask,
    add_members: Callable[..., list[int]],
    smtp_sink: Callable[..., Sink],
    mail_to: Callable[[Sink], None],
) -> None:
    sink = smtp_sink()
    mail_to(sink)
    chosen, other = add_members(2, frequency="daily")
    answer = run(app, "--member", email_of(app, chosen))
    assert "Sent 1 digests." in answer.output
    assert list(sink.per_recipient()) == [email_of(app, chosen)]
    assert "No digest was due" in run(app, "--member", email_of(app, chosen)).output
    assert other not in [row["member_id"] for row in digest_rows(app)]


def test_preview_refuses_what_it_cannot_do(app: Flask) -> None:
    unknown = run(app, "--member", "nobody@example.org", "--preview")
    assert unknown.exit_code != 0 and "No member has this email address." in unknown.output
    alone = run(app, "--preview")
    assert alone.exit_code != 0 and "--preview needs --member EMAIL." in alone.output
