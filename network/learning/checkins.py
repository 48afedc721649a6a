"""Check-ins: some hours after an action is done, its volunteer is asked once what happened.

A check-in is created when the action is marked done (due `CHECKIN_HOURS` later). A beat job asks
the due ones, never in the member's quiet hours (they are asked the next morning instead), and
pushes the question to members with push. The answer is one tap and always optional; "I was
targeted in return" reaches every organiser at once."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

import sqlalchemy as sa

from network import jobs
from network.accounts.models import Member, MemberStatus, Role
from network.alerts.models import Alert
from network.coordination.models import Action, ActionStatus
from network.db import utcnow
from network.errors import Conflict, NotFound, ValidationFailed
from network.extensions import db
from network.learning.models import CheckIn, CheckInOutcome, PlatformDecision
from network.reach import quiet
from network.reach.later import after_commit
from network.reach.models import QUIET_FROM, QUIET_UNTIL, PushSubscription, ReachSettings
from network.settings import settings
from network.translation import gettext as _
from network.translation import lazy_gettext as _l
from network.vocabulary import ActionType
from network.webhooks import outbox
from network.webhooks.models import WebhookEvent

BATCH = 500
REPORTS = (ActionType.REPORT_PLATFORM, ActionType.REPORT_AUTHORITY)
# A DSA notice is generated for platform reports: those ask whether a statement of reasons came.
DSA_NOTICES = (ActionType.REPORT_PLATFORM,)

OUTCOME_LABELS = {
    CheckInOutcome.CONTENT_REMOVED: _l("The content was removed"),
    CheckInOutcome.AUTHOR_CALMED: _l("The author replied calmly or apologised"),
    CheckInOutcome.TARGET_POSITIVE: _l("The target responded positively"),
    CheckInOutcome.OTHERS_JOINED: _l("Others joined in"),
    CheckInOutcome.RETALIATION: _l("I was targeted in return"),
    CheckInOutcome.NOTHING_VISIBLE: _l("Nothing visible happened"),
    CheckInOutcome.DONT_KNOW: _l("I don't know"),
}
DECISION_LABELS = {
    PlatformDecision.REMOVED: _l("Removed"),
    PlatformDecision.RESTRICTED: _l("Restricted"),
    PlatformDecision.NO_ACTION: _l("No action"),
    PlatformDecision.NO_ANSWER_YET: _l("No answer yet"),
}


def create_for(action: Action) -> CheckIn | None:
    """Add the check-in of an action just marked done to the caller's transaction."""
    if action.status != ActionStatus.DONE or action.done_at is None or action.member_id is None:
        return None
    exists = db.session.scalar(sa.select(CheckIn.id).where(CheckIn.action_id == action.id))
    if exists is not None:
        return None
    check_in = CheckIn(
        action_id=action.id,
        member_id=action.member_id,
        due_at=action.done_at + timedelta(hours=settings().checkin_hours),
    )
    db.session.add(check_in)
    return check_in


def _asleep(member_id: int, time_zone: str, now: datetime) -> bool:
    chosen = db.session.get(ReachSettings, member_id)
    quiet_from = chosen.quiet_from if chosen is not None else QUIET_FROM
    quiet_until = chosen.quiet_until if chosen is not None else QUIET_UNTIL
    return quiet.is_quiet(quiet_from, quiet_until, time_zone, now)


