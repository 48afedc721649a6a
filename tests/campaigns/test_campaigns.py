"""Campaigns: organisers draft and launch, members join and act, progress moves, reminders."""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
import sqlalchemy as sa
from flask import Flask
from flask.testing import FlaskClient

from network.campaigns.models import CampaignMember
from network.db import utcnow
from network.extensions import db
from network.moderation.models import AuditEntry
from network.realtime.models import FeedEvent
from tests.alerts.conftest import alert_body

Api = Callable[..., Any]


def campaign_body(**changes: Any) -> dict[str, Any]:
    now = datetime.now(UTC)
    body: dict[str, Any] = {
        "title": "#DatMeenJeNiet",
        "hashtag": "DatMeenJeNiet",
        "description": "Stand by people who are shamed for their looks.",
        "starts_at": (now - timedelta(hours=1)).isoformat(),
        "ends_at": (now + timedelta(days=14)).isoformat(),
        "goal": 3,
        "focus_categories": ["shaming"],
        "focus_platforms": ["instagram", "tiktok"],
        "recommended_actions": ["report_platform", "support_target_private"],
    }
    body.update(changes)
    return body


@pytest.fixture
def organiser(create_member: Callable[..., Any]) -> Any:
    return create_member(role="organiser")


@pytest.fixture
def live_campaign(api_as: Api, organiser: Any) -> Callable[..., dict[str, Any]]:
    def make(**changes: Any) -> dict[str, Any]:
        created = api_as(organiser, "POST", "/api/v1/campaigns", json=campaign_body(**changes))
        assert created.status_code == 201, created.get_data(as_text=True)
        launched = api_as(organiser, "POST", f"/api/v1/campaigns/{created.get_json()['id']}/launch")
        assert launched.status_code == 200
        return launched.get_json()

    return make


def test_members_cannot_create_campaigns(api_as: Api, create_member: Any) -> None:
    response = api_as(
        create_member(trust_level=3), "POST", "/api/v1/campaigns", json=campaign_body()
    )
    assert response.status_code == 403
    assert response.get_json()["error"]["code"] == "forbidden"


def test_a_campaign_cannot_end_before_it_starts(app: Flask, api_as: Api, organiser: Any) -> None:
    now = datetime.now(UTC)
    response = api_as(
        organiser,
        "POST",
        "/api/v1/campaigns",
        json=campaign_body(
            starts_at=now.isoformat(), ends_at=(now - timedelta(days=1)).isoformat()
        ),
    )
    assert response.status_code == 422
    assert set(response.get_json()["error"]["fields"]) == {"ends_at"}
    naive = api_as(
        organiser, "POST", "/api/v1/campaigns", json=campaign_body(starts_at="2026-12-01T10:00:00")
    )
    assert naive.status_code == 422 and "starts_at" in naive.get_json()["error"]["fields"]
    unknown = api_as(
        organiser, "POST", "/api/v1/campaigns", json=campaign_body(focus_platforms=["myspace"])
    )
    assert unknown.status_code == 422


def test_drafts_are_for_organisers_only_and_launch_tells_everyone(
    app: Flask, api_as: Api, organiser: Any, create_member: Any
) -> None:
    member = create_member()
    draft = api_as(organiser, "POST", "/api/v1/campaigns", json=campaign_body()).get_json()
    assert draft["status"] == "draft"
    assert api_as(member, "GET", f"/api/v1/campaigns/{draft['id']}").status_code == 404
    assert api_as(member, "GET", "/api/v1/campaigns").get_json()["items"] == []
    assert api_as(member, "POST", f"/api/v1/campaigns/{draft['id']}/launch").status_code == 403
    launched = api_as(organiser, "POST", f"/api/v1/campaigns/{draft['id']}/launch").get_json()
    assert launched["status"] == "live"
    assert api_as(organiser, "POST", f"/api/v1/campaigns/{draft['id']}/launch").status_code == 409
    with app.app_context():
        event = db.session.scalar(
            sa.select(FeedEvent)
            .where(FeedEvent.event == "campaign.updated")
            .order_by(FeedEvent.id.desc())
        )
        assert event is not None and event.rooms == ["network"]
        assert event.payload["campaign"]["id"] == draft["id"] and event.payload["launched"]
        actions = db.session.scalars(
            sa.select(AuditEntry.action).where(
                AuditEntry.subject_type == "campaign", AuditEntry.subject_id == draft["id"]
            )
        ).all()
    assert actions == ["campaign.created", "campaign.launched"]
    listed = api_as(member, "GET", "/api/v1/campaigns").get_json()["items"]
    assert [c["id"] for c in listed] == [draft["id"]]


