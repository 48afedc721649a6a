"""Who hears what: personal asks (push, else email, else the feed), alerts, launches, reviews.

Every function here runs in a Celery task, never in a request. Lock-screen texts are small and
discreet: no summary, no link text, only what kind of alert and where."""

from __future__ import annotations

import logging
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import timedelta

import sqlalchemy as sa
from flask_babel import force_locale

from network.accounts.models import Member, MemberStatus, Role
from network.alerts.guide import category_label, platform_label
from network.alerts.models import Alert, AlertReport, AlertStatus
from network.coordination.feed import in_feed
from network.coordination.models import Ask, AskAnswer, AskChannel
from network.db import utcnow
from network.extensions import db
from network.mail import Mailer
from network.reach import quiet
from network.reach.models import PushSubscription, ReachSettings
from network.reach.push import Message, Sent, send
from network.reach.services import default_settings, settings_of
from network.settings import settings
from network.teams.models import TeamMembership
from network.translation import gettext as _

log = logging.getLogger(__name__)

SEVERE = 3  # severity 3 and 4 are "severe"
DAY = 24 * 3600


def _alert_words(alert: Alert, detailed: bool) -> str:
    """ "severity 3, Instagram" — or with the category when the member chose more detail."""
    platform = platform_label(alert.platform)
    words = _("severity %(n)s, %(platform)s", n=alert.severity, platform=platform)
    if detailed:
        words = f"{category_label(alert.category)}, {words}"
    return words


def _push_all(subscriptions: Iterable[PushSubscription], message: Message) -> list[Sent]:
    return [send(subscription, message) for subscription in subscriptions]


def _subscriptions(member_id: int) -> list[PushSubscription]:
    return list(
        db.session.scalars(
            sa.select(PushSubscription)
            .where(PushSubscription.member_id == member_id)
            .order_by(PushSubscription.id)
        )
    )


def deliver_ask(ask_id: int, *, last_try: bool = True) -> str:
    """Bring one personal ask to its member; its waiting time starts now.

    Push when the member has it (and is awake); else email when they did not switch that off;
    else the open feed. Return "retry" when every push failed for now and another try is due."""
    ask = db.session.scalar(sa.select(Ask).where(Ask.id == ask_id).with_for_update())
    if ask is None or ask.answer != AskAnswer.PENDING or ask.delivered_at is not None:
        return "none"
    member = db.session.get(Member, ask.member_id)
    alert = db.session.get(Alert, ask.alert_id)
    if member is None or alert is None or not member.is_active:
        return "none"
    outcome = _deliver(
        ask, member, alert, settings_of(member.id), _subscriptions(member.id), last_try=last_try
    )
    db.session.commit()  # on "retry": gone subscriptions stay removed
    return outcome


def deliver_new_asks(alert_id: int) -> list[int]:
    """Bring an alert's undelivered asks to their members in one pass, as deliver_ask would
    bring each (this is its first try); return the asks whose pushes all failed for now.

    Members with their settings are loaded in one query (their push subscriptions in another,
    when any has one), and mail goes over one connection. Asks another pass holds are skipped:
    that pass delivers them."""
    asks = db.session.scalars(
        sa.select(Ask)
        .where(
            Ask.alert_id == alert_id,
            Ask.answer == AskAnswer.PENDING,
            Ask.delivered_at.is_(None),
        )
        .order_by(Ask.id)
        .with_for_update(skip_locked=True)
    ).all()
    alert = db.session.get(Alert, alert_id) if asks else None
    if alert is None:
        db.session.rollback()
        return []
    ids = [ask.member_id for ask in asks]
    members: dict[int, Member] = {}
    chosen: dict[int, ReachSettings] = {}
    with_push = []
    for member, their_settings, push in db.session.execute(
        sa.select(Member, ReachSettings, sa.exists().where(PushSubscription.member_id == Member.id))
        .outerjoin(ReachSettings, ReachSettings.member_id == Member.id)
        .where(Member.id.in_(ids))
    ):
        members[member.id] = member
        chosen[member.id] = their_settings or default_settings(member.id)
        if push:
            with_push.append(member.id)
    subscriptions: dict[int, list[PushSubscription]] = {}
    if with_push:
        for subscription in db.session.scalars(
            sa.select(PushSubscription)
            .where(PushSubscription.member_id.in_(with_push))
            .order_by(PushSubscription.id)
        ):
            subscriptions.setdefault(subscription.member_id, []).append(subscription)
    again = []
    with Mailer() as mailer:
        mailer.vouch(
            member.email
            for member in members.values()
            if member.email_verified_at and chosen[member.id].ask_mail
        )
        for ask in asks:
            asked = members.get(ask.member_id)
            if asked is None or not asked.is_active:
                continue
            outcome = _deliver(
                ask,
                asked,
                alert,
                chosen[asked.id],
                subscriptions.get(asked.id, []),
                last_try=False,
                mailer=mailer,
            )
            if outcome == "retry":
                again.append(ask.id)
    db.session.commit()
    return again


