"""Use cases of alerts: post (or merge), review, flag, resolve, expire."""

from __future__ import annotations

import functools
from dataclasses import dataclass, field
from datetime import timedelta
from typing import Any, cast

import sqlalchemy as sa
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.orm import make_transient_to_detached

from network import jobs
from network.accounts.models import Member
from network.alerts import policy
from network.alerts.models import (
    ACTIVE_STATUSES,
    ACTIVE_THREAD,
    AbuseFlag,
    Alert,
    AlertReport,
    AlertStatus,
    Category,
    FlagReason,
    Outcome,
)
from network.alerts.personal_data import personal_data_problem
from network.alerts.urls import InvalidUrl, canonicalise
from network.coordination import feed
from network.coordination import queries as coordination_queries
from network.coordination.needs import Need
from network.db import as_loaded, utcnow
from network.driver import DriverStatement
from network.errors import Conflict, Forbidden, NotFound, ValidationFailed
from network.extensions import db
from network.ids import is_id
from network.moderation import audit
from network.moderation.trust import flag_weight_sql
from network.reach import later
from network.settings import settings
from network.teams.models import TeamMembership
from network.teams.queries import team_size
from network.translation import gettext as _
from network.vocabulary import HELP_LANGUAGES, ActionType
from network.webhooks import outbox
from network.webhooks.models import WebhookEvent

# A team alert with fewer members would tell each of them who posted it.
TEAM_ALERT_MIN_MEMBERS = 3


@dataclass
class AlertDraft:
    """What a member fills in to post an alert."""

    url: str
    category: str
    severity: int
    summary: str
    language: str = "nl"
    target_requested_help: bool = False
    wanted_actions: list[str] = field(default_factory=list)
    responder_goal: int = 3
    campaign_id: int | None = None
    team_id: int | None = None


def url_problem(reason: str) -> str:
    """Explain why a URL was refused."""
    messages = {
        "empty": _("Paste the link to the thread."),
        "too_long": _("The link is longer than 2048 characters."),
        "scheme": _("Only http and https links can be posted."),
        "credentials": _("Links with a user name or password in them are not accepted."),
        "host": _("This link has no valid web address."),
    }
    return messages.get(reason, _("This is not a valid web link."))


def summary_problem(summary: str) -> str | None:
    """Refuse personal data of the target in a summary (see network/alerts/personal_data.py)."""
    return personal_data_problem(summary)


def post_alert(actor: Member, draft: AlertDraft) -> tuple[Alert, bool]:
    """Post an alert, or merge into the active alert of the same thread; True when new."""
    problems = draft_problems(actor, draft)
    if problems:
        raise ValidationFailed(_("Some fields are not valid."), fields=problems)
    canonical = canonicalise(draft.url)
    status = AlertStatus.PENDING_REVIEW if actor.trust_level == 0 else AlertStatus.OPEN
    now = utcnow()
    values = {
        "url": draft.url.strip(),
        "canonical_url": canonical.url,
        "canonical_hash": canonical.digest,
        "platform": canonical.platform,
        "category": Category(draft.category),
        "severity": draft.severity,
        "summary": draft.summary.strip(),
        "language": draft.language,
        "target_requested_help": draft.target_requested_help,
        "wanted_actions": _wanted(draft),
        "responder_goal": draft.responder_goal,
        "status": status,
        "reporter_id": actor.id,
        "campaign_id": draft.campaign_id,
        "team_id": draft.team_id,
        "reporter_count": 1,
        "created_at": now,
        "last_activity_at": now,
        # Written with the row: an UPDATE of its own at going live would cost a round trip.
        "live_at": now if status == AlertStatus.OPEN else None,
    }
    for _attempt in range(3):
        alert_id, endpoints = _insert_reported(values)
        if alert_id is None:
            # The thread has an active alert (perhaps posted at this very instant): join it.
            existing = _active_alert(canonical.digest)
            if existing is not None:
                return _merge(existing, actor), False
            continue  # it closed meanwhile: post anew
        alert = _known_alert(alert_id, values)
        if alert.status == AlertStatus.OPEN:
            go_live(alert, fresh=True, endpoints=endpoints)
        else:
            later.after_commit(jobs.PUSH_REVIEW_WAITING, alert.id)
        db.commit_keeping_loaded()
        return alert, True
    raise Conflict(_("This thread changed while you posted it: try again."), code="busy")


