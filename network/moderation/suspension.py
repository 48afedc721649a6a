"""Suspend and reinstate members: organisers act, admins also on organisers; always audited."""

from __future__ import annotations

from datetime import datetime

import sqlalchemy as sa

from network.accounts import policy
from network.accounts.models import AccessToken, Member, MemberStatus, Role
from network.alerts.models import Alert
from network.coordination import feed
from network.coordination.models import Action, ActionStatus, Ask, AskAnswer
from network.db import utcnow
from network.errors import Conflict, Forbidden, NotFound, ValidationFailed
from network.extensions import db
from network.moderation import audit
from network.realtime import connections
from network.translation import gettext as _


def _target(actor: Member, member_id: int) -> Member:
    policy.require_organiser(actor)
    member = db.session.scalar(sa.select(Member).where(Member.id == member_id).with_for_update())
    if member is None:
        raise NotFound(_("This member does not exist."))
    if member.id == actor.id:
        raise Forbidden(_("You cannot suspend or reinstate yourself."))
    if member.role == Role.ADMIN:
        raise Forbidden(_("Admins cannot be suspended from the site."))
    if member.role == Role.ORGANISER and actor.role != Role.ADMIN:
        raise Forbidden(_("Only admins can suspend or reinstate organisers."))
    return member


def _reason(reason: str, *, required: bool = True) -> str:
    reason = reason.strip()
    if required and not reason:
        raise ValidationFailed(
            _("Some fields are not valid."), fields={"reason": _("Give a reason; it is audited.")}
        )
    if len(reason) > 500:
        raise ValidationFailed(
            _("Some fields are not valid."),
            fields={"reason": _("Use at most %(n)s characters.", n=500)},
        )
    return reason


def suspend_member(actor: Member, member_id: int, *, reason: str) -> Member:
    """Suspend a member: end sessions, tokens and live connections, release their claims."""
    reason = _reason(reason)
    member = _target(actor, member_id)
    if member.status == MemberStatus.SUSPENDED:
        raise Conflict(_("This member is already suspended."), code="already_suspended")
    now = utcnow()
    member.status = MemberStatus.SUSPENDED
    member.session_version += 1
    tokens = db.session.execute(
        sa.update(AccessToken)
        .where(AccessToken.member_id == member.id, AccessToken.revoked_at.is_(None))
        .values(revoked_at=now),
        execution_options={"synchronize_session": False},
    )
    # Asks waiting for them run out now: the expiry job asks the next member in their place.
    db.session.execute(
        sa.update(Ask)
        .where(Ask.member_id == member.id, Ask.answer == AskAnswer.PENDING)
        .values(expires_at=now),
        execution_options={"synchronize_session": False},
    )
    released = _release_claims(member, now)
    audit.record(
        actor,
        "member.suspended",
        "member",
        member.id,
        reason=reason,
        claims_released=released,
        tokens_revoked=int(getattr(tokens, "rowcount", 0) or 0),
    )
    db.session.commit()
    connections.end_member_connections(member.id)
    return member


def _release_claims(member: Member, now: datetime) -> int:
    """Release the member's live claims and tell the feed, so the needs open up again."""
    claims = list(
        db.session.scalars(
            sa.select(Action)
            .where(Action.member_id == member.id, Action.status == ActionStatus.CLAIMED)
            .order_by(Action.id)
            .with_for_update()
        )
    )
    alerts: dict[int, Alert] = {}
    for action in claims:
        action.status, action.ended_at = ActionStatus.RELEASED, now
        alert = alerts.get(action.alert_id) or db.session.get(Alert, action.alert_id)
        if alert is None:
            continue
        alerts[alert.id] = alert
        feed.announce_action(action, alert, member)
    db.session.flush()
    for alert in alerts.values():
        feed.announce_alert(alert)
    return len(claims)


def reinstate_member(actor: Member, member_id: int, *, reason: str = "") -> Member:
    """Let a suspended member log in again; audited."""
    reason = _reason(reason, required=False)
    member = _target(actor, member_id)
    if member.status != MemberStatus.SUSPENDED:
        raise Conflict(_("This member is not suspended."), code="not_suspended")
    member.status = MemberStatus.ACTIVE
    audit.record(actor, "member.reinstated", "member", member.id, reason=reason)
    db.session.commit()
    return member
