"""Personal asks: the antidote to the bystander effect. When an alert opens, a few suitable
members are asked by name; unanswered asks move on to the next member."""

from __future__ import annotations

import logging
from datetime import datetime, timedelta
from typing import Any

import sqlalchemy as sa

from network import jobs
from network.accounts.models import Member, MemberStatus
from network.alerts.models import Alert, AlertReport, AlertStatus
from network.coordination import feed, queries
from network.coordination import services as claims
from network.coordination.models import Action, Ask, AskAnswer
from network.coordination.needs import Need
from network.db import utcnow
from network.errors import Conflict, NotFound
from network.extensions import db
from network.reach import later, quiet
from network.reach.models import QUIET_FROM, QUIET_UNTIL, PushSubscription, ReachSettings
from network.settings import settings
from network.teams.models import TeamMembership
from network.translation import gettext as _
from network.vocabulary import ActionType

log = logging.getLogger(__name__)
WEEK = timedelta(days=7)
CANDIDATE_POOL = 2000
CANDIDATE_PAGE = 50
FIRST_PAGE = 10


# An alert live this long and never asked about lost its asks job (its web process died before
# sending it, or the broker refused it): the sweep asks about it then.
MISSED_AFTER = timedelta(minutes=2)
SWEEP_MOST = 100


def never_asked(now: datetime | None = None) -> list[int]:
    """Return open alerts that went live over MISSED_AFTER ago and were never asked about,
    oldest first (SWEEP_MOST at most)."""
    since = (now or utcnow()) - MISSED_AFTER
    return list(
        db.session.scalars(
            sa.select(Alert.id)
            .where(
                Alert.asks_sent_at.is_(None),
                Alert.live_at.is_not(None),
                Alert.live_at < since,
                Alert.status == AlertStatus.OPEN,
                Alert.hidden_at.is_(None),
            )
            .order_by(Alert.live_at, Alert.id)
            .limit(SWEEP_MOST)
        )
    )


def ask_after_going_live(alert_id: int) -> int | None:
    """Ask members personally about an alert that went live, once however often this runs.

    The job may run twice (two workers, or again after a worker died before acknowledging it):
    the alert's row lock and its `asks_sent_at` mark, set in the asks' own transaction, let only
    the first run that commits ask anyone. Return how many members were asked, or None when
    this run did nothing (the alert is not live, or was asked about already)."""
    alert = _locked(alert_id)
    if alert is None or alert.live_at is None or alert.asks_sent_at is not None:
        db.session.rollback()
        return None
    try:
        alert.asks_sent_at = utcnow()
        # The job brings these asks to their members itself, after this commit.
        asked = ask_members(alert, deliver=False)
        db.session.commit()
        return len(asked)
    except sa.exc.SQLAlchemyError:
        # An alert whose asks fail stays live without them; the general push still goes out.
        db.session.rollback()
        log.exception("could not ask members about alert %s", alert_id)
    alert = _locked(alert_id)
    if alert is None or alert.asks_sent_at is not None:
        db.session.rollback()
        return None
    alert.asks_sent_at = utcnow()
    db.session.commit()
    return 0


def ask_members(
    alert: Alert,
    count: int | None = None,
    needs: dict[ActionType, Need] | None = None,
    *,
    deliver: bool = True,
) -> list[Ask]:
    """Ask up to `count` suitable members to help (in the caller's transaction).

    Each ask is delivered by a job of its own after the commit, unless `deliver` is False (the
    caller then delivers them: reach.deliver.deliver_new_asks)."""
    if not feed.in_feed(alert):
        return []
    wanted = count if count is not None else settings().asks_per_alert
    if needs is None:
        needs = queries.needs_of(alert)
    needed = {action.value for action, need in needs.items() if need.open > 0}
    if wanted <= 0 or not needed:
        return []
    now = utcnow()
    expires = now + timedelta(minutes=settings().ask_minutes)
    asks = []
    for member_id in _candidates(alert, needed, wanted):
        ask = Ask(alert_id=alert.id, member_id=member_id, asked_at=now, expires_at=expires)
        db.session.add(ask)
        asks.append(ask)
    db.session.flush()
    payload = feed.alert_payload(alert, needs) if asks else {}
    for ask in asks:
        feed.announce_ask(ask, alert, payload)
        if deliver:
            # Push, else email, else the feed: the ask's waiting time starts once it arrived.
            later.after_commit(jobs.DELIVER_ASK, ask.id)
    return asks


