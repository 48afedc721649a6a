"""Campaign emails: the launch announcement and the one friendly reminder."""

from __future__ import annotations

import logging
from datetime import timedelta

import sqlalchemy as sa
from flask import render_template
from flask_babel import force_locale
from itsdangerous import BadSignature, URLSafeSerializer

from network.accounts.models import Member, MemberStatus
from network.alerts.models import Alert
from network.campaigns.models import Campaign, CampaignMember, CampaignStatus
from network.coordination.models import Action, ActionStatus
from network.db import utcnow
from network.extensions import db
from network.i18n import member_zone
from network.mail import Mailer, build_message, describe_failure, verified_address
from network.moderation import audit
from network.settings import settings
from network.translation import gettext as _

log = logging.getLogger(__name__)
# The audit action that records how a campaign's launch mail went.
LAUNCH_MAIL = "campaign.launch_mail"


def _host() -> str:
    from urllib.parse import urlsplit

    return urlsplit(settings().site_url).hostname or "localhost"


def unsubscribe_token(member: Member) -> str:
    """Return the signed token of a member's one-click link to stop campaign mail."""
    return str(_serializer().dumps({"m": member.id}))


def member_for_token(token: str) -> Member | None:
    """Return the member a campaign-mail token was made for; None when it is not valid."""
    try:
        payload = _serializer().loads(token)
    except BadSignature:
        return None
    member_id = payload.get("m") if isinstance(payload, dict) else None
    if not isinstance(member_id, int):
        return None
    return db.session.get(Member, member_id)


def _serializer() -> URLSafeSerializer:
    # Its own salt: a digest link must not stop campaign mail, nor the other way round.
    return URLSafeSerializer(settings().secret_key, salt="campaign-unsubscribe")


def _wants_campaign_mail() -> sa.ColumnElement[bool]:
    return sa.and_(
        Member.status == MemberStatus.ACTIVE, Member.campaign_mail.is_(True), verified_address()
    )


def announce_launch(campaign_id: int) -> int:
    """Email every member who wants campaign mail that a campaign launched; return how many.

    What happened (sent, failed) is recorded in the audit log, where the campaign page shows it
    to organisers: a launch never sends nothing without anyone knowing."""
    campaign = db.session.get(Campaign, campaign_id)
    if campaign is None or campaign.status != CampaignStatus.LIVE:
        return 0
    members = list(
        db.session.scalars(sa.select(Member).where(_wants_campaign_mail()).order_by(Member.id))
    )
    sent = 0
    try:
        with Mailer() as mailer:
            for member in members:
                sent += _send(mailer, campaign, member, "launch")
    finally:
        # Also when something unforeseen stops the loop: the organiser sees the count so far.
        record_launch_mail(campaign.id, sent=sent, failed=len(members) - sent)
    return sent


def record_launch_mail(campaign_id: int, *, sent: int, failed: int, error: str = "") -> None:
    """Record how the launch mail went, for the campaign page and the audit log."""
    if failed:
        log.error("campaign %s launch mail: %s sent, %s failed", campaign_id, sent, failed)
    details: dict[str, object] = {"sent": sent, "failed": failed}
    if error:
        details["error"] = error
    audit.record(None, LAUNCH_MAIL, "campaign", campaign_id, **details)
    db.session.commit()


def send_reminders() -> int:
    """Remind, once, members who joined a live campaign days ago and have not acted in it."""
    days = settings().campaign_reminder_days
    cutoff = utcnow() - timedelta(days=days)
    acted = (
        sa.select(Action.id)
        .join(Alert, Alert.id == Action.alert_id)
        .where(
            Alert.campaign_id == CampaignMember.campaign_id,
            Action.member_id == CampaignMember.member_id,
            Action.status.in_([ActionStatus.CLAIMED, ActionStatus.DONE]),
        )
        .exists()
    )
    due = db.session.execute(
        sa.select(CampaignMember.campaign_id, CampaignMember.member_id)
        .join(Campaign, Campaign.id == CampaignMember.campaign_id)
        .join(Member, Member.id == CampaignMember.member_id)
        .where(
            Campaign.status == CampaignStatus.LIVE,
            _wants_campaign_mail(),
            CampaignMember.joined_at <= cutoff,
            CampaignMember.reminded_at.is_(None),
            ~acted,
        )
    ).all()
    sent = 0
    with Mailer() as mailer:
        for campaign_id, member_id in due:
            # Claim the reminder first: two schedulers never remind the same member twice.
            claimed = db.session.execute(
                sa.update(CampaignMember)
                .where(
                    CampaignMember.campaign_id == campaign_id,
                    CampaignMember.member_id == member_id,
                    CampaignMember.reminded_at.is_(None),
                )
                .values(reminded_at=utcnow())
            )
            db.session.commit()
            if not getattr(claimed, "rowcount", 0):
                continue
            campaign = db.session.get(Campaign, campaign_id)
            member = db.session.get(Member, member_id)
            if campaign is not None and member is not None:
                sent += _send(mailer, campaign, member, "reminder")
    return sent


def _send(mailer: Mailer, campaign: Campaign, member: Member, kind: str) -> int:
    """Send one campaign mail ("launch" or "reminder") in the member's language; 1 if sent."""
    site = settings().site_url
    unsubscribe_url = f"{site}/campaigns/unsubscribe/{unsubscribe_token(member)}"
    try:
        with force_locale(member.locale), member_zone(member.time_zone):
            context = {
                "campaign": campaign,
                "member": member,
                "url": f"{site}/campaigns/{campaign.id}",
                "unsubscribe_url": unsubscribe_url,
            }
            if kind == "launch":
                subject = _("New campaign: %(title)s", title=campaign.title)
            else:
                subject = _("%(title)s needs you", title=campaign.title)
            message = build_message(
                to=member.email,
                subject=subject,
                text=render_template(f"email/campaign_{kind}.txt", **context),
                html=render_template(f"email/campaign_{kind}.html", **context),
                message_id=f"<campaign-{campaign.id}-{kind}-{member.id}@{_host()}>",
                headers={
                    "List-Unsubscribe": f"<{unsubscribe_url}>",
                    "List-Unsubscribe-Post": "List-Unsubscribe=One-Click",
                    "Auto-Submitted": "auto-generated",
                },
            )
        mailer.send(message)
    except Exception as error:  # one bad address or message must not stop the rest
        log.warning(
            "campaign %s mail to member %s failed: %s", kind, member.id, describe_failure(error)
        )
        return 0
    return 1
