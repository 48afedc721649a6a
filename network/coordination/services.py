"""Use cases of coordination: claim an action, mark it done or release it, expire claims."""

from __future__ import annotations

from datetime import timedelta

import sqlalchemy as sa
from flask_babel import gettext as _

from network.accounts.models import Member
from network.alerts import policy
from network.alerts.models import Alert, AlertStatus
from network.coordination import feed, queries
from network.coordination.models import Action, ActionStatus, Ask, AskAnswer
from network.coordination.needs import PUBLIC_VOICES, welcomed
from network.db import utcnow
from network.errors import Conflict, NotFound, ServiceError, ValidationFailed
from network.extensions import db
from network.guidance import rules
from network.learning import checkins
from network.settings import settings
from network.vocabulary import ActionType, action_info


def _locked_alert(actor: Member, alert_id: int) -> Alert:
    # The row lock serialises claims on one alert (PostgreSQL); SQLite writers queue on
    # BEGIN IMMEDIATE. Either way, two claims never both see the last free slot.
    alert = db.session.scalar(sa.select(Alert).where(Alert.id == alert_id).with_for_update())
    if alert is None or not policy.can_see(actor, alert):
        raise NotFound(_("This alert does not exist."))
    return alert


def claim_action(
    actor: Member, alert_id: int, *, action_type: str, anonymous: bool = False
) -> Action:
    """Claim one upstander action on an open alert, within its caps and the target's wishes."""
    if action_type not in {action.value for action in ActionType}:
        raise ValidationFailed(
            _("Some fields are not valid."), fields={"type": _("Choose one of the seven actions.")}
        )
    kind = ActionType(action_type)
    # What concerns this member alone is read before the alert's lock, so the lock is held for
    # fewer round trips (every claim on the alert queues behind it); a same-member race is the
    # unique indexes' to refuse (below). The member's writes wait until every rule has passed:
    # a refused claim writes nothing at all.
    holding = _live_kinds(actor, alert_id)
    try:
        alert, counts = _claimable(actor, alert_id, kind, holding)
    except ServiceError:
        db.session.rollback()
        raise
    _retire_expired_claim(actor, alert_id, kind)
    _accept_pending_ask(actor, alert_id)
    now = utcnow()
    action = Action(
        alert_id=alert.id,
        member_id=actor.id,
        type=kind,
        anonymous=anonymous,
        claimed_at=now,
        expires_at=now + timedelta(minutes=settings().claim_minutes),
    )
    db.session.add(action)
    alert.last_activity_at = now
    if alert.first_claim_at is None:
        alert.first_claim_at = now  # time to first claim, for the impact pages
    try:
        # Flushed on its own, before any other statement could autoflush it outside this guard.
        db.session.flush()
    except sa.exc.IntegrityError:
        # A claim of the same member that got past the checks at the same time (where the row
        # lock does not serialise): the unique indexes refuse it; say which rule it broke.
        db.session.rollback()
        if kind in PUBLIC_VOICES and not _live_claim(actor, alert_id, (kind,)):
            raise _public_voice_taken() from None
        raise Conflict(
            _("You already took on this action for this alert."), code="already_claimed"
        ) from None
    feed.announce_action(action, alert, actor)
    # The counts read under the alert's lock, plus this claim: no second count.
    claimed, done = counts.get(kind, (0, 0))
    feed.announce_alert(alert, needs=queries.needs_of(alert, {**counts, kind: (claimed + 1, done)}))
    db.commit_keeping_loaded()
    return action


def _claimable(
    actor: Member, alert_id: int, kind: ActionType, holding: set[ActionType]
) -> tuple[Alert, dict[ActionType, tuple[int, int]]]:
    """Lock the alert and check every rule of a claim; return it and its live counts."""
    alert = _locked_alert(actor, alert_id)
    if alert.status != AlertStatus.OPEN or alert.hidden_at is not None:
        raise Conflict(_("This alert is not open for help."), code="alert_not_open")
    if not rules.may_ask(kind, alert.category, alert.severity):
        raise Conflict(rules.refusal(kind, alert.category, alert.severity), code="against_guidance")
    if kind not in welcomed(alert.target_requested_help, alert.wanted_actions):
        raise Conflict(_("The target did not ask for this kind of help."), code="not_welcome")
    if kind in holding:
        raise Conflict(_("You already took on this action for this alert."), code="already_claimed")
    if kind in PUBLIC_VOICES and holding.intersection(PUBLIC_VOICES):
        raise _public_voice_taken()
    counts = queries.live_counts([alert.id]).get(alert.id, {})
    need = queries.needs_of(alert, counts)[kind]
    if need.wanted == 0:
        raise Conflict(
            _("This alert does not need %(action)s.", action=action_info(kind).label),
            code="not_needed",
        )
    if need.open <= 0:
        if kind in PUBLIC_VOICES:
            message = _(
                "Enough public voices: %(n)s of %(n)s reached. Thank you — choose "
                "another way to help.",
                n=alert.responder_goal,
            )
        else:
            message = _(
                "Enough members already took on %(action)s.", action=action_info(kind).label
            )
        raise Conflict(message, code="cap_reached")
    return alert, counts


