"""Who may see and change an alert: one place, called by every entry point."""

from __future__ import annotations

import sqlalchemy as sa

from network.accounts.models import Member
from network.alerts.models import Alert, AlertReport, AlertStatus
from network.errors import Forbidden
from network.extensions import db
from network.translation import gettext as _

PUBLIC_STATUSES = (AlertStatus.OPEN, AlertStatus.RESOLVED, AlertStatus.EXPIRED)
# Members at this trust level review alerts alongside organisers (docs: "Trust levels").
REVIEWER_TRUST_LEVEL = 3


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


def can_review(member: Member) -> bool:
    """Tell whether the member reviews alerts: organisers, admins and trust-3 members."""
    return member.is_organiser or member.trust_level >= REVIEWER_TRUST_LEVEL


def can_see(member: Member, alert: Alert) -> bool:
    """Pending, rejected and hidden alerts exist only for their reporters and reviewers."""
    return can_review(member) or is_public(alert) or is_reporter(member, alert)


def require_reviewer(member: Member) -> None:
    """Refuse anyone who may not review alerts."""
    if not can_review(member):
        raise Forbidden(_("Only organisers and members at trust level 3 can review alerts."))
