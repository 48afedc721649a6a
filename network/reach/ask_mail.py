"""A personal ask by email, for members without push (they can switch it off)."""

from __future__ import annotations

import logging
from urllib.parse import urlsplit

from flask import render_template
from flask_babel import force_locale
from flask_babel import gettext as _

from network.accounts.models import Member
from network.alerts.guide import category_label, platform_label
from network.alerts.models import Alert
from network.coordination.models import Ask
from network.mail import Mailer, build_message, describe_failure
from network.reach.ask_links import help_token
from network.settings import settings

log = logging.getLogger(__name__)


def mail_ask(ask: Ask, member: Member, alert: Alert) -> bool:
    """Mail the ask with its "I'll help" link; True when the mail went out."""
    site = settings().site_url.rstrip("/")
    host = urlsplit(site).hostname or "localhost"
    with force_locale(member.locale):
        context = {
            "member": member,
            "alert_name": _(
                "%(category)s on %(platform)s, severity %(n)s",
                category=category_label(alert.category),
                platform=platform_label(alert.platform),
                n=alert.severity,
            ),
            "minutes": settings().ask_minutes,
            "help_url": f"{site}/asks/help/{help_token(ask)}",
            "settings_url": f"{site}/profile/reach",
        }
        message = build_message(
            to=member.email,
            subject=_("You are asked to help with an alert"),
            text=render_template("email/ask.txt", **context),
            html=render_template("email/ask.html", **context),
            message_id=f"<ask-{ask.id}@{host}>",
        )
    try:
        with Mailer() as mailer:
            mailer.send(message)
    except Exception as error:  # the ask still waits in the feed
        log.warning("ask %s mail failed: %s", ask.id, describe_failure(error))
        return False
    return True