def _deliver(
    ask: Ask,
    member: Member,
    alert: Alert,
    chosen: ReachSettings,
    subscriptions: list[PushSubscription],
    *,
    last_try: bool,
    mailer: Mailer | None = None,
) -> str:
    """Deliver one locked ask (in the caller's transaction); return its channel, or "retry"."""
    channel = AskChannel.FEED
    now = utcnow()
    awake = not quiet.is_quiet(chosen.quiet_from, chosen.quiet_until, member.time_zone, now)
    if subscriptions and awake:
        with force_locale(member.locale):
            message = Message(
                kind="ask",
                title=_("Upstander Network"),
                body=_(
                    "You are asked to help with an alert — %(alert)s",
                    alert=_alert_words(alert, chosen.detailed),
                ),
                path=f"/alerts/{alert.id}",
                tag=f"ask-{ask.id}",
                ttl=settings().ask_minutes * 60,
                urgency="high",
            )
        results = _push_all(subscriptions, message)
        if Sent.SENT in results:
            channel = AskChannel.PUSH
        elif Sent.FAILED in results and not last_try:
            return "retry"
        subscriptions = [
            s for s, sent in zip(subscriptions, results, strict=True) if sent != Sent.GONE
        ]
    # A member with push who fell asleep meanwhile finds it in the feed, not in their mail.
    mail = not subscriptions or awake
    if channel == AskChannel.FEED and mail and chosen.ask_mail and member.email_verified_at:
        from network.reach.ask_mail import mail_ask

        if mail_ask(ask, member, alert, mailer):
            channel = AskChannel.EMAIL
    ask.channel, ask.delivered_at = channel, utcnow()
    ask.expires_at = ask.delivered_at + timedelta(minutes=settings().ask_minutes)
    return channel.value


def _audience(condition: sa.ColumnElement[bool], *extra: sa.ColumnElement[bool]) -> sa.Select:
    """Active members with a subscription whose settings say yes (defaults when never set)."""
    return (
        sa.select(Member)
        .outerjoin(ReachSettings, ReachSettings.member_id == Member.id)
        .where(
            Member.status == MemberStatus.ACTIVE,
            sa.exists().where(PushSubscription.member_id == Member.id),
            condition,
            *extra,
        )
        .order_by(Member.id)
    )


@dataclass
class Fanout:
    """Who was reached, and which pushes failed for now (to be tried again later)."""

    reached: list[int] = field(default_factory=list)
    again: list[tuple[int, Message]] = field(default_factory=list)


def _push_to_members(members: Iterable[Member], build: object) -> Fanout:
    """Push to each awake member the message `build(member, chosen)` makes
    (`chosen`: their reach settings)."""
    now, fanout = utcnow(), Fanout()
    for member in members:
        chosen = settings_of(member.id)
        if quiet.is_quiet(chosen.quiet_from, chosen.quiet_until, member.time_zone, now):
            continue  # nothing is pushed in quiet hours
        with force_locale(member.locale):
            message = build(member, chosen)  # type: ignore[operator]
        for subscription in _subscriptions(member.id):
            sent = send(subscription, message)
            if sent == Sent.SENT and member.id not in fanout.reached:
                fanout.reached.append(member.id)
            elif sent == Sent.FAILED:
                fanout.again.append((subscription.id, message))
    db.session.commit()
    return fanout


def push_again(subscription_id: int, message: Message) -> Sent:
    """Try one failed push again (the task backs off between tries)."""
    subscription = db.session.get(PushSubscription, subscription_id)
    if subscription is None:
        return Sent.GONE
    sent = send(subscription, message)
    db.session.commit()
    return sent


def alert_went_live(alert: Alert) -> Fanout:
    """Push a new alert in the feed to its team (unless switched off) and to members who chose
    severe alerts on their platforms and languages; never to its reporters or those asked
    already, never an alert out of the feed."""
    if not in_feed(alert):
        return Fanout()
    reporters = sa.select(AlertReport.member_id).where(AlertReport.alert_id == alert.id)
    asked = sa.select(Ask.member_id).where(Ask.alert_id == alert.id)
    mine = (Member.id.not_in(reporters), Member.id.not_in(asked))
    chosen: dict[int, Member] = {}
    if alert.team_id is not None:
        in_team = sa.exists().where(
            TeamMembership.member_id == Member.id, TeamMembership.team_id == alert.team_id
        )
        wants = sa.func.coalesce(ReachSettings.team_alerts, sa.true())
        for member in db.session.scalars(_audience(wants, in_team, *mine)):
            chosen[member.id] = member
    if alert.severity >= SEVERE:
        wants = sa.func.coalesce(ReachSettings.severe_alerts, sa.false())
        for member in db.session.scalars(_audience(wants, *mine)):
            # Severe alerts only where the member can help: their platforms and languages.
            if (not member.platforms or alert.platform.value in member.platforms) and (
                not member.languages or alert.language in member.languages
            ):
                chosen.setdefault(member.id, member)

    def build(member: Member, chosen: ReachSettings) -> Message:
        return Message(
            kind="alert",
            title=_("Upstander Network"),
            body=_(
                "A new alert needs help — %(alert)s",
                alert=_alert_words(alert, chosen.detailed),
            ),
            path=f"/alerts/{alert.id}",
            tag=f"alert-{alert.id}",
            ttl=settings().push_ttl_seconds,
            urgency="high" if alert.severity >= SEVERE else "normal",
        )

    return _push_to_members(chosen.values(), build)