def ask_due(now: datetime | None = None) -> list[int]:
    """Ask every due check-in whose member is awake; return the ids asked now.

    Each is claimed with a conditional UPDATE, so two schedulers never ask one twice. Members in
    their quiet hours are left for a later run: they are asked the next morning."""
    now = now or utcnow()
    rows = db.session.execute(
        sa.select(CheckIn.id, CheckIn.member_id, Member.time_zone)
        .join(Action, Action.id == CheckIn.action_id)
        .join(Member, Member.id == CheckIn.member_id)
        .where(
            CheckIn.asked_at.is_(None),
            CheckIn.answered_at.is_(None),
            CheckIn.due_at <= now,
            Action.status == ActionStatus.DONE,
            Member.status == MemberStatus.ACTIVE,
        )
        .order_by(CheckIn.due_at, CheckIn.id)
        .limit(BATCH)
    ).all()
    asked = []
    for check_in_id, member_id, zone in rows:
        if member_id is None or _asleep(member_id, zone, now):
            continue
        claimed = db.session.execute(
            sa.update(CheckIn)
            .where(CheckIn.id == check_in_id, CheckIn.asked_at.is_(None))
            .values(asked_at=now),
            execution_options={"synchronize_session": False},
        )
        if not getattr(claimed, "rowcount", 0):
            continue  # another scheduler asked it first
        asked.append(check_in_id)
        has_push = db.session.scalar(
            sa.select(sa.exists().where(PushSubscription.member_id == member_id))
        )
        if has_push:
            after_commit(jobs.PUSH_CHECK_IN, check_in_id)
    db.session.commit()
    return asked


@dataclass(frozen=True)
class OpenCheckIn:
    """An asked, unanswered check-in with what the form needs."""

    check_in: CheckIn
    action: Action
    alert: Alert

    @property
    def asks_decision(self) -> bool:
        return self.action.type in REPORTS

    @property
    def asks_statement(self) -> bool:
        return self.action.type in DSA_NOTICES


def open_for(member: Member, alert_id: int | None = None) -> list[OpenCheckIn]:
    """Return the member's asked, unanswered check-ins (of one alert), newest first."""
    query = (
        sa.select(CheckIn, Action, Alert)
        .join(Action, Action.id == CheckIn.action_id)
        .join(Alert, Alert.id == Action.alert_id)
        .where(
            CheckIn.member_id == member.id,
            CheckIn.asked_at.is_not(None),
            CheckIn.answered_at.is_(None),
            Action.member_id == member.id,
        )
        .order_by(CheckIn.asked_at.desc(), CheckIn.id.desc())
        .limit(20)
    )
    if alert_id is not None:
        query = query.where(Action.alert_id == alert_id)
    return [OpenCheckIn(*row) for row in db.session.execute(query).all()]


def waiting_count(member_id: int) -> int:
    """Count the member's asked, unanswered check-ins (a line in their next digest)."""
    return int(
        db.session.scalar(
            sa.select(sa.func.count())
            .select_from(CheckIn)
            .where(
                CheckIn.member_id == member_id,
                CheckIn.asked_at.is_not(None),
                CheckIn.answered_at.is_(None),
            )
        )
        or 0
    )


def waiting_counts(member_ids: list[int]) -> dict[int, int]:
    """Count the asked, unanswered check-ins of many members in one query (a digest batch)."""
    if not member_ids:
        return {}
    rows = db.session.execute(
        sa.select(CheckIn.member_id, sa.func.count())
        .where(
            db.one_of(CheckIn.member_id, member_ids),
            CheckIn.asked_at.is_not(None),
            CheckIn.answered_at.is_(None),
        )
        .group_by(CheckIn.member_id)
    ).all()
    return {row[0]: int(row[1] or 0) for row in rows if row[0] is not None}


def one_of(member: Member, check_in_id: int) -> OpenCheckIn:
    """Return one of the member's check-ins, asked or answered; others' do not exist."""
    row = db.session.execute(
        sa.select(CheckIn, Action, Alert)
        .join(Action, Action.id == CheckIn.action_id)
        .join(Alert, Alert.id == Action.alert_id)
        .where(CheckIn.id == check_in_id, Action.member_id == member.id)
    ).first()
    if row is None:
        raise NotFound(_("This check-in does not exist."))
    return OpenCheckIn(*row)


