"""Use cases of coordination: claim an action, mark it done or release it, expire claims."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any, cast

import sqlalchemy as sa
from sqlalchemy.orm import make_transient_to_detached

from network.accounts.models import Member
from network.alerts import policy
from network.alerts.models import Alert
from network.coordination import feed, queries
from network.coordination.models import Action, ActionStatus, Ask, AskAnswer
from network.coordination.needs import PUBLIC_VOICES, welcomed
from network.coordination.page import COLUMNS as SHOWN_COLUMNS
from network.db import UTCDateTime, as_loaded, utcnow
from network.driver import DriverStatement, rows_together
from network.errors import Conflict, NotFound, ServiceError, ValidationFailed
from network.extensions import db
from network.guidance import rules
from network.learning import checkins
from network.settings import settings
from network.translation import gettext as _
from network.vocabulary import ActionType, action_label

# What a claim reads of the alert under its lock: every field of the feed event it publishes
# (the columns the API shows, as the feed page reads them) and what the claim itself updates.
_ALERT_COLUMNS = (*SHOWN_COLUMNS, "reporter_id", "last_activity_at", "first_claim_at")
# What the rules and the visibility check need, read before the lock.
_RULE_COLUMNS = (
    "id",
    "category",
    "severity",
    "target_requested_help",
    "wanted_actions",
    "responder_goal",
    "status",
    "reporter_id",
    "hidden_at",
)
_ACTION_TYPES = frozenset(action.value for action in ActionType)
_ALERT, _ACTION, _ASK = (cast(sa.Table, model.__table__) for model in (Alert, Action, Ask))


@dataclass
class _ClaimState:
    """An alert as a claim sees it: live counts, the member's own part and their pending ask."""

    alert: Alert
    counts: dict[ActionType, tuple[int, int]] = field(default_factory=dict)
    holding: set[ActionType] = field(default_factory=set)
    expired: set[ActionType] = field(default_factory=set)
    pending_ask: bool = False


def _claim_state_statement(columns: tuple[str, ...], *, ask: bool) -> sa.Select[Any]:
    """Return the alert's columns, its live counts per (type, status), the member's part in
    them and (with `ask`) whether the member has a pending ask on it, in one statement.

    Alert columns beside a GROUP BY on its key (PostgreSQL knows they depend on it). The join
    keeps the live actions of everyone and the member's own expired claims (live = 0), which a
    new claim must retire first."""
    alert, action, ask_ = _ALERT, _ACTION, _ASK
    member = sa.bindparam("member", type_=sa.Integer())
    now = sa.bindparam("now", type_=UTCDateTime())
    done = action.c.status == ActionStatus.DONE.value
    live = sa.case((sa.or_(done, action.c.expires_at > now), 1), else_=0)
    extra = []
    if ask:
        pending = sa.select(sa.literal(1)).where(
            ask_.c.alert_id == sa.bindparam("alert"),
            ask_.c.member_id == member,
            ask_.c.answer == AskAnswer.PENDING.value,
        )
        extra.append(pending.exists().label("pending_ask"))
    return (
        sa.select(
            *(alert.c[name] for name in columns),
            action.c.type.label("action_type"),
            action.c.status.label("action_status"),
            live.label("live"),
            sa.func.count(action.c.id).label("number"),
            sa.func.sum(sa.case((action.c.member_id == member, 1), else_=0)).label("mine"),
            *extra,
        )
        .select_from(alert)
        .outerjoin(
            action,
            sa.and_(
                action.c.alert_id == alert.c.id,
                sa.or_(
                    done,
                    sa.and_(
                        action.c.status == ActionStatus.CLAIMED.value,
                        sa.or_(action.c.expires_at > now, action.c.member_id == member),
                    ),
                ),
            ),
        )
        .where(alert.c.id == sa.bindparam("alert"))
        .group_by(alert.c.id, action.c.type, action.c.status, live)
    )


