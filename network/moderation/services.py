"""Use cases of moderation: reviewing alerts, trust levels set by organisers.

Automatic trust changes are the daily batch in moderation/trust.py; suspension is suspension.py."""

from __future__ import annotations

from typing import NamedTuple

from network.accounts.models import Member
from network.accounts.policy import require_organiser
from network.alerts import services as alert_services
from network.alerts.models import Alert, AlertStatus
from network.alerts.policy import require_reviewer
from network.alerts.queries import reporters_of
from network.coordination import feed
from network.coordination.needs import Need
from network.db import utcnow
from network.errors import Conflict, NotFound, ValidationFailed
from network.extensions import db
from network.moderation import audit
from network.moderation.queries import is_flagged
from network.notices import services as notices
from network.translation import gettext as _
from network.vocabulary import ActionType


def set_trust_level(actor: Member, member_id: int, *, trust_level: int, reason: str = "") -> Member:
    """Set a member's trust level, up or down (organisers); audited."""
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


class Review(NamedTuple):
    """A reviewed alert and, when the approval put it live, its needs (no claim exists yet)."""

    alert: Alert
    needs: dict[ActionType, Need] | None


def review_alert(actor: Member, alert_id: int, *, decision: str, reason: str = "") -> Review:
    """Approve or reject a pending or hidden alert (reviewers); audited, the reporters told."""
    require_reviewer(actor)
    alert = alert_services.alert_for_change(actor, alert_id, lock=True)
    reason = reason.strip()
    if decision not in {"approve", "reject"}:
        raise ValidationFailed(
            _("Some fields are not valid."), fields={"decision": _("Choose approve or reject.")}
        )
    if decision == "reject" and not reason:
        raise ValidationFailed(
            _("Some fields are not valid."), fields={"reason": _("Say why the alert is rejected.")}
        )
    if not _waits_for_review(alert):
        raise Conflict(_("This alert is not waiting for review."), code="not_reviewable")
    # Everyone who reported the thread (read once, under the alert's lock): the reviewer may not
    # be one of them, and each hears the outcome.
    reporters = reporters_of(alert)
    if actor.id in reporters:
        raise Conflict(_("You cannot review an alert you reported."), code="own_alert")
    was_hidden = alert.hidden_at is not None
    needs = None
    alert.reviewed_at = utcnow()
    alert.review_reason = reason or None
    alert.hidden_at = None
    if decision == "approve":
        if alert.status == AlertStatus.PENDING_REVIEW:
            alert.status = AlertStatus.OPEN
            alert.last_activity_at = alert.live_at = utcnow()  # one UPDATE with the status
            db.session.flush()
            # Claims need an open alert: one that waited for review has none yet.
            needs = alert_services.go_live(alert, fresh=True)
        else:
            if was_hidden:
                feed.announce_alert(alert)  # back in the feed after unfounded flags
        audit.record(
            actor, "alert.approved", "alert", alert.id, reason=reason, was_hidden=was_hidden
        )
    else:
        was_live = alert.status == AlertStatus.OPEN and not was_hidden
        alert.status = AlertStatus.REJECTED
        audit.record(
            actor, "alert.rejected", "alert", alert.id, reason=reason, was_hidden=was_hidden
        )
        if was_live:
            feed.announce_alert(alert)  # flagged but still in the feed: it leaves it now
    # Trust changes wait for the daily batch: one here would name the reporter in the audit log.
    # Everyone who reported the thread hears the outcome; only they see their own notice.
    kind = "alert_approved" if decision == "approve" else "alert_rejected"
    told = notices.notify_each(reporters, kind, alert_id=alert.id, body=reason)
    db.commit_keeping_loaded()
    notices.mail_later(told)
    return Review(alert, needs)


def _waits_for_review(alert: Alert) -> bool:
    """Pending, hidden, or open with flags (even new members') that no reviewer weighed yet."""
    if alert.status == AlertStatus.PENDING_REVIEW:
        return True
    return alert.status == AlertStatus.OPEN and (alert.hidden_at is not None or is_flagged(alert))
