"""The feed's page statement computes what the ORM path computes: needs, goals, wishes, order.

Every category and severity, with and without the target's wishes, across claim states (live,
expired, done, released), open and closed alerts; compared alert by alert with AlertOut.of and
needs_of, on SQLite and PostgreSQL."""

from __future__ import annotations

import random
from collections.abc import Callable
from datetime import datetime, timedelta
from typing import Any

import orjson
import pytest
from flask import Flask

from network.accounts.models import Member
from network.alerts.models import Alert, AlertReport, AlertStatus, Category
from network.alerts.queries import AlertFilters, list_alerts, position_of
from network.alerts.schemas import AlertOut
from network.api.pagination import encode_cursor
from network.coordination.models import Action, ActionStatus
from network.coordination.page import alert_page
from network.coordination.queries import needs_of
from network.db import utcnow
from network.extensions import db
from network.guidance.rules import SEVERITIES
from network.vocabulary import ActionType

# (target asked for help, wishes): no choice, a choice of two, a choice of every action, an
# empty choice (which welcomes everything).
WISHES = [
    (False, []),
    (True, ["support_target_private", "counter_speech"]),
    (True, [action.value for action in ActionType]),
    (True, []),
    (False, ["report_platform"]),
]
# What one volunteer did on an alert: its status, and whether its claim ran out.
CLAIM_STATES = [
    (ActionStatus.CLAIMED, False),
    (ActionStatus.CLAIMED, True),
    (ActionStatus.DONE, False),
    (ActionStatus.RELEASED, False),
    (ActionStatus.EXPIRED, True),
]


def add_random_claims(
    alert_id: int, volunteers: list[int], rng: random.Random, now: datetime
) -> None:
    """Add a claim in a random state, of a random type, by some of the volunteers: one action per
    volunteer, so no claim breaks the one-claim rules."""
    for volunteer in rng.sample(volunteers, rng.randint(0, len(volunteers))):
        state, expired = rng.choice(CLAIM_STATES)
        db.session.add(
            Action(
                alert_id=alert_id,
                member_id=volunteer,
                type=rng.choice(list(ActionType)),
                status=state,
                anonymous=False,
                claimed_at=now,
                expires_at=now + timedelta(hours=-1 if expired else 2),
            )
        )


def _json(value: Any) -> Any:
    return orjson.loads(orjson.dumps(value, option=orjson.OPT_UTC_Z))


def _seed(volunteers: list[int], reporter: int) -> None:
    """Insert an alert per category, severity and wishes, with a random mix of claims."""
    rng = random.Random(15)
    now = utcnow()
    number = 0
    for category in Category:
        for severity in SEVERITIES:
            for helped, wishes in WISHES:
                number += 1
                status = AlertStatus.OPEN if number % 6 else AlertStatus.RESOLVED
                alert = Alert(
                    url=f"https://www.reddit.com/r/t/comments/page{number}/",
                    canonical_url=f"https://www.reddit.com/r/t/comments/page{number}/",
                    canonical_hash=f"{number:064d}",
                    platform="reddit",
                    category=category,
                    severity=severity,
                    summary="A pile-on.",
                    language="nl",
                    target_requested_help=helped,
                    wanted_actions=wishes,
                    responder_goal=rng.randint(1, 4),
                    status=status,
                    reporter_id=reporter,
                    reporter_count=1,
                    hidden_at=now if number % 11 == 0 else None,
                    created_at=now - timedelta(minutes=number % 7),
                )
                db.session.add(alert)
                db.session.flush()
                if number % 3 == 0:
                    db.session.add(AlertReport(alert_id=alert.id, member_id=volunteers[0]))
                add_random_claims(alert.id, volunteers, rng, now)
    db.session.commit()


@pytest.mark.parametrize("role", ["member", "organiser"])
def test_the_page_statement_matches_the_orm_path(
    app: Flask, create_member: Callable[..., Any], role: str
) -> None:
    reader = create_member(role=role)
    reporter = create_member(trust_level=1)
    volunteers = [create_member().id for _ in range(6)]
    with app.test_request_context():
        _seed(volunteers, reporter.id)
        member = db.session.get(Member, reader.id)
        assert member is not None
        statuses = [AlertStatus.OPEN, AlertStatus.RESOLVED]
        for status in statuses:
            filters = AlertFilters(status=status)
            after: dict[str, Any] | None = None
            compared = 0
            while True:
                expected = list_alerts(member, filters, after=after, limit=17)
                items = alert_page(member, filters, after=after, limit=17)
                assert [item["id"] for item in items] == [alert.id for alert in expected]
                for alert, item in zip(expected, items, strict=True):
                    assert item.pop("_position") == position_of(alert)
                    reported = db.session.get(AlertReport, (alert.id, member.id)) is not None
                    out = AlertOut.of(alert, reported_by_me=reported, needs=needs_of(alert))
                    assert _json(item) == out.model_dump(mode="json"), (
                        alert.category,
                        alert.severity,
                        alert.wanted_actions,
                    )
                    compared += 1
                if len(expected) < 17:
                    break
                after = position_of(expected[-1])
                # The cursor the API hands out decodes to the same position.
                assert encode_cursor(after)
            assert compared > 0


def test_mine_and_filters_select_what_list_alerts_selects(
    app: Flask, create_member: Callable[..., Any]
) -> None:
    reader = create_member()
    reporter = create_member(trust_level=1)
    volunteers = [reader.id, *(create_member().id for _ in range(3))]
    with app.test_request_context():
        _seed(volunteers, reporter.id)
        member = db.session.get(Member, reader.id)
        assert member is not None
        cases = [
            AlertFilters(mine=True),
            AlertFilters(mine=True, status=AlertStatus.RESOLVED),
            AlertFilters(category="threat"),
            AlertFilters(platform="reddit", min_severity=3),
            AlertFilters(platform="instagram"),
            AlertFilters(status=AlertStatus.PENDING_REVIEW),
            AlertFilters(campaign_id=1),
            AlertFilters(team_id=1),
        ]
        for filters in cases:
            expected = [alert.id for alert in list_alerts(member, filters, limit=200)]
            found = [item["id"] for item in alert_page(member, filters, limit=200)]
            assert found == expected, filters
            for item in alert_page(member, filters, limit=200):
                assert item["reported_by_me"] is True or not filters.mine