# Built once: executing a prepared statement skips building SQLAlchemy expressions per claim.
# The read before the lock is most claims' only statement when many answer one alert at once:
# sent through the driver (network/driver.py).
_BEFORE_LOCK = DriverStatement(_claim_state_statement(_RULE_COLUMNS, ask=False))
_UNDER_LOCK_COLUMNS = ("id",)
_UNDER_LOCK = DriverStatement(_claim_state_statement(_UNDER_LOCK_COLUMNS, ask=True))
# Takes the alert's row lock (claims on one alert queue here; SQLite writers on BEGIN
# IMMEDIATE) and returns the row as it is now, for the rules and the feed event.
_LOCK_ALERT = DriverStatement(
    sa.update(_ALERT)
    .where(_ALERT.c.id == sa.bindparam("alert"))
    .values(
        last_activity_at=sa.bindparam("now", type_=UTCDateTime()),
        # Time to first claim, for the impact pages.
        first_claim_at=sa.func.coalesce(
            _ALERT.c.first_claim_at, sa.bindparam("now", type_=UTCDateTime())
        ),
    )
    .returning(*(_ALERT.c[name] for name in _ALERT_COLUMNS))
)
# A claim's columns, by name: the action's id back.
_CLAIMED_COLUMNS = (
    "alert_id",
    "member_id",
    "type",
    "status",
    "anonymous",
    "claimed_at",
    "expires_at",
)
_INSERT_ACTION = DriverStatement(
    sa.insert(_ACTION)
    .values({name: sa.bindparam(name, type_=_ACTION.c[name].type) for name in _CLAIMED_COLUMNS})
    .returning(_ACTION.c.id)
)


def _alert_of(columns: tuple[str, ...], row: Sequence[Any]) -> Alert:
    """An alert made of these columns' values (the first of the row's), outside any session."""
    return as_loaded(Alert, zip(columns, row, strict=False))


def _claim_state(
    actor: Member, rows: Sequence[Sequence[Any]], alert: Alert | None = None
) -> _ClaimState:
    """Make what a claim decides on of a state statement's rows (_BEFORE_LOCK's; with the
    locked `alert`, _UNDER_LOCK's); the alert must be visible to the member."""
    # Each row: the alert's columns, then the counts of one (type, status, live) and the
    # member's share of them, then (under the lock) whether the member has a pending ask.
    first = len(_UNDER_LOCK_COLUMNS if alert is not None else _RULE_COLUMNS)
    state: _ClaimState | None = None
    for row in rows:
        if state is None:
            if alert is None:
                alert = _alert_of(_RULE_COLUMNS, row)
            state = _ClaimState(alert, pending_ask=len(row) > first + 5 and bool(row[first + 5]))
        action_type, action_status, live, number, mine = row[first : first + 5]
        if action_type is None:
            continue  # no action at all: the outer join's empty side
        kind = ActionType(action_type)
        if not live:
            state.expired.add(kind)  # the member's own claim past its time
            continue
        claimed, done = state.counts.get(kind, (0, 0))
        if action_status == ActionStatus.DONE:
            done += number
        else:
            claimed += number
        state.counts[kind] = (claimed, done)
        if mine:
            state.holding.add(kind)
    if state is None or not policy.can_see(actor, state.alert):
        raise NotFound(_("This alert does not exist."))
    return state


def _locked_state(actor: Member, alert_id: int, now: datetime) -> _ClaimState:
    """Lock the alert, then read its state in a statement of its own, begun after the lock: a
    statement that waited for the lock still reads from before the wait (PostgreSQL). Both go
    in one message (driver.rows_together): the lock is held for their own time, not also while
    the first one's answer travels back and this request waits for its turn to run again."""
    lock = {"alert": alert_id, "now": now}
    state = {**lock, "member": actor.id}
    connection = db.session.connection()
    locked, rows = rows_together(connection, (_LOCK_ALERT, lock), (_UNDER_LOCK, state))
    if not locked:
        raise NotFound(_("This alert does not exist."))
    return _claim_state(actor, rows, _alert_of(_ALERT_COLUMNS, locked[0]))


