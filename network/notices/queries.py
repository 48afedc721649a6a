"""Read side of notices: a member's notices and how many are unread."""

from __future__ import annotations

import sqlalchemy as sa

from network.accounts.models import Member
from network.extensions import db
from network.notices.models import Notice
from network.translation import gettext as _


def notices_of(member: Member, *, limit: int = 50) -> list[Notice]:
    """Return the member's newest notices."""
    return list(
        db.session.scalars(
            sa.select(Notice)
            .where(Notice.member_id == member.id)
            .order_by(Notice.id.desc())
            .limit(limit)
        )
    )


def unread_count(member: Member) -> int:
    """Return how many notices the member has not read."""
    return (
        db.session.scalar(
            sa.select(sa.func.count())
            .select_from(Notice)
            .where(Notice.member_id == member.id, Notice.read_at.is_(None))
        )
        or 0
    )


def describe(notice: Notice) -> str:
    """Word a notice in the current locale."""
    if notice.kind == "alert_approved":
        return _("Your alert was approved and is in the feed. Thank you for reporting it.")
    if notice.kind == "alert_rejected":
        return _("Your alert was not approved, so it is not shown to the network.")
    if notice.kind == "retaliation":
        return _("A volunteer was targeted in return after acting on an alert. Please check on it.")
    return _("The network has news for you.")