def _insert_reported(values: dict[str, Any]) -> tuple[int | None, list[Any] | None]:
    """Insert the alert and its reporter's report unless the thread has an active alert;
    return the new alert's id (None when the thread had one) and, on PostgreSQL, the enabled
    webhook endpoints its going live announces to. One statement on PostgreSQL."""
    connection = db.session.connection()
    dialect = connection.dialect.name
    if dialect == "postgresql":
        # Through the driver (network/driver.py): SQLAlchemy's execution of the built
        # statement cost a post ~0.1 ms of its ~3.5 ms of web CPU.
        rows = _driven_insert().rows(connection, values)
        if not rows:
            return None, None
        alert_id, endpoints = rows[0]
        return alert_id, [tuple(found) for found in endpoints]
    alert_id = connection.execute(_insert_alert(dialect), values).scalar()
    if alert_id is not None:
        connection.execute(
            sa.insert(REPORTS),
            {
                "alert_id": alert_id,
                "member_id": values["reporter_id"],
                "reported_at": values["created_at"],
            },
        )
    return alert_id, None


ALERTS = cast(sa.Table, Alert.__table__)
REPORTS = cast(sa.Table, AlertReport.__table__)
# The columns a post writes (every column but the id and those that start empty).
POSTED_COLUMNS = (
    "url",
    "canonical_url",
    "canonical_hash",
    "platform",
    "category",
    "severity",
    "summary",
    "language",
    "target_requested_help",
    "wanted_actions",
    "responder_goal",
    "status",
    "reporter_id",
    "campaign_id",
    "team_id",
    "reporter_count",
    "created_at",
    "last_activity_at",
    "live_at",
)


@functools.cache
def _driven_insert() -> DriverStatement:
    """The post's statement on PostgreSQL, sent through the driver."""
    return DriverStatement(cast(sa.Insert, _insert_alert("postgresql")))


@functools.cache
def _insert_alert(dialect: str) -> sa.Executable:
    """The post's statement, built once (its values are bound parameters): the alert, unless
    the thread has an active one; on PostgreSQL its report too, in the same statement."""
    table = ALERTS
    insert = postgresql.insert(table) if dialect == "postgresql" else sqlite.insert(table)
    new_alert = (
        insert.values(
            {name: sa.bindparam(name, type_=table.c[name].type) for name in POSTED_COLUMNS}
        )
        .on_conflict_do_nothing(
            index_elements=[table.c.canonical_hash],
            # The partial unique index's own predicate, literally, so the database infers it.
            index_where=ACTIVE_THREAD,
        )
        .returning(table.c.id)
    )
    if dialect != "postgresql":
        return new_alert
    inserted = new_alert.cte("new_alert")
    reports = REPORTS
    return (
        sa.insert(reports)
        .from_select(
            ["alert_id", "member_id", "reported_at"],
            sa.select(
                inserted.c.id,
                sa.bindparam("reporter_id", type_=reports.c.member_id.type),
                sa.bindparam("created_at", type_=reports.c.reported_at.type),
            ),
        )
        # The endpoints the alert's going live announces to, read by this statement too.
        .returning(reports.c.alert_id, outbox.ENABLED_ENDPOINTS_JSON)
    )


@functools.cache
def _empty_columns(written: tuple[str, ...]) -> dict[str, None]:
    """The alert's columns a post leaves empty, given those it writes (the same every post)."""
    empty: dict[str, None] = {}
    for column in ALERTS.columns:
        if column.key != "id" and column.key not in written:
            if column.default is not None or column.server_default is not None:
                raise RuntimeError(f"alert.{column.key} has a default: insert it explicitly")
            empty[column.key] = None
    return empty


def _known_alert(alert_id: int, values: dict[str, Any]) -> Alert:
    """The alert just inserted, in the session without reading it back: every column is
    known (those not among `values` are empty); relationships load when first asked for."""
    empty = _empty_columns(tuple(values))
    alert = as_loaded(Alert, {"id": alert_id, **values, **empty}.items())
    make_transient_to_detached(alert)
    db.session.add(alert)
    return alert


