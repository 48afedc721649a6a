"""Who may see and change an alert: one place, called by every entry point."""

from __future__ import annotations

import sqlalchemy as sa
from flask_babel import gettext as _

from network.accounts.models import Member
from network.alerts.models import Alert, AlertReport, AlertStatus
from network.errors import Forbidden
from network.extensions import db

PUBLIC_STATUSES = (AlertStatus.OPEN, AlertStatus.RESOLVED, AlertStatus.EXPIRED)


def is_reporter(member: Member, alert: Alert) -> bool:
    """Tell whether the member reported this thread (first or later)."""
    if alert.reporter_id == member.id:
        return True
    return (
        db.session.scalar(
            sa.select(sa.literal(True)).where(
                AlertReport.alert_id == alert.id, AlertReport.member_id == member.id
            )
        )
        is not None
    )


def is_public(alert: Alert) -> bool:
    """Tell whether every member may see the alert (reviewed and not hidden)."""
    return alert.status in PUBLIC_STATUSES and alert.hidden_at is None


def can_see(member: Member, alert: Alert) -> bool:
    """Pending, rejected and hidden alerts exist only for their reporters and organisers."""
    return member.is_organiser or is_public(alert) or is_reporter(member, alert)


def require_organiser(member: Member) -> None:
    """Refuse anyone who is not an organiser or admin."""
    if not member.is_organiser:
        raise Forbidden(_("Only organisers can do this."))
