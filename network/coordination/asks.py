"""Personal asks: the antidote to the bystander effect. When an alert opens, a few suitable
members are asked by name; unanswered asks move on to the next member."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import sqlalchemy as sa
from flask import current_app
from flask_babel import gettext as _

from network.accounts.models import Member, MemberStatus
from network.alerts.models import Alert, AlertReport, AlertStatus
from network.coordination import feed, queries
from network.coordination.models import Ask, AskAnswer
from network.db import utcnow
from network.errors import Conflict, NotFound
from network.extensions import db
from network.teams.models import TeamMembership

WEEK = timedelta(days=7)
CANDIDATE_POOL = 2000


def ask_members(alert: Alert, count: int | None = None) -> list[Ask]:
    """Ask up to `count` suitable members to help (in the caller's transaction)."""
    if alert.status != AlertStatus.OPEN or alert.hidden_at is not None:
        return []
    wanted = count if count is not None else int(current_app.config["ASKS_PER_ALERT"])
    needed = {action.value for action, need in queries.needs_of(alert).items() if need.open > 0}
    if wanted <= 0 or not needed:
        return []
    now = utcnow()
    expires = now + timedelta(minutes=int(current_app.config["ASK_MINUTES"]))
    asks = []
    for member in _candidates(alert, needed, wanted):
        ask = Ask(alert_id=alert.id, member_id=member.id, asked_at=now, expires_at=expires)
        db.session.add(ask)
        asks.append(ask)
    db.session.flush()
    for ask in asks:
        feed.announce_ask(ask, alert)
    return asks


def _candidates(alert: Alert, needed: set[str], wanted: int) -> list[Member]:
    since = utcnow() - WEEK
    recent = (
        sa.select(Ask.member_id, sa.func.count().label("asks"))
        .where(Ask.asked_at >= since)
        .group_by(Ask.member_id)
        .subquery()
    )
    already = sa.select(Ask.member_id).where(Ask.alert_id == alert.id)
    reporters = sa.select(AlertReport.member_id).where(AlertReport.alert_id == alert.id)
    recent_asks = sa.func.coalesce(recent.c.asks, 0)
    query = (
        sa.select(Member, recent_asks)
        .outerjoin(recent, recent.c.member_id == Member.id)
        .where(
            Member.status == MemberStatus.ACTIVE,
            Member.asks_per_week > recent_asks,
            Member.id.not_in(already),
            Member.id.not_in(reporters),
        )
    )
    order: list[Any] = [recent_asks, Member.id]
    if alert.team_id is not None:
        # Close ties raise helping: the alert's team is asked first.
        in_team = sa.exists().where(
            TeamMembership.member_id == Member.id, TeamMembership.team_id == alert.team_id
        )
        order.insert(0, sa.case((in_team, 0), else_=1))
    rows = db.session.execute(query.order_by(*order).limit(CANDIDATE_POOL))
    chosen: list[Member] = []
    for member, _recent in rows:
        # Lists are JSON, compared here rather than in dialect-specific SQL.
        if member.platforms and alert.platform.value not in member.platforms:
            continue
        if member.languages and alert.language not in member.languages:
            continue
        if member.comfortable_actions and not needed.intersection(member.comfortable_actions):
            continue
        chosen.append(member)
        if len(chosen) == wanted:
            break
    return chosen


def decline_ask(actor: Member, ask_id: int) -> Ask:
    """Decline a personal ask; the next suitable member is asked instead."""
    ask = db.session.scalar(sa.select(Ask).where(Ask.id == ask_id).with_for_update())
    if ask is None or ask.member_id != actor.id:
        raise NotFound(_("This ask does not exist."))
    if ask.answer != AskAnswer.PENDING:
        raise Conflict(_("You already answered this ask."), code="ask_answered")
    ask.answer, ask.answered_at = AskAnswer.DECLINED, utcnow()
    alert = db.session.get(Alert, ask.alert_id)
    if alert is not None:
        ask_members(alert, 1)
    db.session.commit()
    return ask


def expire_asks() -> int:
    """Expire unanswered asks and ask the next member for each."""
    stale = list(
        db.session.scalars(
            sa.select(Ask)
            .where(Ask.answer == AskAnswer.PENDING, Ask.expires_at <= utcnow())
            .order_by(Ask.id)
            .limit(500)
            .with_for_update(skip_locked=True)
        )
    )
    for ask in stale:
        ask.answer, ask.answered_at = AskAnswer.EXPIRED, utcnow()
    db.session.flush()
    for alert_id in sorted({ask.alert_id for ask in stale}):
        alert = db.session.get(Alert, alert_id)
        if alert is not None:
            ask_members(alert, sum(1 for ask in stale if ask.alert_id == alert_id))
    db.session.commit()
    return len(stale)