def go_live(
    alert: Alert, *, fresh: bool = False, endpoints: list[Any] | None = None
) -> dict[ActionType, Need]:
    """An alert reaches the feed: tell the network (in the caller's transaction); return its needs.

    `fresh`: the alert was never open, so no action was claimed on it yet (its needs are what it
    wants, without a query). Members are asked personally by a job once this commits
    (asks.ask_after_going_live): the network hears of the alert first, and choosing members is
    no part of the request. `endpoints`: the enabled webhook endpoints, when the caller's
    statement read them (see outbox.announce)."""
    needs = coordination_queries.needs_of(alert, {} if fresh else None)
    feed.announce_alert(alert, "alert.created", needs)
    if alert.live_at is None:
        alert.live_at = utcnow()
    outbox.announce(WebhookEvent.ALERT_LIVE, alert.id, endpoints)
    # One job for the alerts of requests that overlap (its items are alert ids).
    later.gathered_after_commit(jobs.ASK_MEMBERS, alert.id)
    return needs


def _wanted(draft: AlertDraft) -> list[str]:
    if not draft.target_requested_help:
        return []
    chosen = set(draft.wanted_actions) or {action.value for action in ActionType}
    return [action.value for action in ActionType if action.value in chosen]


def draft_problems(actor: Member, draft: AlertDraft) -> dict[str, str]:
    """Return every field's problem at once (field name → explanation); empty when valid."""
    problems: dict[str, str] = {}
    try:
        canonicalise(draft.url)
    except InvalidUrl as error:
        problems["url"] = url_problem(str(error))
    if draft.category not in {category.value for category in Category}:
        problems["category"] = _("Choose one of the categories.")
    if not 1 <= draft.severity <= 4:
        problems["severity"] = _("Severity runs from 1 (unkind) to 4 (dangerous).")
    summary = draft.summary.strip()
    if not summary:
        problems["summary"] = _("Describe in a sentence what is happening.")
    elif len(summary) > 500:
        problems["summary"] = _("Use at most %(n)s characters.", n=500)
    elif problem := summary_problem(summary):
        problems["summary"] = problem
    if draft.language not in HELP_LANGUAGES:
        problems["language"] = _("Choose one of: %(options)s.", options=", ".join(HELP_LANGUAGES))
    unknown = set(draft.wanted_actions) - {action.value for action in ActionType}
    if unknown:
        codes = ", ".join(sorted(unknown))
        problems["wanted_actions"] = _("Unknown choice: %(codes)s.", codes=codes)
    if not 1 <= draft.responder_goal <= 10:
        problems["responder_goal"] = _("Ask for between 1 and 10 public voices.")
    if draft.team_id is not None:
        if not is_id(draft.team_id) or (
            db.session.get(TeamMembership, (draft.team_id, actor.id)) is None
        ):
            problems["team_id"] = _("You can only post alerts for a team you belong to.")
        elif team_size(draft.team_id) < TEAM_ALERT_MIN_MEMBERS:
            problems["team_id"] = _(
                "Team alerts need a team of at least %(n)s members: in a smaller team the others "
                "could tell who posted it. Post it without the team instead.",
                n=TEAM_ALERT_MIN_MEMBERS,
            )
    if draft.campaign_id is not None:
        from network.campaigns.models import Campaign, CampaignStatus

        campaign = db.session.get(Campaign, draft.campaign_id) if is_id(draft.campaign_id) else None
        if campaign is None or campaign.status != CampaignStatus.LIVE:
            problems["campaign_id"] = _("This campaign does not exist or is not live.")
    return problems


def _active_alert(digest: str) -> Alert | None:
    return db.session.scalar(
        sa.select(Alert).where(Alert.canonical_hash == digest, Alert.status.in_(ACTIVE_STATUSES))
    )


def _merge(alert: Alert, actor: Member) -> Alert:
    """Count the actor's report of the thread once, however often they post it."""
    try:
        with db.session.begin_nested():
            db.session.add(AlertReport(alert_id=alert.id, member_id=actor.id))
    except sa.exc.IntegrityError:
        db.session.commit()  # this member had reported the thread already
        return alert
    db.session.execute(
        sa.update(Alert)
        .where(Alert.id == alert.id)
        .values(reporter_count=Alert.reporter_count + 1, last_activity_at=utcnow())
    )
    db.session.commit()
    db.session.refresh(alert)
    return alert