def _candidates(alert: Alert, needed: set[str], wanted: int) -> list[int]:
    """Return suitable members: the alert's team first, then those asked least this week.

    The searches run cheapest first and stop once enough are chosen, so the work per alert does
    not grow with the number of members: the full "fewest asks first" sort (every member, every
    ask of the week) runs only when too few members are unasked this week."""
    values = {"alert_id": alert.id, "team_id": alert.team_id, "since": utcnow() - WEEK}
    chosen: list[int] = []
    for search in _searches(alert.team_id is not None):
        _choose(search, values, alert, needed, wanted, chosen)
        if len(chosen) == wanted:
            break
    return chosen


# The searches are built once (bound parameters), not for every alert: building them cost
# more than running them.
Search = sa.Select[int, list[str], list[str], list[str], str, int, int, bool]
_SEARCHES: dict[bool, list[Search]] = {}


def _searches(team: bool) -> list[Search]:
    if team not in _SEARCHES:
        _SEARCHES[team] = _build_searches(team)
    return _SEARCHES[team]


def _build_searches(team: bool) -> list[Search]:
    alert_id: sa.BindParameter[Any] = sa.bindparam("alert_id")
    team_id: sa.BindParameter[Any] = sa.bindparam("team_id")
    since: sa.BindParameter[Any] = sa.bindparam("since")
    already = sa.select(Ask.member_id).where(Ask.alert_id == alert_id)
    reporters = sa.select(AlertReport.member_id).where(AlertReport.alert_id == alert_id)
    columns = (
        Member.id,
        Member.platforms,
        Member.languages,
        Member.comfortable_actions,
        # What quiet.asleep would look up: members in their quiet hours are not woken.
        Member.time_zone,
        sa.func.coalesce(ReachSettings.quiet_from, QUIET_FROM),
        sa.func.coalesce(ReachSettings.quiet_until, QUIET_UNTIL),
        sa.exists().where(PushSubscription.member_id == Member.id),
    )
    eligible = sa.and_(
        Member.status == MemberStatus.ACTIVE,
        Member.id.not_in(already),
        Member.id.not_in(reporters),
        Member.id.not_in(sa.bindparam("chosen", expanding=True)),
    )
    settings_join = (ReachSettings, ReachSettings.member_id == Member.id)
    recent = (
        sa.select(Ask.member_id, sa.func.count().label("asks"))
        .where(Ask.asked_at >= since)
        .group_by(Ask.member_id)
        .subquery()
    )
    recent_asks = sa.func.coalesce(recent.c.asks, 0)
    fewest_asks = (
        sa.select(*columns)
        .outerjoin(recent, recent.c.member_id == Member.id)
        .outerjoin(*settings_join)
        .where(eligible, Member.asks_per_week > recent_asks)
        .order_by(recent_asks, Member.id)
    )
    unasked = (
        sa.select(*columns)
        .outerjoin(*settings_join)
        .where(
            eligible,
            Member.asks_per_week > 0,
            ~sa.exists().where(Ask.member_id == Member.id, Ask.asked_at >= since),
        )
        .order_by(Member.id)
    )
    searches = []
    if team:
        # Close ties raise helping: the alert's team is asked first.
        searches.append(
            fewest_asks.join(
                TeamMembership,
                sa.and_(TeamMembership.member_id == Member.id, TeamMembership.team_id == team_id),
            )
        )
        outside = ~sa.exists().where(
            TeamMembership.member_id == Member.id, TeamMembership.team_id == team_id
        )
        unasked, fewest_asks = unasked.where(outside), fewest_asks.where(outside)
    page = (sa.bindparam("offset", type_=sa.Integer), sa.bindparam("limit", type_=sa.Integer))
    return [search.offset(page[0]).limit(page[1]) for search in (*searches, unasked, fewest_asks)]