def claim_action(
    actor: Member, alert_id: int, *, action_type: str, anonymous: bool = False
) -> Action:
    """Claim one upstander action on an open alert, within its caps and the target's wishes."""
    if action_type not in _ACTION_TYPES:
        raise ValidationFailed(
            _("Some fields are not valid."), fields={"type": _("Choose one of the seven actions.")}
        )
    kind = ActionType(action_type)
    now = utcnow()
    # First without the lock: a claim the rules refuse (most of them when many members answer
    # one alert at once) never queues behind the alert's lock. Refusing on what was committed a
    # moment ago is a refusal any order of the claims could have given. Nothing is written
    # before the lock, so a refusal here leaves nothing to roll back (the request's end releases
    # the connection).
    values = {"alert": alert_id, "member": actor.id, "now": now}
    _check(kind, _claim_state(actor, _BEFORE_LOCK.rows(db.session.connection(), values)))
    # The reads before may have run in autocommit (the API's claim): from here on, one
    # transaction.
    db.write_from_here()
    try:
        # Then again under the alert's lock, so two claims never both see the last free slot.
        # The lock is taken by the claim's own write to the alert (its last activity): refused
        # now, the rollback undoes it, and a refused claim writes nothing.
        state = _locked_state(actor, alert_id, now)
        _check(kind, state)
    except ServiceError:
        db.session.rollback()
        raise
    alert = state.alert
    if state.expired.intersection(PUBLIC_VOICES if kind in PUBLIC_VOICES else (kind,)):
        _retire_expired_claim(actor, alert_id, kind, now)
    if state.pending_ask:
        _accept_pending_ask(actor, alert_id, now)
    values = {
        "alert_id": alert.id,
        "member_id": actor.id,
        "type": kind,
        "status": ActionStatus.CLAIMED,
        "anonymous": anonymous,
        "claimed_at": now,
        "expires_at": now + timedelta(minutes=settings().claim_minutes),
    }
    try:
        [(action_id,)] = _INSERT_ACTION.rows(db.session.connection(), values)
    except sa.exc.IntegrityError:
        # A claim of the same member that got past the checks at the same time (where the row
        # lock does not serialise): the unique indexes refuse it; say which rule it broke.
        db.session.rollback()
        if kind in PUBLIC_VOICES and not _live_claim(actor, alert_id, (kind,)):
            raise _public_voice_taken() from None
        raise Conflict(
            _("You already took on this action for this alert."), code="already_claimed"
        ) from None
    # Built from what was written, every column set: nothing is read back, and the row stays
    # out of the session (detached, so no attribute of it can need a load).
    unset = dict.fromkeys(("done_at", "ended_at", "note", "template_id", "template_tone"))
    action = Action(id=action_id, **unset, **values)
    make_transient_to_detached(action)
    feed.announce_action(action, alert, actor)
    # The counts read under the alert's lock, plus this claim: no second count.
    claimed, done = state.counts.get(kind, (0, 0))
    feed.announce_alert(
        alert, needs=queries.needs_of(alert, {**state.counts, kind: (claimed + 1, done)})
    )
    db.commit_keeping_loaded()
    return action


def _check(kind: ActionType, state: _ClaimState) -> None:
    """Refuse a claim that breaks a rule: the alert's status, guidance, wishes, holding, caps."""
    alert = state.alert
    if not feed.in_feed(alert):
        raise Conflict(_("This alert is not open for help."), code="alert_not_open")
    if not rules.may_ask(kind, alert.category, alert.severity):
        raise Conflict(rules.refusal(kind, alert.category, alert.severity), code="against_guidance")
    if kind not in welcomed(alert.target_requested_help, alert.wanted_actions):
        raise Conflict(_("The target did not ask for this kind of help."), code="not_welcome")
    if kind in state.holding:
        raise Conflict(_("You already took on this action for this alert."), code="already_claimed")
    if kind in PUBLIC_VOICES and state.holding.intersection(PUBLIC_VOICES):
        raise _public_voice_taken()
    need = queries.needs_of(alert, state.counts)[kind]
    if need.wanted == 0:
        raise Conflict(
            _("This alert does not need %(action)s.", action=action_label(kind)),
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
            message = _("Enough members already took on %(action)s.", action=action_label(kind))
        raise Conflict(message, code="cap_reached")


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


def _retire_expired_claim(actor: Member, alert_id: int, kind: ActionType, now: datetime) -> None:
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
            Action.expires_at <= now,
        )
        .values(status=ActionStatus.EXPIRED, ended_at=now)
    )


def _accept_pending_ask(actor: Member, alert_id: int, now: datetime) -> None:
    # Through the session, so an ask it holds (accept_ask locked it) says accepted too.
    db.session.execute(
        sa.update(Ask)
        .where(Ask.alert_id == alert_id, Ask.member_id == actor.id, Ask.answer == AskAnswer.PENDING)
        .values(answer=AskAnswer.ACCEPTED, answered_at=now)
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
