"""Notice emails: the reporter hears, at a verified address, how their alert was reviewed."""

from __future__ import annotations

import logging
from urllib.parse import urlsplit

from flask import render_template
from flask_babel import force_locale

from network.accounts.models import Member
from network.alerts.guide import category_label, platform_label
from network.alerts.models import Alert
from network.extensions import db
from network.i18n import member_zone
from network.mail import Mailer, build_message, describe_failure
from network.notices.models import Notice
from network.notices.queries import describe
from network.settings import settings
from network.translation import gettext as _

log = logging.getLogger(__name__)


def mail_notice(notice_id: int) -> bool:
    """Email one notice to its member if their address is verified; True when sent."""
    notice = db.session.get(Notice, notice_id)
    if notice is None:
        return False
    member = db.session.get(Member, notice.member_id)
    # Only verification and reset mail may go to an address nobody has confirmed.
    if member is None or member.email_verified_at is None or not member.is_active:
        return False
    alert = db.session.get(Alert, notice.alert_id) if notice.alert_id is not None else None
    site = settings().site_url.rstrip("/")
    host = urlsplit(site).hostname or "localhost"
    with force_locale(member.locale), member_zone(member.time_zone):
        if notice.kind == "alert_approved":
            subject = _("Your alert was approved")
        else:
            subject = _("Your alert was not approved")
        context = {
            "member": member,
            "notice": notice,
            "text": describe(notice),
            "alert_name": (
                f"{category_label(alert.category)} · {platform_label(alert.platform)}"
                if alert is not None
                else ""
            ),
            "url": f"{site}/alerts/{alert.id}" if alert is not None else f"{site}/notices/",
            "notices_url": f"{site}/notices/",
        }
        message = build_message(
            to=member.email,
            subject=subject,
            text=render_template("email/notice.txt", **context),
            html=render_template("email/notice.html", **context),
            message_id=f"<notice-{notice.id}@{host}>",
        )
    try:
        with Mailer() as mailer:
            mailer.send(message)
    except Exception as error:  # the notice in the app stands; the mail is a courtesy
        log.warning("notice %s mail failed: %s", notice.id, describe_failure(error))
        return False
    return True
