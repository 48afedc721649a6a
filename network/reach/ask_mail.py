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
from network.mail import Mailer, Prepared, describe_failure, prepare
from network.reach.ask_links import help_token
from network.settings import settings

log = logging.getLogger(__name__)


def ask_message(ask: Ask, member: Member, alert: Alert) -> Prepared:
    """Write the ask's mail, with its "I'll help" link, in the member's language."""
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
        # Written straight to bytes: the email package's header parsing was most of an ask's
        # delivery (the message is the same, see tests/reach/test_ask_mail.py).
        return prepare(
            to=member.email,
            subject=_("You are asked to help with an alert"),
            text=render_template("email/ask.txt", **context),
            html=render_template("email/ask.html", **context),
            message_id=f"<ask-{ask.id}@{host}>",
        )


def mail_ask(ask: Ask, member: Member, alert: Alert, mailer: Mailer | None = None) -> bool:
    """Mail the ask (over `mailer`'s connection when given); True when the mail went out."""
    try:
        message = ask_message(ask, member, alert)
        if mailer is not None:
            mailer.send(message)
        else:
            with Mailer() as own:
                own.send(message)
    except Exception as error:  # the ask still waits in the feed
        log.warning("ask %s mail failed: %s", ask.id, describe_failure(error))
        return False
    return True
