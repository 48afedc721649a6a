"""The reporter is told how their alert was reviewed: in the app, and by mail when verified."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest
import sqlalchemy as sa
from flask import Flask
from flask.testing import FlaskClient

from network.accounts.models import Member
from network.db import utcnow
from network.extensions import db
from network.notices.models import Notice

Api = Callable[..., Any]


def notices_of(app: Flask, member: Any) -> list[Notice]:
    with app.app_context():
        return list(
            db.session.scalars(
                sa.select(Notice).where(Notice.member_id == member.id).order_by(Notice.id)
            )
        )


def set_verified(app: Flask, member: Any, verified: bool) -> None:
    with app.app_context():
        row = db.session.get(Member, member.id)
        assert row is not None
        row.email_verified_at = utcnow() if verified else None
        db.session.commit()


@pytest.mark.parametrize(
    ("decision", "reason", "kind"),
    [("approve", "Clear case of hate.", "alert_approved"), ("reject", "A joke.", "alert_rejected")],
)
def test_reporter_gets_a_notice_with_the_reason(
    app: Flask,
    api_as: Api,
    post_alert: Api,
    review: Api,
    create_member: Any,
    organiser: Any,
    decision: str,
    reason: str,
    kind: str,
) -> None:
    reporter = create_member()
    alert = post_alert(reporter).get_json()
    assert review(organiser, alert["id"], decision, reason).status_code == 200
    [notice] = notices_of(app, reporter)
    assert (notice.kind, notice.alert_id, notice.body, notice.read_at) == (
        kind,
        alert["id"],
        reason,
        None,
    )
    mine = api_as(reporter, "GET", "/api/v1/me/notices").get_json()
    assert mine["unread"] == 1 and mine["items"][0]["body"] == reason
    assert notices_of(app, organiser) == [], "only the reporter is told"


def test_notices_show_in_the_navigation_and_are_marked_read(
    app: Flask,
    client: FlaskClient,
    post_alert: Api,
    review: Api,
    create_member: Any,
    organiser: Any,
    log_in: Any,
    submit: Any,
) -> None:
    reporter = create_member()
    alert = post_alert(reporter).get_json()
    review(organiser, alert["id"], "reject", "The thread is a joke between friends.")
    log_in(reporter)
    home = client.get("/").get_data(as_text=True)
    assert '<span class="badge">1</span>' in home
    page = client.get("/notices/").get_data(as_text=True)
    assert "Your alert was not approved" in page
    assert "The thread is a joke between friends." in page
    [notice] = notices_of(app, reporter)
    opened = submit("/notices/", {}, action=f"/notices/{notice.id}/open")
    assert opened.status_code == 302 and opened.headers["Location"].endswith(
        f"/alerts/{alert['id']}"
    )
    assert notices_of(app, reporter)[0].read_at is not None
    assert '<span class="badge">' not in client.get("/").get_data(as_text=True)


def test_mark_all_read_leaves_newer_notices_unread(
    app: Flask, api_as: Api, post_alert: Api, review: Api, create_member: Any, organiser: Any
) -> None:
    reporter = create_member()
    first, second = post_alert(reporter).get_json(), post_alert(reporter).get_json()
    review(organiser, first["id"], "approve")
    seen = api_as(reporter, "GET", "/api/v1/me/notices").get_json()["items"][0]["id"]
    review(organiser, second["id"], "approve")
    answer = api_as(reporter, "POST", "/api/v1/me/notices/read", json={"up_to": seen})
    assert answer.status_code == 200 and answer.get_json()["unread"] == 1


def test_rejected_alert_page_offers_no_way_to_help(
    client: FlaskClient,
    post_alert: Api,
    review: Api,
    create_member: Any,
    organiser: Any,
    log_in: Any,
) -> None:
    reporter = create_member()
    alert = post_alert(reporter).get_json()
    log_in(reporter)
    assert "How you can help" in client.get(f"/alerts/{alert['id']}").get_data(as_text=True)
    review(organiser, alert["id"], "reject", "Not about a person.")
    page = client.get(f"/alerts/{alert['id']}").get_data(as_text=True)
    assert "How you can help" not in page
    assert "Open the thread" not in page
    assert "Not about a person." in page


def test_verified_reporters_get_the_outcome_by_mail_and_unverified_do_not(
    app: Flask,
    post_alert: Api,
    review: Api,
    create_member: Any,
    organiser: Any,
    smtp_sink: Any,
    mail_to: Any,
) -> None:
    from network.tasks.notices import mail_notice

    sink = smtp_sink()
    mail_to(sink)
    verified, unverified = create_member(locale="nl"), create_member()
    set_verified(app, verified, True)
    set_verified(app, unverified, False)
    alerts = {}
    for reporter in (verified, unverified):
        alert = post_alert(reporter).get_json()
        alerts[reporter.id] = alert["id"]
        review(organiser, alert["id"], "reject", "Geen kwetsende inhoud.")
        [notice] = notices_of(app, reporter)
        with app.app_context():
            mail_notice(notice.id)
    [message] = sink.to(verified.email)
    body = message.get_body(preferencelist=("plain",))
    assert body is not None and "Geen kwetsende inhoud." in body.get_content()
    assert f"/alerts/{alerts[verified.id]}" in body.get_content()
    assert sink.to(unverified.email) == []


def test_export_has_notices_and_erasure_removes_them(
    app: Flask, api_as: Api, post_alert: Api, review: Api, create_member: Any, organiser: Any
) -> None:
    reporter = create_member()
    alert = post_alert(reporter).get_json()
    review(organiser, alert["id"], "approve", "Thanks")
    exported = api_as(reporter, "GET", "/api/v1/me/export").get_json()
    assert [(n["kind"], n["alert_id"], n["body"]) for n in exported["notices"]] == [
        ("alert_approved", alert["id"], "Thanks")
    ]
    from network.privacy.services import erase_member

    with app.test_request_context():
        row = db.session.get(Member, reporter.id)
        assert row is not None
        erase_member(row)
    with app.app_context():
        assert db.session.scalar(sa.select(sa.func.count()).select_from(Notice)) == 0


def test_everyone_who_reported_the_thread_is_told(
    app: Flask, post_alert: Api, review: Api, create_member: Any, organiser: Any
) -> None:
    first, second = create_member(), create_member()
    alert = post_alert(first, url="https://www.instagram.com/p/told-twice/").get_json()
    merged = post_alert(second, url="https://instagram.com/p/told-twice").get_json()
    assert merged["id"] == alert["id"]
    review(organiser, alert["id"], "approve", "Clear case")
    for reporter in (first, second):
        [notice] = notices_of(app, reporter)
        assert (notice.kind, notice.alert_id) == ("alert_approved", alert["id"])


@pytest.mark.parametrize("seed", range(6))
def test_unread_counter_always_matches_the_unread_notices(
    app: Flask, create_member: Any, seed: int
) -> None:
    """Any mix of new notices, mark-all, mark-up-to and opening one keeps the badge honest."""
    import random

    from network.notices import services

    rng = random.Random(seed)
    members = [create_member(), create_member()]

    def of(member: Any) -> list[Notice]:
        return list(db.session.scalars(sa.select(Notice).where(Notice.member_id == member.id)))

    with app.test_request_context():
        for _step in range(30):
            who = db.session.get(Member, rng.choice(members).id)
            assert who is not None
            mine = of(who)
            move = rng.choice(["notify", "notify", "all", "up_to", "open"])
            if move == "notify" or not mine:
                services.notify_each([who.id], "alert_approved")
                db.session.commit()
            elif move == "all":
                services.mark_read(who)
            elif move == "up_to":
                services.mark_read(who, up_to=rng.choice(mine).id)
            else:
                services.open_notice(who, rng.choice(mine).id)
            for member in members:
                row = db.session.get(Member, member.id)
                assert row is not None
                db.session.refresh(row)
                unread = sum(1 for n in of(member) if n.read_at is None)
                assert row.unread_notices == unread


def test_pages_show_the_badge_without_counting_notices(
    app: Flask, client: FlaskClient, create_member: Any, log_in: Any
) -> None:
    from network.notices import services

    reader = create_member()
    with app.test_request_context():
        services.notify_each([reader.id], "alert_approved")
        services.notify_each([reader.id], "alert_rejected")
        db.session.commit()
    log_in(reader)
    statements: list[str] = []

    def record(_conn: Any, _cursor: Any, statement: str, *_args: Any) -> None:
        statements.append(statement)

    engine = db.engine_for(app)
    sa.event.listen(engine, "before_cursor_execute", record)
    try:
        home = client.get("/").get_data(as_text=True)
    finally:
        sa.event.remove(engine, "before_cursor_execute", record)
    assert '<span class="badge">2</span>' in home
    assert not [s for s in statements if "FROM notice" in s], statements
