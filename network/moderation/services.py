"""Use cases of moderation: trust levels set by organisers (automatic ones: moderation.trust)."""

from __future__ import annotations

from flask_babel import gettext as _

from network.accounts.models import Member
from network.db import utcnow
from network.errors import NotFound, ValidationFailed
from network.extensions import db
from network.moderation import audit


def set_trust_level(actor: Member, member_id: int, *, trust_level: int, reason: str = "") -> Member:
    """Set a member's trust level, up or down (organisers); audited."""
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
        # The daily batch counts only reviews after this: the organiser's decision stands.
        member.trust_changed_at = utcnow()
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