def _choose(
    search: Search,
    values: dict[str, Any],
    alert: Alert,
    needed: set[str],
    wanted: int,
    chosen: list[int],
) -> None:
    # Small pages, left as soon as enough are chosen: a LIMIT of the whole pool would make the
    # database sort every member, and a server-side cursor costs three round trips. The first
    # page is smaller still: it usually holds enough, and every row read costs (JSON lists).
    now = utcnow()
    connection = db.session.connection()
    # Those chosen by an earlier search, left out of every page of this one.
    values = {**values, "chosen": list(chosen)}
    offset, size = 0, FIRST_PAGE
    while offset < CANDIDATE_POOL:
        page = connection.execute(search, {**values, "offset": offset, "limit": size}).all()
        for (
            member_id,
            platforms,
            languages,
            comfortable,
            zone,
            quiet_from,
            quiet_until,
            push,
        ) in page:
            # Members in their quiet hours are not woken: someone awake is asked instead.
            if push and quiet.is_quiet(quiet_from, quiet_until, zone, now):
                continue
            # Lists are JSON, compared here rather than in dialect-specific SQL.
            if platforms and alert.platform.value not in platforms:
                continue
            if languages and alert.language not in languages:
                continue
            if comfortable and not needed.intersection(comfortable):
                continue
            chosen.append(member_id)
            if len(chosen) == wanted:
                return
        if len(page) < size:
            return
        offset, size = offset + size, CANDIDATE_PAGE


def decline_ask(actor: Member, ask_id: int) -> Ask:
    """Decline a personal ask; the next suitable member is asked instead."""
    ask = db.session.scalar(sa.select(Ask).where(Ask.id == ask_id).with_for_update())
    if ask is None or ask.member_id != actor.id:
        raise NotFound(_("This ask does not exist."))
    if ask.answer != AskAnswer.PENDING:
        raise Conflict(_("You already answered this ask."), code="ask_answered")
    ask.answer, ask.answered_at = AskAnswer.DECLINED, utcnow()
    alert = _locked(ask.alert_id)
    if alert is not None:
        ask_members(alert, 1)
    db.session.commit()
    return ask


def accept_ask(actor: Member, ask_id: int, *, action_type: str, anonymous: bool) -> Action:
    """Accept a personal ask by claiming one of the actions the alert needs.

    The ask is locked as declining locks it, so an accept and a decline (or two accepts) of
    one ask never both go through; the claim answers the ask in the same transaction."""
    ask = db.session.scalar(sa.select(Ask).where(Ask.id == ask_id).with_for_update())
    if ask is None or ask.member_id != actor.id:
        raise NotFound(_("This ask does not exist."))
    if ask.answer != AskAnswer.PENDING:
        raise Conflict(_("You already answered this ask."), code="ask_answered")
    return claims.claim_action(actor, ask.alert_id, action_type=action_type, anonymous=anonymous)


def expire_asks() -> int:
    """Expire unanswered asks and ask the next member for each."""
    stale = list(
        db.session.scalars(
            sa.select(Ask)
            .where(Ask.answer == AskAnswer.PENDING, Ask.expires_at <= utcnow())
            .order_by(Ask.id)
            .limit(500)
            .with_for_update(skip_locked=True)
        )
    )
    for ask in stale:
        ask.answer, ask.answered_at = AskAnswer.EXPIRED, utcnow()
    db.session.flush()
    for alert_id in sorted({ask.alert_id for ask in stale}):
        alert = _locked(alert_id)
        if alert is not None:
            ask_members(alert, sum(1 for ask in stale if ask.alert_id == alert_id))
    db.session.commit()
    return len(stale)


def _locked(alert_id: int) -> Alert | None:
    # The row lock serialises asking for one alert: two declines at once never pick the same
    # next member (PostgreSQL; SQLite writers queue anyway).
    return db.session.scalar(sa.select(Alert).where(Alert.id == alert_id).with_for_update())