def review_waiting(alert_id: int) -> Fanout:
    """Push to organisers who chose it that an alert waits for review (no details at all)."""
    alert = db.session.get(Alert, alert_id)
    if alert is None or alert.status != AlertStatus.PENDING_REVIEW:
        return Fanout()
    reporters = sa.select(AlertReport.member_id).where(AlertReport.alert_id == alert.id)
    organisers = db.session.scalars(
        _audience(
            sa.func.coalesce(ReachSettings.reviews, sa.false()),
            Member.role.in_([Role.ORGANISER, Role.ADMIN]),
            Member.id.not_in(reporters),
        )
    ).all()

    def build(member: Member, chosen: ReachSettings) -> Message:
        return Message(
            kind="review",
            title=_("Upstander Network"),
            body=_("An alert is waiting for review."),
            path="/review/",
            tag="review",
            ttl=settings().push_ttl_seconds,
        )

    return _push_to_members(organisers, build)


def campaign_launched(campaign_id: int) -> Fanout:
    """Push a campaign's launch to members who chose to hear of launches."""
    from network.campaigns.models import Campaign, CampaignStatus

    campaign = db.session.get(Campaign, campaign_id)
    if campaign is None or campaign.status != CampaignStatus.LIVE:
        return Fanout()
    members = db.session.scalars(
        _audience(sa.func.coalesce(ReachSettings.campaign_launches, sa.false()))
    ).all()

    def build(member: Member, chosen: ReachSettings) -> Message:
        return Message(
            kind="campaign",
            title=_("Upstander Network"),
            body=_("A new campaign has started: %(title)s", title=campaign.title[:60]),
            path=f"/campaigns/{campaign.id}",
            tag=f"campaign-{campaign.id}",
            ttl=settings().push_ttl_seconds,
        )

    return _push_to_members(members, build)


def notice_pushed(notice_id: int) -> Fanout:
    """Push a reporter how their alert was reviewed (with the reviewer's reason)."""
    from network.notices.models import Notice

    notice = db.session.get(Notice, notice_id)
    if notice is None:
        return Fanout()
    member = db.session.get(Member, notice.member_id)
    if member is None or not member.is_active or not _subscriptions(member.id):
        return Fanout()

    def build(member: Member, chosen: ReachSettings) -> Message:
        path = "/notices/"
        if notice.kind == "retaliation":
            # A safety signal for organisers: the alert only, never who reported it.
            body = _("A volunteer was targeted in return after acting on an alert.")
            path = f"/alerts/{notice.alert_id}" if notice.alert_id else path
        elif notice.kind == "alert_approved":
            body = _("Your alert was approved and is in the feed.")
        else:
            body = _("Your alert was not approved.")
            if notice.body:
                body = _("Your alert was not approved: %(reason)s", reason=notice.body[:120])
        return Message(
            kind="notice",
            title=_("Upstander Network"),
            body=body,
            path=path,
            tag=f"notice-{notice.id}",
            ttl=settings().push_ttl_seconds,
        )

    return _push_to_members([member], build)


def check_in_pushed(check_in_id: int) -> Fanout:
    """Push a volunteer the question what happened after their action (not answered yet)."""
    from network.learning.models import CheckIn

    check_in = db.session.get(CheckIn, check_in_id)
    if check_in is None or check_in.answered_at is not None or check_in.member_id is None:
        return Fanout()
    member = db.session.get(Member, check_in.member_id)
    from network.coordination.models import Action

    action = db.session.get(Action, check_in.action_id)
    if member is None or action is None or not member.is_active:
        return Fanout()

    def build(member: Member, chosen: ReachSettings) -> Message:
        return Message(
            kind="check_in",
            title=_("Upstander Network"),
            body=_("What happened after your action? One tap tells the network."),
            path=f"/alerts/{action.alert_id}#check-in-{check_in.id}",
            tag=f"check-in-{check_in.id}",
            ttl=settings().push_ttl_seconds,
        )

    return _push_to_members([member], build)