def _live_kinds(actor: Member, alert_id: int) -> set[ActionType]:
    """Return the kinds the member has a live claim or a done action of on the alert."""
    return set(
        db.session.scalars(
            sa.select(Action.type).where(
                Action.alert_id == alert_id,
                Action.member_id == actor.id,
                sa.or_(
                    Action.status == ActionStatus.DONE,
                    sa.and_(Action.status == ActionStatus.CLAIMED, Action.expires_at > utcnow()),
                ),
            )
        )
    )


def _live_claim(actor: Member, alert_id: int, kinds: tuple[ActionType, ...]) -> bool:
    """Tell whether the member has a live claim or a done action of these kinds on the alert."""
    found = db.session.scalar(
        sa.select(Action.id)
        .where(
            Action.alert_id == alert_id,
            Action.member_id == actor.id,
            Action.type.in_(kinds),
            sa.or_(
                Action.status == ActionStatus.DONE,
                sa.and_(Action.status == ActionStatus.CLAIMED, Action.expires_at > utcnow()),
            ),
        )
        .limit(1)
    )
    return found is not None


def _public_voice_taken() -> Conflict:
    return Conflict(
        _(
            "You already are one of this alert's public voices. Several different voices are "
            "what works: choose another way to help, such as a report."
        ),
        code="public_voice_taken",
    )


def _retire_expired_claim(actor: Member, alert_id: int, kind: ActionType) -> None:
    # A claim past its time that the expiry job has not reached yet must not block a new one;
    # for a public voice that includes the other public form (one public slot per member).
    kinds = PUBLIC_VOICES if kind in PUBLIC_VOICES else (kind,)
    db.session.execute(
        sa.update(Action)
        .where(
            Action.alert_id == alert_id,
            Action.member_id == actor.id,
            Action.type.in_(kinds),
            Action.status == ActionStatus.CLAIMED,
            Action.expires_at <= utcnow(),
        )
        .values(status=ActionStatus.EXPIRED, ended_at=utcnow())
    )


def _accept_pending_ask(actor: Member, alert_id: int) -> None:
    db.session.execute(
        sa.update(Ask)
        .where(Ask.alert_id == alert_id, Ask.member_id == actor.id, Ask.answer == AskAnswer.PENDING)
        .values(answer=AskAnswer.ACCEPTED, answered_at=utcnow())
    )


def update_action(actor: Member, action_id: int, *, status: str, note: str | None = None) -> Action:
    """Mark one's own claimed action done (with an optional private note) or release it."""
    action = db.session.scalar(sa.select(Action).where(Action.id == action_id).with_for_update())
    if action is None or action.member_id != actor.id:
        raise NotFound(_("This action does not exist."))
    if status not in {ActionStatus.DONE.value, ActionStatus.RELEASED.value}:
        raise ValidationFailed(
            _("Some fields are not valid."), fields={"status": _("Choose done or released.")}
        )
    if action.status != ActionStatus.CLAIMED:
        raise Conflict(
            _("This action is already %(status)s.", status=action.status.value),
            code="action_closed",
        )
    now = utcnow()
    if action.expires_at <= now:
        action.status, action.ended_at = ActionStatus.EXPIRED, now
        db.session.commit()
        raise Conflict(
            _("Your claim expired; claim the action again if you still want to do it."),
            code="claim_expired",
        )
    alert = db.session.get(Alert, action.alert_id)
    assert alert is not None
    if status == ActionStatus.DONE.value:
        action.status, action.done_at = ActionStatus.DONE, now
        action.note = (note or "").strip()[:1000] or None
        checkins.create_for(action)
    else:
        action.status, action.ended_at = ActionStatus.RELEASED, now
    alert.last_activity_at = now
    feed.announce_action(action, alert, actor)
    feed.announce_alert(alert)
    db.session.commit()
    return action


def expire_claims() -> int:
    """Expire claims not done in time, freeing their slots, and tell the feed."""
    now = utcnow()
    expired = list(
        db.session.scalars(
            sa.select(Action)
            .where(Action.status == ActionStatus.CLAIMED, Action.expires_at <= now)
            .order_by(Action.id)
            .limit(1000)
            .with_for_update(skip_locked=True)
        )
    )
    alerts: dict[int, Alert] = {}
    for action in expired:
        action.status, action.ended_at = ActionStatus.EXPIRED, now
        alert = alerts.get(action.alert_id) or db.session.get(Alert, action.alert_id)
        volunteer = db.session.get(Member, action.member_id)
        if alert is None or volunteer is None:
            continue
        alerts[alert.id] = alert
        feed.announce_action(action, alert, volunteer)
    db.session.flush()
    for alert in alerts.values():
        feed.announce_alert(alert)
    db.session.commit()
    return len(expired)
