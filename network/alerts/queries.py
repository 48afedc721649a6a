"""Read side of alerts: the urgency-ordered list and one alert, as a member may see them."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

import sqlalchemy as sa

from network.accounts.models import Member
from network.alerts import policy
from network.alerts.models import Alert, AlertReport, AlertStatus
from network.errors import NotFound, ValidationFailed
from network.extensions import db
from network.ids import MAX_ID
from network.translation import gettext as _


@dataclass
class AlertFilters:
    """What a member narrows the list to."""

    status: str | None = None
    category: str | None = None
    platform: str | None = None
    min_severity: int | None = None
    campaign_id: int | None = None
    team_id: int | None = None
    mine: bool = False


def alert_for(member: Member, alert_id: int) -> Alert:
    """Return an alert the member may see; others do not exist for them."""
    alert = db.session.get(Alert, alert_id)
    if alert is None or not policy.can_see(member, alert):
        raise NotFound(_("This alert does not exist."))
    return alert


def reported_by(member: Member, alert_ids: list[int]) -> set[int]:
    """Return which of these alerts the member reported."""
    if not alert_ids:
        return set()
    return set(
        db.session.scalars(
            sa.select(AlertReport.alert_id).where(
                AlertReport.member_id == member.id, AlertReport.alert_id.in_(alert_ids)
            )
        )
    )


def reporters_of(alert: Alert) -> list[int]:
    """Return the ids of the members who reported the thread, the first reporter first."""
    later = db.session.scalars(
        sa.select(AlertReport.member_id)
        .where(AlertReport.alert_id == alert.id)
        .order_by(AlertReport.reported_at, AlertReport.member_id)
    )
    ids = [alert.reporter_id] if alert.reporter_id is not None else []
    return ids + [member_id for member_id in later if member_id not in ids]


def urgency_order() -> list[Any]:
    """Most severe first, then targets who asked for help, then those waiting longest."""
    return [
        Alert.severity.desc(),
        Alert.target_requested_help.desc(),
        Alert.created_at.asc(),
        Alert.id.asc(),
    ]


def position_of(alert: Alert) -> dict[str, Any]:
    """Return the cursor position just after this alert."""
    return {
        "s": alert.severity,
        "h": bool(alert.target_requested_help),
        "c": alert.created_at.isoformat(),
        "i": alert.id,
    }


def cursor_values(position: dict[str, Any]) -> tuple[int, bool, datetime, int]:
    """Return a cursor's severity, asked-for-help, creation time and id; refuse a damaged one."""
    try:
        severity, last_id = int(position["s"]), int(position["i"])
        created = datetime.fromisoformat(position["c"])
        # A forged cursor may hold numbers no column can, or a time without its zone.
        if created.tzinfo is None or abs(severity) > MAX_ID or abs(last_id) > MAX_ID:
            raise ValueError(position)
        return severity, bool(position["h"]), created.astimezone(UTC), last_id
    except (KeyError, TypeError, ValueError, OverflowError):
        raise ValidationFailed(
            _("Some fields are not valid."), fields={"cursor": _("This cursor is not valid.")}
        ) from None


def _after(position: dict[str, Any]) -> sa.ColumnElement[bool]:
    severity, helped, created, last_id = cursor_values(position)
    same_severity = Alert.severity == severity
    same_help = sa.and_(same_severity, Alert.target_requested_help == helped)
    same_time = sa.and_(same_help, Alert.created_at == created)
    return sa.or_(
        Alert.severity < severity,
        # Asked-for-help sorts first, so only "not asked" can follow an alert where help was asked.
        sa.and_(same_severity, Alert.target_requested_help.is_(False)) if helped else sa.false(),
        sa.and_(same_help, Alert.created_at > created),
        sa.and_(same_time, Alert.id > last_id),
    )


def list_alerts(
    member: Member, filters: AlertFilters, *, after: dict[str, Any] | None = None, limit: int = 25
) -> list[Alert]:
    """Return the alerts the member may see, most urgent first."""
    query = sa.select(Alert)
    if filters.mine:
        mine = sa.select(AlertReport.alert_id).where(AlertReport.member_id == member.id)
        query = query.where(Alert.id.in_(mine))
        if filters.status:
            query = query.where(Alert.status == filters.status)
    elif member.is_organiser:
        query = query.where(Alert.status == (filters.status or AlertStatus.OPEN))
    else:
        status = filters.status or AlertStatus.OPEN
        if status not in policy.PUBLIC_STATUSES:
            return []  # pending and rejected alerts of others do not exist for members
        query = query.where(Alert.status == status, Alert.hidden_at.is_(None))
    if filters.category:
        query = query.where(Alert.category == filters.category)
    if filters.platform:
        query = query.where(Alert.platform == filters.platform)
    if filters.min_severity:
        query = query.where(Alert.severity >= filters.min_severity)
    if filters.campaign_id is not None:
        query = query.where(Alert.campaign_id == filters.campaign_id)
    if filters.team_id is not None:
        query = query.where(Alert.team_id == filters.team_id)
    if after is not None:
        query = query.where(_after(after))
    return list(db.session.scalars(query.order_by(*urgency_order()).limit(limit)))


def alerts_by_urgency(alert_ids: list[int]) -> list[Alert]:
    """Return these alerts, most urgent first (no access check: the caller filters)."""
    if not alert_ids:  # no statement for nothing: the feed page asks for its asks' alerts
        return []
    return list(
        db.session.scalars(
            sa.select(Alert).where(Alert.id.in_(alert_ids)).order_by(*urgency_order())
        )
    )
