"""Use cases of moderation: trust levels, set by organisers or earned by approved alerts."""

from __future__ import annotations

import sqlalchemy as sa
from flask import current_app
from flask_babel import gettext as _

from network.accounts.models import Member
from network.alerts.models import Alert
from network.errors import NotFound, ValidationFailed
from network.extensions import db
from network.moderation import audit


def promote_if_trusted(member_id: int) -> bool:
    """Raise a trust-0 member to 1 once enough of their alerts were approved (in the caller's
    transaction)."""
    member = db.session.get(Member, member_id)
    if member is None or member.trust_level != 0:
        return False
    approved = (
        db.session.scalar(
            sa.select(sa.func.count())
            .select_from(Alert)
            .where(
                Alert.reporter_id == member_id,
                Alert.reviewed_at.is_not(None),
                Alert.status.in_(["open", "resolved", "expired"]),
            )
        )
        or 0
    )
    if approved < int(current_app.config["TRUST_PROMOTION_APPROVED_ALERTS"]):
        return False
    member.trust_level = 1
    audit.record(
        None, "member.trust_changed", "member", member.id, old=0, new=1, reason="approved alerts"
    )
    return True


def set_trust_level(actor: Member, member_id: int, *, trust_level: int, reason: str = "") -> Member:
    """Set a member's trust level (organisers); audited."""
    from network.alerts.policy import require_organiser

    require_organiser(actor)
    member = db.session.get(Member, member_id)
    if member is None:
        raise NotFound(_("This member does not exist."))
    if not 0 <= trust_level <= 3:
        raise ValidationFailed(
            _("Some fields are not valid."),
            fields={"trust_level": _("Trust levels run from 0 to 3.")},
        )
    old = member.trust_level
    if old != trust_level:
        member.trust_level = trust_level
        audit.record(
            actor,
            "member.trust_changed",
            "member",
            member.id,
            old=old,
            new=trust_level,
            reason=reason.strip()[:500],
        )
    db.session.commit()
    return member
