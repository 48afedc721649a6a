"""Read side of coordination: live counts per alert, a member's claims and asks."""

from __future__ import annotations

from collections import defaultdict

import sqlalchemy as sa

from network.accounts.models import Member
from network.alerts import policy
from network.alerts.models import Alert, AlertStatus
from network.coordination.models import Action, ActionStatus, Ask, AskAnswer
from network.coordination.needs import Need, compute_needs, wanted_counts
from network.db import utcnow
from network.extensions import db
from network.vocabulary import ActionType


def live_counts(alert_ids: list[int]) -> dict[int, dict[ActionType, tuple[int, int]]]:
    """Return (claimed, done) per action type for each alert; expired claims no longer count."""
    counts: dict[int, dict[ActionType, tuple[int, int]]] = defaultdict(dict)
    if not alert_ids:
        return counts
    live = sa.or_(
        Action.status == ActionStatus.DONE,
        sa.and_(Action.status == ActionStatus.CLAIMED, Action.expires_at > utcnow()),
    )
    rows = db.session.execute(
        sa.select(Action.alert_id, Action.type, Action.status, sa.func.count())
        .where(Action.alert_id.in_(alert_ids), live)
        .group_by(Action.alert_id, Action.type, Action.status)
    )
    for alert_id, action_type, status, number in rows:
        claimed, done = counts[alert_id].get(action_type, (0, 0))
        if status == ActionStatus.DONE:
            done += number
        else:
            claimed += number
        counts[alert_id][action_type] = (claimed, done)
    return counts


def needs_of(
    alert: Alert, counts: dict[ActionType, tuple[int, int]] | None = None
) -> dict[ActionType, Need]:
    """Return what the alert still needs."""
    if counts is None:
        counts = live_counts([alert.id]).get(alert.id, {})
    wanted = wanted_counts(
        category=alert.category.value,
        severity=alert.severity,
        responder_goal=alert.responder_goal,
        target_requested_help=alert.target_requested_help,
        wanted_actions=alert.wanted_actions,
    )
    needs = compute_needs(wanted, counts)
    if alert.status != AlertStatus.OPEN:
        # A closed alert needs nothing more.
        return {a: Need(n.wanted, n.claimed, n.done, 0) for a, n in needs.items()}
    return needs


def needs_for_many(alerts: list[Alert]) -> dict[int, dict[ActionType, Need]]:
    """Return needs for several alerts with one query."""
    counts = live_counts([alert.id for alert in alerts])
    return {alert.id: needs_of(alert, counts.get(alert.id, {})) for alert in alerts}


def claims_of(member: Member, alert_ids: list[int]) -> dict[int, list[Action]]:
    """Return the member's live claims and done actions on these alerts."""
    found: dict[int, list[Action]] = defaultdict(list)
    if not alert_ids:
        return found
    for action in db.session.scalars(
        sa.select(Action)
        .where(
            Action.member_id == member.id,
            Action.alert_id.in_(alert_ids),
            Action.status.in_([ActionStatus.CLAIMED, ActionStatus.DONE]),
        )
        .order_by(Action.id)
    ):
        found[action.alert_id].append(action)
    return found


def pending_asks(member: Member) -> list[Ask]:
    """Return the member's unanswered asks, newest first."""
    return list(
        db.session.scalars(
            sa.select(Ask)
            .join(Alert, Alert.id == Ask.alert_id)
            .where(
                Ask.member_id == member.id,
                Ask.answer == AskAnswer.PENDING,
                Ask.expires_at > utcnow(),
                Alert.status == AlertStatus.OPEN,
            )
            .order_by(Ask.asked_at.desc())
        )
    )


def public_actions(alert_id: int) -> list[tuple[Action, str | None]]:
    """Return an alert's live and completed actions with their volunteers' display names."""
    rows = db.session.execute(
        sa.select(Action, Member.display_name)
        # Outer: the actions of members who erased their account still count, without a name.
        .outerjoin(Member, Member.id == Action.member_id)
        .where(
            Action.alert_id == alert_id,
            Action.status.in_([ActionStatus.CLAIMED, ActionStatus.DONE]),
        )
        .order_by(Action.id)
    )
    return [(action, name) for action, name in rows]


def watchable(member_id: int, alert_id: int) -> bool | None:
    """Tell whether the network hears that a member watches an alert: None when the member
    may not see it, False when only they and reviewers may (pending, rejected or hidden)."""
    member = db.session.get(Member, member_id)
    alert = db.session.get(Alert, alert_id)
    if member is None or alert is None or not policy.can_see(member, alert):
        return None
    return policy.is_public(alert)