def answer(
    actor: Member,
    check_in_id: int,
    *,
    outcome: str | None,
    platform_decision: str | None = None,
    statement_of_reasons: bool | None = None,
) -> CheckIn:
    """Answer one of one's own check-ins, once; 409 when it was answered already."""
    check_in = db.session.scalar(
        sa.select(CheckIn).where(CheckIn.id == check_in_id).with_for_update()
    )
    action = db.session.get(Action, check_in.action_id) if check_in is not None else None
    if check_in is None or action is None or action.member_id != actor.id:
        raise NotFound(_("This check-in does not exist."))
    if check_in.answered_at is not None:
        raise Conflict(_("You answered this check-in already."), code="answered")
    problems = {}
    try:
        chosen = CheckInOutcome(outcome) if outcome else None
    except ValueError:
        chosen, problems["outcome"] = None, _("Choose one of the answers.")
    try:
        decision = PlatformDecision(platform_decision) if platform_decision else None
    except ValueError:
        decision, problems["platform_decision"] = None, _("Choose one of the answers.")
    if decision is not None and action.type not in REPORTS:
        problems["platform_decision"] = _("Only reports have a platform decision.")
    if statement_of_reasons is not None and action.type not in DSA_NOTICES:
        problems["statement_of_reasons"] = _("Only platform reports get a statement of reasons.")
    if chosen is None and decision is None and statement_of_reasons is None and not problems:
        problems["outcome"] = _("Choose one of the answers.")
    if problems:
        raise ValidationFailed(_("Some fields are not valid."), fields=problems)
    now = utcnow()
    check_in.outcome, check_in.platform_decision = chosen, decision
    check_in.statement_of_reasons = statement_of_reasons
    check_in.answered_at = now
    check_in.asked_at = check_in.asked_at or now
    if chosen == CheckInOutcome.RETALIATION:
        _tell_organisers(action.alert_id)
        outbox.announce(WebhookEvent.CHECKIN_RETALIATION, check_in.id)
    db.session.commit()
    return check_in


def _tell_organisers(alert_id: int) -> None:
    """A safety signal: a notice to every organiser, pushed to those with push. No reporter."""
    from network.notices.services import notify_each

    organisers = db.session.scalars(
        sa.select(Member.id)
        .where(Member.role.in_([Role.ORGANISER, Role.ADMIN]), Member.status == MemberStatus.ACTIVE)
        .order_by(Member.id)
    ).all()
    for notice_id in notify_each(organisers, "retaliation", alert_id=alert_id):
        after_commit(jobs.PUSH_NOTICE, notice_id)


@dataclass(frozen=True)
class RetaliationReport:
    """A "targeted in return" answer, as organisers see it: the alert, never the volunteer."""

    alert_id: int
    action_type: ActionType
    answered_at: datetime | None


def retaliation_reports(limit: int = 50) -> list[RetaliationReport]:
    """Return the newest retaliation reports for organisers."""
    rows = db.session.execute(
        sa.select(Action.alert_id, Action.type, CheckIn.answered_at)
        .join(Action, Action.id == CheckIn.action_id)
        .where(CheckIn.outcome == CheckInOutcome.RETALIATION)
        .order_by(CheckIn.answered_at.desc(), CheckIn.id.desc())
        .limit(limit)
    ).all()
    return [RetaliationReport(alert_id, kind, at) for alert_id, kind, at in rows]


def record_template(actor: Member, action_id: int, *, template_id: str, tone: str) -> Action:
    """Record on one's own live claim which template was copied (id and tone, never the text)."""
    from network.learning.template_ids import known_template

    action = db.session.scalar(sa.select(Action).where(Action.id == action_id).with_for_update())
    if action is None or action.member_id != actor.id:
        raise NotFound(_("This action does not exist."))
    if action.status not in (ActionStatus.CLAIMED, ActionStatus.DONE):
        raise Conflict(
            _("This action is already %(status)s.", status=action.status.value),
            code="action_closed",
        )
    found_tone = known_template(template_id)
    if found_tone is None or found_tone != tone:
        raise ValidationFailed(
            _("Some fields are not valid."), fields={"template_id": _("Unknown template.")}
        )
    action.template_id, action.template_tone = template_id, tone
    db.session.commit()
    return action
