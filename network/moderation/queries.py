"""Read side of moderation: the review queue with its flags, and the audit log."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

import sqlalchemy as sa

from network.accounts.models import Member
from network.alerts.models import AbuseFlag, Alert, AlertStatus, FlagReason
from network.extensions import db
from network.ids import MAX_ID
from network.moderation.models import AuditEntry
from network.moderation.trust import flag_weight


@dataclass(frozen=True)
class FlagView:
    """One flag as reviewers see it: why, the note, and how much it weighed; never who."""

    reason: FlagReason
    note: str
    trust_level: int
    weight: int
    created_at: datetime

    @property
    def counts(self) -> bool:
        """Tell whether the flag counted toward hiding (new members' flags do not)."""
        return self.weight > 0


def unweighed_flags() -> sa.Exists:
    """An alert has flags no reviewer has weighed yet (from anyone, new members included)."""
    return (
        sa.select(AbuseFlag.alert_id)
        .where(
            AbuseFlag.alert_id == Alert.id,
            sa.or_(Alert.reviewed_at.is_(None), AbuseFlag.created_at > Alert.reviewed_at),
        )
        .exists()
    )


def review_queue(limit: int = 100) -> list[Alert]:
    """Return alerts waiting for a reviewer: pending, hidden and flagged ones, most severe first."""
    return list(
        db.session.scalars(
            sa.select(Alert)
            .where(
                sa.or_(
                    Alert.status == AlertStatus.PENDING_REVIEW,
                    sa.and_(
                        Alert.status == AlertStatus.OPEN,
                        sa.or_(Alert.hidden_at.is_not(None), unweighed_flags()),
                    ),
                )
            )
            .order_by(Alert.severity.desc(), Alert.created_at)
            .limit(limit)
        )
    )


def waiting_because(alert: Alert) -> str:
    """Say why an alert is in the queue: "pending", "hidden" or "flagged" (still visible)."""
    if alert.status == AlertStatus.PENDING_REVIEW:
        return "pending"
    return "hidden" if alert.hidden_at is not None else "flagged"


def is_flagged(alert: Alert) -> bool:
    """Tell whether an open alert has flags no reviewer has weighed yet."""
    return bool(db.session.scalar(sa.select(sa.literal(True)).where(unweighed_flags_of(alert))))


def unweighed_flags_of(alert: Alert) -> sa.Exists:
    """The same test for one loaded alert."""
    query = sa.select(AbuseFlag.alert_id).where(AbuseFlag.alert_id == alert.id)
    if alert.reviewed_at is not None:
        query = query.where(AbuseFlag.created_at > alert.reviewed_at)
    return query.exists()


def flags_of(alert_ids: list[int]) -> dict[int, list[FlagView]]:
    """Return the flags on these alerts, oldest first, without the flaggers' identities."""
    found: dict[int, list[FlagView]] = {alert_id: [] for alert_id in alert_ids}
    if not alert_ids:
        return found
    rows = db.session.scalars(
        sa.select(AbuseFlag)
        .where(AbuseFlag.alert_id.in_(alert_ids))
        .order_by(AbuseFlag.alert_id, AbuseFlag.created_at)
    )
    for flag in rows:
        found[flag.alert_id].append(
            FlagView(
                reason=flag.reason,
                note=flag.note,
                trust_level=flag.trust_level,
                weight=flag_weight(flag.trust_level),
                created_at=flag.created_at,
            )
        )
    return found


def reporter_trust(alerts: list[Alert]) -> dict[int, int]:
    """Return the reporters' trust levels by reporter id (never their names)."""
    ids = {alert.reporter_id for alert in alerts if alert.reporter_id is not None}
    if not ids:
        return {}
    rows = db.session.execute(sa.select(Member.id, Member.trust_level).where(Member.id.in_(ids)))
    return {member_id: level for member_id, level in rows.all()}


def audit_log(*, before_id: int | None = None, limit: int = 50) -> list[AuditEntry]:
    """Return audit entries, newest first, before a cursor."""
    query = sa.select(AuditEntry).order_by(AuditEntry.id.desc()).limit(limit)
    if before_id is not None:
        query = query.where(AuditEntry.id < min(before_id, MAX_ID))
    return list(db.session.scalars(query))


def names_for(entries: list[AuditEntry]) -> tuple[dict[int, str], dict[int, Alert]]:
    """Return the display names of members and the alerts an audit page mentions."""
    member_ids = {entry.actor_id for entry in entries if entry.actor_id is not None}
    member_ids |= {entry.subject_id for entry in entries if entry.subject_type == "member"}
    alert_ids = {entry.subject_id for entry in entries if entry.subject_type == "alert"}
    names: dict[int, str] = {}
    if member_ids:
        rows = db.session.execute(
            sa.select(Member.id, Member.display_name).where(Member.id.in_(member_ids))
        )
        names = {member_id: name for member_id, name in rows.all()}
    alerts: dict[int, Alert] = {}
    if alert_ids:
        alerts = {
            alert.id: alert
            for alert in db.session.scalars(sa.select(Alert).where(Alert.id.in_(alert_ids)))
        }
    return names, alerts


def members_page(page: int, *, per_page: int) -> list[Member]:
    """Return one page of members by id, and the first of the next page if there is one."""
    return list(
        db.session.scalars(
            sa.select(Member).order_by(Member.id).offset((page - 1) * per_page).limit(per_page + 1)
        )
    )


def member_by_id(member_id: int) -> Member | None:
    """Return a member, whatever their status (organisers manage suspended members too)."""
    return db.session.get(Member, member_id)