def alert_for_change(actor: Member, alert_id: int, *, lock: bool = False) -> Alert:
    query = sa.select(Alert).where(Alert.id == alert_id)
    if lock:
        query = query.with_for_update()
    alert = db.session.scalar(query)
    if alert is None or not policy.can_see(actor, alert):
        raise NotFound(_("This alert does not exist."))
    return alert


def flag_alert(actor: Member, alert_id: int, *, reason: str, note: str = "") -> tuple[Alert, bool]:
    """Flag an alert as misleading or abusive; enough trusted flags hide it until review."""
    alert = alert_for_change(actor, alert_id, lock=True)
    if reason not in {flag.value for flag in FlagReason}:
        raise ValidationFailed(
            _("Some fields are not valid."), fields={"reason": _("Choose misleading or abusive.")}
        )
    if alert.status != AlertStatus.OPEN:
        raise Conflict(_("Only open alerts can be flagged."), code="not_flaggable")
    if policy.is_reporter(actor, alert):
        raise Conflict(_("You reported this alert yourself."), code="own_alert")
    if db.session.get(AbuseFlag, (alert.id, actor.id)) is not None:
        return alert, False
    db.session.add(
        AbuseFlag(
            alert_id=alert.id,
            member_id=actor.id,
            reason=FlagReason(reason),
            note=note.strip()[:500],
            trust_level=actor.trust_level,
        )
    )
    db.session.flush()
    # Flags of new members inform reviewers but weigh nothing; experienced members' weigh double.
    trusted_flags = (
        sa.select(sa.func.coalesce(sa.func.sum(flag_weight_sql(AbuseFlag.trust_level)), 0))
        .select_from(AbuseFlag)
        .where(AbuseFlag.alert_id == alert.id)
    )
    if alert.reviewed_at is not None:
        # Flags an organiser already weighed do not hide the alert a second time.
        trusted_flags = trusted_flags.where(AbuseFlag.created_at > alert.reviewed_at)
    threshold = settings().abuse_flags_to_hide
    if alert.hidden_at is None and (db.session.scalar(trusted_flags) or 0) >= threshold:
        alert.hidden_at = utcnow()
        audit.record(None, "alert.hidden", "alert", alert.id, flags=threshold)
        feed.announce_alert(alert)
    db.session.commit()
    return alert, True


def resolve_alert(actor: Member, alert_id: int, *, outcome: str) -> Alert:
    """Close an open alert with its outcome (its reporter or an organiser)."""
    alert = alert_for_change(actor, alert_id, lock=True)
    if outcome not in {item.value for item in Outcome}:
        raise ValidationFailed(
            _("Some fields are not valid."),
            fields={"outcome": _("Choose what happened to the thread.")},
        )
    if not (actor.is_organiser or alert.reporter_id == actor.id):
        raise Forbidden(_("Only the reporter or an organiser can resolve this alert."))
    if alert.status != AlertStatus.OPEN:
        raise Conflict(_("Only open alerts can be resolved."), code="not_open")
    alert.status = AlertStatus.RESOLVED
    alert.outcome = Outcome(outcome)
    alert.resolved_at = utcnow()
    if actor.is_organiser:
        audit.record(actor, "alert.resolved", "alert", alert.id, outcome=outcome)
    else:
        # The reporter's id would tell organisers who reported the alert.
        audit.record(None, "alert.resolved", "alert", alert.id, outcome=outcome, by="reporter")
    feed.announce_alert(alert)
    outbox.announce(WebhookEvent.ALERT_RESOLVED, alert.id)
    db.session.commit()
    return alert


def expire_stale_alerts() -> int:
    """Expire open alerts without activity for the configured number of days."""
    cutoff = utcnow() - timedelta(days=settings().alert_expiry_days)
    # One statement decides: an alert that got activity (or closed) meanwhile is left alone.
    stale = list(
        db.session.scalars(
            sa.update(Alert)
            .where(Alert.status == AlertStatus.OPEN, Alert.last_activity_at < cutoff)
            .values(status=AlertStatus.EXPIRED)
            .returning(Alert.id)
        )
    )
    if not stale:
        db.session.commit()
        return 0
    for alert_id in stale:
        audit.record(None, "alert.expired", "alert", alert_id)
        # Read as the statement left it, in one load: a row the session held still says open.
        expired = db.session.get(Alert, alert_id, populate_existing=True)
        if expired is not None:
            feed.announce_alert(expired)
    db.session.commit()
    return len(stale)
