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
from network.mail import Mailer, build_message

log = logging.getLogger(__name__)


def _host() -> str:
    from urllib.parse import urlsplit

    return urlsplit(str(current_app.config["SITE_URL"])).hostname or "localhost"


def announce_launch(campaign_id: int) -> int:
    """Email every active member that a campaign launched; return how many were sent."""
    campaign = db.session.get(Campaign, campaign_id)
    if campaign is None or campaign.status != CampaignStatus.LIVE:
        return 0
    site = str(current_app.config["SITE_URL"])
    members = list(
        db.session.scalars(
            sa.select(Member).where(Member.status == MemberStatus.ACTIVE).order_by(Member.id)
        )
    )
    sent = 0
    with Mailer() as mailer:
        for member in members:
            with force_locale(member.locale):
                context = {
                    "campaign": campaign,
                    "member": member,
                    "url": f"{site}/campaigns/{campaign.id}",
                }
                message = build_message(
                    to=member.email,
                    subject=_("New campaign: %(title)s", title=campaign.title),
                    text=render_template("email/campaign_launch.txt", **context),
                    html=render_template("email/campaign_launch.html", **context),
                    message_id=f"<campaign-{campaign.id}-launch-{member.id}@{_host()}>",
                )
            try:
                mailer.send(message)
                sent += 1
            except Exception as error:  # one bad address must not stop the rest
                log.warning("launch mail to member %s failed: %s", member.id, error)
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
        .where(
            Campaign.status == CampaignStatus.LIVE,
            CampaignMember.joined_at <= cutoff,
            CampaignMember.reminded_at.is_(None),
            ~acted,
        )
    ).all()
    site = str(current_app.config["SITE_URL"])
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
            if campaign is None or member is None:
                continue
            with force_locale(member.locale):
                context = {
                    "campaign": campaign,
                    "member": member,
                    "url": f"{site}/campaigns/{campaign.id}",
                }
                message = build_message(
                    to=member.email,
                    subject=_("%(title)s needs you", title=campaign.title),
                    text=render_template("email/campaign_reminder.txt", **context),
                    html=render_template("email/campaign_reminder.html", **context),
                    message_id=f"<campaign-{campaign.id}-reminder-{member.id}@{_host()}>",
                )
            try:
                mailer.send(message)
                sent += 1
            except Exception as error:
                log.warning("reminder to member %s failed: %s", member.id, error)
    return sent
