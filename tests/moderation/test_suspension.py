"""Suspending a member: who may, what ends at once, and reinstating."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest
import sqlalchemy as sa
from flask import Flask
from flask.testing import FlaskClient

from network.accounts.models import AccessToken, Member, MemberStatus
from network.coordination.models import Action, ActionStatus
from network.extensions import db
from network.realtime.models import FeedEvent
from tests.accounts.test_sessions import is_logged_in, logged_in_client

Api = Callable[..., Any]
REASON = {"reason": "Harassed other members in a thread"}


def status_of(app: Flask, member: Any) -> MemberStatus:
    with app.app_context():
        row = db.session.get(Member, member.id)
        assert row is not None
        return row.status


# Who suspends whom → the answer.
WHO_MAY = [
    ("organiser", "member", 200),
    ("organiser", "organiser", 403),
    ("organiser", "admin", 403),
    ("admin", "organiser", 200),
    ("admin", "member", 200),
    ("admin", "admin", 403),
    ("member", "member", 403),
]


@pytest.mark.parametrize(("actor_role", "target_role", "expected"), WHO_MAY)
def test_who_may_suspend_whom(
    app: Flask, api_as: Api, create_member: Any, actor_role: str, target_role: str, expected: int
) -> None:
    actor = create_member(role=actor_role, trust_level=3 if actor_role == "member" else None)
    target = create_member(role=target_role)
    answer = api_as(actor, "POST", f"/api/v1/members/{target.id}/suspend", json=REASON)
    assert answer.status_code == expected, answer.get_data(as_text=True)
    suspended = status_of(app, target) == MemberStatus.SUSPENDED
    assert suspended == (expected == 200)
    if expected == 200:
        back = api_as(actor, "POST", f"/api/v1/members/{target.id}/reinstate", json={})
        assert back.status_code == 200 and back.get_json()["status"] == "active"


@pytest.mark.parametrize("role", ["organiser", "admin"])
def test_nobody_suspends_themselves(app: Flask, api_as: Api, create_member: Any, role: str) -> None:
    actor = create_member(role=role)
    answer = api_as(actor, "POST", f"/api/v1/members/{actor.id}/suspend", json=REASON)
    assert answer.status_code == 403
    assert status_of(app, actor) == MemberStatus.ACTIVE


@pytest.mark.parametrize("reason", ["", "   ", "x" * 501])
def test_a_suspension_needs_a_reason(
    app: Flask, api_as: Api, create_member: Any, organiser: Any, reason: str
) -> None:
    member = create_member()
    answer = api_as(
        organiser, "POST", f"/api/v1/members/{member.id}/suspend", json={"reason": reason}
    )
    assert answer.status_code == 422 and "reason" in answer.get_json()["error"]["fields"]
    assert status_of(app, member) == MemberStatus.ACTIVE


def test_suspension_ends_sessions_tokens_and_claims_and_is_audited(
    app: Flask,
    client: FlaskClient,
    api_as: Api,
    create_member_with_token: Any,
    open_alert: Any,
    organiser: Any,
    audit_entries: Any,
    submit: Any,
) -> None:
    member, token = create_member_with_token(trust_level=1)
    browser = logged_in_client(app, member)
    alert = open_alert()
    claimed = api_as(
        member, "POST", f"/api/v1/alerts/{alert['id']}/actions", json={"type": "report_platform"}
    )
    assert claimed.status_code == 201
    with app.app_context():
        before = db.session.scalar(sa.select(sa.func.max(FeedEvent.id))) or 0

    answer = api_as(organiser, "POST", f"/api/v1/members/{member.id}/suspend", json=REASON)
    assert answer.status_code == 200 and answer.get_json() == {
        "id": member.id,
        "status": "suspended",
    }

    assert not is_logged_in(browser)
    assert client.get("/api/v1/me", headers={"Authorization": f"Bearer {token}"}).status_code == 401
    with app.app_context():
        revoked = db.session.scalars(
            sa.select(AccessToken.revoked_at).where(AccessToken.member_id == member.id)
        ).all()
        assert revoked and all(revoked)
        action = db.session.scalar(sa.select(Action).where(Action.member_id == member.id))
        assert action is not None and action.status == ActionStatus.RELEASED
        events = db.session.scalars(
            sa.select(FeedEvent).where(FeedEvent.id > before).order_by(FeedEvent.id)
        ).all()
    released = [e for e in events if e.event == "action.updated"]
    assert released and released[0].payload["action"]["status"] == "released"
    updated = [e for e in events if e.event == "alert.updated"]
    assert updated and updated[-1].payload["alert"]["needs"]["report_platform"]["claimed"] == 0

    [entry] = audit_entries("member.suspended")
    assert entry.actor_id == organiser.id and entry.subject_id == member.id
    assert entry.details["reason"] == REASON["reason"] and entry.details["claims_released"] == 1

    refused = submit("/login", {"email": member.email, "password": member.password})
    assert refused.status_code == 200 and "Your account is suspended" in refused.get_data(
        as_text=True
    )
    assert not is_logged_in(client)
    twice = api_as(organiser, "POST", f"/api/v1/members/{member.id}/suspend", json=REASON)
    assert twice.status_code == 409

    back = api_as(
        organiser, "POST", f"/api/v1/members/{member.id}/reinstate", json={"reason": "Ok"}
    )
    assert back.status_code == 200
    [entry] = audit_entries("member.reinstated")
    assert entry.actor_id == organiser.id and entry.details == {"reason": "Ok"}
    assert submit("/login", {"email": member.email, "password": member.password}).status_code == 302
    assert is_logged_in(client)
    assert client.get("/api/v1/me", headers={"Authorization": f"Bearer {token}"}).status_code == 401


def test_organisers_suspend_from_the_members_page_after_confirming(
    app: Flask, client: FlaskClient, create_member: Any, log_in: Any, submit: Any
) -> None:
    member = create_member(display_name="Troublemaker")
    organiser = create_member(role="organiser")
    log_in(organiser)
    members_page = client.get("/review/members").get_data(as_text=True)
    assert f"/review/members/{member.id}/suspend" in members_page
    assert f"/review/members/{organiser.id}/suspend" not in members_page, "not themselves"
    page = f"/review/members/{member.id}/suspend"
    unconfirmed = submit(page, {"reason": "Threatened a member"})
    assert unconfirmed.status_code == 200 and status_of(app, member) == MemberStatus.ACTIVE
    no_reason = submit(page, {"reason": "", "confirm": "y"})
    assert no_reason.status_code == 200 and status_of(app, member) == MemberStatus.ACTIVE
    assert "Give a reason" in no_reason.get_data(as_text=True)
    done = submit(page, {"reason": "Threatened a member", "confirm": "y"})
    assert done.status_code == 302 and status_of(app, member) == MemberStatus.SUSPENDED
    listed = client.get("/review/members").get_data(as_text=True)
    assert "Suspended" in listed and f"/review/members/{member.id}/reinstate" in listed
    back = submit(f"/review/members/{member.id}/reinstate", {"reason": "Apologised"})
    assert back.status_code == 302 and status_of(app, member) == MemberStatus.ACTIVE


def test_a_suspended_members_asks_pass_to_someone_else(
    app: Flask, api_as: Api, create_member: Any, organiser: Any, open_alert: Any
) -> None:
    from datetime import timedelta

    from network.coordination.asks import expire_asks
    from network.coordination.models import Ask, AskAnswer
    from network.db import utcnow

    member = create_member(trust_level=1)
    alert = open_alert()
    with app.app_context():
        ask = Ask(
            alert_id=alert["id"], member_id=member.id, expires_at=utcnow() + timedelta(days=1)
        )
        db.session.add(ask)
        db.session.commit()
        ask_id = ask.id
    api_as(organiser, "POST", f"/api/v1/members/{member.id}/suspend", json=REASON)
    with app.app_context():
        expire_asks()
        ask = db.session.get(Ask, ask_id)
        assert ask is not None and ask.answer == AskAnswer.EXPIRED
        asked_again = db.session.scalars(
            sa.select(Ask.member_id).where(Ask.alert_id == alert["id"], Ask.id != ask_id)
        ).all()
    assert member.id not in asked_again
