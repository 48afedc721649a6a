"""Read side of moderation: the review queue and the audit log."""

from __future__ import annotations

import sqlalchemy as sa

from network.alerts.models import Alert, AlertStatus
from network.extensions import db
from network.moderation.models import AuditEntry


def review_queue(limit: int = 100) -> list[Alert]:
    """Return alerts waiting for an organiser: pending ones and hidden ones, oldest first."""
    return list(
        db.session.scalars(
            sa.select(Alert)
            .where(
                sa.or_(
                    Alert.status == AlertStatus.PENDING_REVIEW,
                    sa.and_(Alert.hidden_at.is_not(None), Alert.status == AlertStatus.OPEN),
                )
            )
            .order_by(Alert.severity.desc(), Alert.created_at)
            .limit(limit)
        )
    )


def audit_log(*, before_id: int | None = None, limit: int = 50) -> list[AuditEntry]:
    """Return audit entries, newest first, before a cursor."""
    query = sa.select(AuditEntry).order_by(AuditEntry.id.desc()).limit(limit)
    if before_id is not None:
        query = query.where(AuditEntry.id < before_id)
    return list(db.session.scalars(query))