def test_joining_acting_and_progress(
    app: Flask, api_as: Api, live_campaign: Any, create_member: Any
) -> None:
    campaign = live_campaign(goal=2)
    member = create_member()
    joined = api_as(member, "POST", f"/api/v1/campaigns/{campaign['id']}/members")
    assert joined.status_code == 200 and joined.get_json()["joined"] is True
    assert joined.get_json()["member_count"] == 1
    reporter = create_member(trust_level=1)
    alert = api_as(
        reporter,
        "POST",
        "/api/v1/alerts",
        json=alert_body(campaign_id=campaign["id"], category="shaming"),
    ).get_json()
    assert alert["campaign_id"] == campaign["id"]
    action = api_as(
        member, "POST", f"/api/v1/alerts/{alert['id']}/actions", json={"type": "report_platform"}
    ).get_json()
    api_as(member, "PATCH", f"/api/v1/actions/{action['id']}", json={"status": "done"})
    progress = api_as(member, "GET", f"/api/v1/campaigns/{campaign['id']}").get_json()
    assert progress["done"] == 1 and progress["progress"] == 0.5
    with app.app_context():
        last = db.session.scalar(
            sa.select(FeedEvent)
            .where(FeedEvent.event == "campaign.updated")
            .order_by(FeedEvent.id.desc())
        )
    assert last is not None and last.payload["campaign"]["done"] == 1
    assert (
        api_as(member, "DELETE", f"/api/v1/campaigns/{campaign['id']}/members/me").status_code
        == 204
    )


def test_alerts_only_join_live_campaigns(
    api_as: Api, organiser: Any, live_campaign: Any, create_member: Any
) -> None:
    draft = api_as(organiser, "POST", "/api/v1/campaigns", json=campaign_body()).get_json()
    refused = api_as(
        create_member(trust_level=1),
        "POST",
        "/api/v1/alerts",
        json=alert_body(campaign_id=draft["id"]),
    )
    assert refused.status_code == 422 and "campaign_id" in refused.get_json()["error"]["fields"]
    live = live_campaign()
    alert = api_as(
        create_member(trust_level=1), "POST", "/api/v1/alerts", json=alert_body()
    ).get_json()
    attached = api_as(
        organiser, "POST", f"/api/v1/campaigns/{live['id']}/alerts", json={"alert_id": alert["id"]}
    )
    assert attached.status_code == 200 and attached.get_json()["campaign_id"] == live["id"]
    ended = api_as(organiser, "POST", f"/api/v1/campaigns/{live['id']}/end").get_json()
    assert ended["status"] == "ended"
    assert (
        api_as(create_member(), "POST", f"/api/v1/campaigns/{live['id']}/members").status_code
        == 409
    )


def test_organisers_add_message_templates(
    api_as: Api, organiser: Any, live_campaign: Any, create_member: Any
) -> None:
    campaign = live_campaign()
    added = api_as(
        organiser,
        "POST",
        f"/api/v1/campaigns/{campaign['id']}/templates",
        json={
            "action_type": "support_target_private",
            "language": "nl",
            "body": "Hoi, ik zag wat er gebeurde. Gaat het?",
        },
    )
    assert added.status_code == 201
    refused = api_as(
        create_member(),
        "POST",
        f"/api/v1/campaigns/{campaign['id']}/templates",
        json={"action_type": "counter_speech", "language": "en", "body": "x"},
    )
    assert refused.status_code == 403


