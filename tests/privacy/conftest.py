"""A member with a full history in the network: alerts, flags, actions, asks, digests, …"""

from __future__ import annotations

import random
import string
from collections.abc import Callable
from dataclasses import dataclass
from datetime import timedelta
from typing import Any

import pytest
from flask import Flask

from network.alerts.models import Alert
from network.coordination import feed
from network.coordination.models import Ask
from network.db import utcnow
from network.digests.models import Digest, DigestStatus
from network.extensions import db
from network.guidance.models import PracticeAnswer
from network.vocabulary import ActionType
from tests.alerts.conftest import alert_body
from tests.campaigns.test_campaigns import campaign_body
from tests.conftest import MemberHandle

Api = Callable[..., Any]


@dataclass
class History:
    """A member who did a bit of everything, and what they did it on."""

    member: MemberHandle
    own_summary: str
    note: str
    flag_note: str
    posted_alert_id: int  # posted by the member
    merged_alert_id: int  # posted by someone else, reported again by the member
    flagged_alert_id: int  # flagged by the member, who also holds a live claim on it
    done_action_id: int
    live_action_id: int
    team_id: int
    campaign_id: int


@pytest.fixture
def member_with_history(app: Flask, api_as: Api, create_member: Callable[..., Any]) -> History:
    # Unique even in a database other test runs share; letters, as digits would read as a phone
    # number in the summary.
    n = "".join(random.choices(string.ascii_lowercase, k=10))
    member = create_member(
        trust_level=1,
        email=f"zoe.vandersteen{n}@example.org",
        display_name=f"Zoë Vandersteen {n}",
    )
    other = create_member(trust_level=1)
    organiser = create_member(role="organiser")

    def ok(response: Any, status: int = 201) -> dict[str, Any]:
        assert response.status_code == status, response.get_data(as_text=True)
        return dict(response.get_json())

    campaign = ok(api_as(organiser, "POST", "/api/v1/campaigns", json=campaign_body()))
    ok(api_as(organiser, "POST", f"/api/v1/campaigns/{campaign['id']}/launch"), 200)
    ok(api_as(member, "POST", f"/api/v1/campaigns/{campaign['id']}/members"), 200)

    team = ok(api_as(member, "POST", "/api/v1/teams", json={"name": "Lunch circle"}))
    ok(
        api_as(
            other,
            "POST",
            f"/api/v1/teams/{team['id']}/members",
            json={"invite_code": team["invite_code"]},
        ),
        200,
    )

    own_summary = f"Pile-on under a video of a teenager dancing, thread {n}."
    posted = ok(api_as(member, "POST", "/api/v1/alerts", json=alert_body(summary=own_summary)))
    merged_body = alert_body()
    merged = ok(api_as(other, "POST", "/api/v1/alerts", json=merged_body))
    ok(api_as(member, "POST", "/api/v1/alerts", json=merged_body), 200)
    flagged = ok(api_as(other, "POST", "/api/v1/alerts", json=alert_body()))
    flag_note = "Looks like a settling of scores between two accounts."
    ok(
        api_as(
            member,
            "POST",
            f"/api/v1/alerts/{flagged['id']}/flags",
            json={"reason": "misleading", "note": flag_note},
        )
    )

    note = "Replied kindly; the author deleted two comments."
    done = ok(
        api_as(
            member,
            "POST",
            f"/api/v1/alerts/{merged['id']}/actions",
            json={"type": "counter_speech"},
        )
    )
    ok(
        api_as(
            member,
            "PATCH",
            f"/api/v1/actions/{done['id']}",
            json={"status": "done", "note": note},
        ),
        200,
    )
    live = ok(
        api_as(
            member,
            "POST",
            f"/api/v1/alerts/{flagged['id']}/actions",
            json={"type": "report_platform"},
        )
    )

    with app.app_context():
        now = utcnow()
        ask = Ask(
            alert_id=flagged["id"],
            member_id=member.id,
            expires_at=now + timedelta(minutes=30),
        )
        db.session.add(ask)
        db.session.flush()
        alert = db.session.get(Alert, flagged["id"])
        assert alert is not None
        feed.announce_ask(ask, alert)
        db.session.add(
            Digest(
                member_id=member.id,
                period_key="weekly:2026-11-23",
                period_start=now - timedelta(days=7),
                period_end=now,
                status=DigestStatus.SENT,
                claimed_by="test",
                numbers={"network": {"members_acted": 7, "active_members": 10}},
                norm_kind="descriptive",
                norm_message="7 in 10 members acted",
                sent_at=now,
            )
        )
        db.session.add(
            PracticeAnswer(
                member_id=member.id,
                scenario_code="bodyshaming-comments",
                severity=2,
                action_type=ActionType.SUPPORT_TARGET_PRIVATE,
                agreed=True,
            )
        )
        db.session.commit()

    return History(
        member=member,
        own_summary=own_summary,
        note=note,
        flag_note=flag_note,
        posted_alert_id=posted["id"],
        merged_alert_id=merged["id"],
        flagged_alert_id=flagged["id"],
        done_action_id=done["id"],
        live_action_id=live["id"],
        team_id=team["id"],
        campaign_id=campaign["id"],
    )
