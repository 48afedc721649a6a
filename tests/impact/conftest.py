"""A seeded history for the impact pages: alerts, actions, asks and check-ins written directly."""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime, timedelta
from itertools import count
from typing import Any

import pytest
from flask import Flask

from network.accounts.models import Member
from network.alerts.models import Alert, AlertStatus, Category, Outcome
from network.coordination.models import Action, ActionStatus, Ask, AskAnswer
from network.db import utcnow
from network.extensions import db
from network.learning.models import CheckIn, CheckInOutcome
from network.teams.models import Team, TeamMembership
from network.vocabulary import ActionType, Platform

_number = count(1)
MIN = timedelta(minutes=1)


def _member(created_at: datetime) -> Member:
    k = next(_number)
    return Member(
        email=f"impact{k}@example.org",
        password_hash="not-a-real-hash",
        display_name=f"Volunteer {k}",
        pledge_accepted_at=created_at,
        created_at=created_at,
        email_verified_at=created_at,
        platforms=[],
        languages=["en"],
        comfortable_actions=[],
    )


@pytest.fixture
def seed_history(app: Flask) -> Callable[..., dict[str, Any]]:
    """Write a known history of `scale` times 10 alerts in the last 30 days; return its ids."""

    def seed(scale: int = 1, *, team_name: str = "Class 4B") -> dict[str, Any]:
        now = utcnow()
        with app.app_context():
            members = [_member(now - timedelta(days=2 + (n % 3) * 100)) for n in range(8)]
            db.session.add_all(members)
            db.session.flush()
            team = Team(name=team_name, invite_code=f"impact{next(_number)}")
            db.session.add(team)
            db.session.flush()
            db.session.add_all(TeamMembership(team_id=team.id, member_id=m.id) for m in members[:5])
            kinds = [
                ActionType.COUNTER_SPEECH,
                ActionType.REPORT_PLATFORM,
                ActionType.SUPPORT_TARGET_PRIVATE,
                ActionType.SUPPORT_TARGET_PUBLIC,
            ]
            answers = list(CheckInOutcome)
            alert_ids: list[int] = []
            for block in range(scale):
                for n in range(10):
                    posted = now - timedelta(days=1 + n, hours=block)
                    live = n < 7
                    status = (
                        AlertStatus.OPEN
                        if n < 5
                        else AlertStatus.RESOLVED
                        if live
                        else AlertStatus.REJECTED
                        if n < 9
                        else AlertStatus.EXPIRED
                    )
                    alert = Alert(
                        url=f"https://x.com/a/status/{block}{n}{next(_number)}",
                        canonical_url=f"https://x.com/a/status/{block}{n}",
                        canonical_hash=f"{next(_number):064d}",
                        platform=Platform.X if n % 2 else Platform.TIKTOK,
                        category=Category.HATE if n < 8 else Category.DOXXING,
                        severity=2,
                        summary="A hurtful thread",
                        language="en",
                        wanted_actions=[],
                        responder_goal=2,
                        status=status,
                        team_id=team.id if n < 6 else None,
                        created_at=posted,
                        last_activity_at=posted,
                        live_at=posted + MIN if live else None,
                        first_claim_at=posted + MIN + (n + 1) * 7 * MIN if live else None,
                        outcome=(Outcome.CONTENT_REMOVED if n == 5 else Outcome.NO_CHANGE)
                        if status == AlertStatus.RESOLVED
                        else None,
                        resolved_at=posted + timedelta(hours=5)
                        if status == AlertStatus.RESOLVED
                        else None,
                    )
                    db.session.add(alert)
                    db.session.flush()
                    alert_ids.append(alert.id)
                    if not live:
                        continue
                    for j in range(n % 4 + 1):
                        kind = kinds[j]
                        claimed = posted + (n + 1) * 8 * MIN
                        done = j != 3
                        action = Action(
                            alert_id=alert.id,
                            member_id=members[(n + j) % 8].id,
                            type=kind,
                            status=ActionStatus.DONE if done else ActionStatus.EXPIRED,
                            claimed_at=claimed,
                            expires_at=claimed + timedelta(hours=2),
                            done_at=claimed + 30 * MIN if done else None,
                            ended_at=None if done else claimed + timedelta(hours=2),
                            template_tone=("empathy", "opinion", None)[(n + j) % 3],
                        )
                        db.session.add(action)
                        db.session.flush()
                        if done:
                            answer = answers[(n * 3 + j) % len(answers)]
                            db.session.add(
                                CheckIn(
                                    action_id=action.id,
                                    member_id=action.member_id,
                                    due_at=claimed + timedelta(days=1),
                                    asked_at=claimed + timedelta(days=1),
                                    answered_at=claimed + timedelta(days=1, hours=1)
                                    if (n + j) % 5
                                    else None,
                                    outcome=answer if (n + j) % 5 else None,
                                )
                            )
                    db.session.add(
                        Ask(
                            alert_id=alert.id,
                            member_id=members[(n + 5) % 8].id,
                            asked_at=posted + MIN,
                            expires_at=posted + timedelta(hours=3),
                            answer=(AskAnswer.ACCEPTED, AskAnswer.DECLINED, AskAnswer.PENDING)[
                                n % 3
                            ],
                        )
                    )
            db.session.commit()
            return {"team": team.id, "alerts": alert_ids, "members": [m.id for m in members]}

    return seed