def test_the_campaign_page_shows_progress_and_organiser_controls(
    client: FlaskClient, submit: Any, api_as: Api, organiser: Any, log_in: Any
) -> None:
    log_in(organiser)
    now = datetime.now(UTC)
    response = submit(
        "/campaigns/new",
        {
            "title": "Kind words week",
            "hashtag": "#KindWords",
            "description": "Be kind.",
            "starts_at": now.strftime("%Y-%m-%dT%H:%M"),
            "ends_at": (now + timedelta(days=7)).strftime("%Y-%m-%dT%H:%M"),
            "goal": "10",
            "recommended_actions": ["support_target_private"],
        },
    )
    assert response.status_code == 302
    page = client.get(response.headers["Location"])
    html = page.get_data(as_text=True)
    assert "Kind words week" in html and "Launch now" in html
    assert '<progress id="campaign-progress" max="10" value="0">' in html
    bad = submit(
        "/campaigns/new",
        {
            "title": "Backwards",
            "starts_at": now.strftime("%Y-%m-%dT%H:%M"),
            "ends_at": (now - timedelta(days=1)).strftime("%Y-%m-%dT%H:%M"),
            "goal": "5",
        },
    )
    assert bad.status_code == 200
    assert "The campaign must end after it starts." in bad.get_data(as_text=True)


def test_members_cannot_open_the_campaign_editor(
    client: FlaskClient, create_member: Any, log_in: Any
) -> None:
    log_in(create_member())
    assert client.get("/campaigns/new").status_code == 403
    assert "No campaigns yet." in client.get("/campaigns/").get_data(as_text=True)


def test_members_who_joined_and_did_not_act_are_reminded_once(
    app: Flask, api_as: Api, live_campaign: Any, create_member: Any
) -> None:
    from network.tasks.campaigns import remind

    campaign = live_campaign()
    idle, busy, fresh = create_member(), create_member(), create_member()
    for member in (idle, busy, fresh):
        api_as(member, "POST", f"/api/v1/campaigns/{campaign['id']}/members")
    alert = api_as(
        create_member(trust_level=1),
        "POST",
        "/api/v1/alerts",
        json=alert_body(campaign_id=campaign["id"]),
    ).get_json()
    api_as(busy, "POST", f"/api/v1/alerts/{alert['id']}/actions", json={"type": "report_platform"})
    with app.app_context():
        db.session.execute(
            sa.update(CampaignMember)
            .where(CampaignMember.member_id.in_([idle.id, busy.id]))
            .values(joined_at=utcnow() - timedelta(days=5))
        )
        db.session.commit()
    with app.test_request_context():
        assert remind.run() == 1
        assert remind.run() == 0, "once, never more"
    with app.app_context():
        reminded = db.session.scalars(
            sa.select(CampaignMember.member_id).where(CampaignMember.reminded_at.is_not(None))
        ).all()
    assert reminded == [idle.id]
    outbox = app.config["MAIL_OUTBOX"]
    import pathlib

    mails = [p.read_text() for p in pathlib.Path(outbox).glob("campaign-*-reminder-*.eml")]
    assert any(idle.email in mail for mail in mails)


def test_launch_by_email_reaches_every_member_in_their_language(
    app: Flask, api_as: Api, organiser: Any, create_member: Any
) -> None:
    import pathlib

    from network.tasks.campaigns import announce_launch

    dutch = create_member(locale="nl")
    draft = api_as(
        organiser,
        "POST",
        "/api/v1/campaigns",
        json=campaign_body(notify_by_email=True, title="Samen sterk"),
    ).get_json()
    api_as(organiser, "POST", f"/api/v1/campaigns/{draft['id']}/launch")
    with app.test_request_context():
        sent = announce_launch.run(draft["id"])
    assert sent >= 2
    outbox = pathlib.Path(app.config["MAIL_OUTBOX"])
    mail = next(p for p in outbox.glob(f"campaign-{draft['id']}-launch-{dutch.id}_*.eml"))
    text = mail.read_text()
    assert "Samen sterk" in text and f"/campaigns/{draft['id']}" in text
    assert "Nieuwe campagne" in text
