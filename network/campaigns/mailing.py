"""Campaign emails: the launch announcement and the one friendly reminder."""

from __future__ import annotations

import logging
from datetime import timedelta

import sqlalchemy as sa
from flask import current_app, render_template
from flask_babel import force_locale
from flask_babel import gettext as _

from network.accounts.models import Member, MemberStatus
from network.alerts.models import Alert
from network.campaigns.models import Campaign, CampaignMember, CampaignStatus
from network.coordination.models import Action, ActionStatus
from network.db import utcnow
from network.extensions import db
from network.mail import Mailer, build_message, describe_failure, verified_address

log = logging.getLogger(__name__)


def _host() -> str:
    from urllib.parse import urlsplit

    return urlsplit(str(current_app.config["SITE_URL"])).hostname or "localhost"


def announce_launch(campaign_id: int) -> int:
    """Email every active member that a campaign launched; return how many were sent."""
    campaign = db.session.get(Campaign, campaign_id)
    if campaign is None or campaign.status != CampaignStatus.LIVE:
        return 0
    members = list(
        db.session.scalars(
            sa.select(Member)
            .where(Member.status == MemberStatus.ACTIVE, verified_address())
            .order_by(Member.id)
        )
    )
    sent = 0
    with Mailer() as mailer:
        for member in members:
            sent += _send(mailer, campaign, member, "launch")
    return sent


def send_reminders() -> int:
    """Remind, once, members who joined a live campaign days ago and have not acted in it."""
    days = int(current_app.config["CAMPAIGN_REMINDER_DAYS"])
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
            verified_address(),
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
    site = str(current_app.config["SITE_URL"])
    with force_locale(member.locale):
        context = {"campaign": campaign, "member": member, "url": f"{site}/campaigns/{campaign.id}"}
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
        )
    try:
        mailer.send(message)
    except Exception as error:  # one bad address must not stop the rest
        log.warning(
            "campaign %s mail to member %s failed: %s", kind, member.id, describe_failure(error)
        )
        return 0
    return 1
