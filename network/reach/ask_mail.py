"""A personal ask by email, for members without push (they can switch it off)."""

from __future__ import annotations

import logging
from typing import Any
from urllib.parse import urlsplit

from flask import current_app, g
from flask_babel import force_locale

from network.accounts.models import Member
from network.alerts.guide import category_label, platform_label
from network.alerts.models import Alert
from network.coordination.models import Ask
from network.i18n import Language
from network.mail import Mailer, Prepared, describe_failure, prepare
from network.reach.ask_links import help_token
from network.settings import settings

log = logging.getLogger(__name__)


def ask_context(ask: Ask, member: Member, alert: Alert, language: Language) -> dict[str, Any]:
    """Return what the ask mail's templates show, worded in `language` (the member's)."""
    site = settings().site_url.rstrip("/")
    with force_locale(member.locale):
        category, platform = category_label(alert.category), platform_label(alert.platform)
    return {
        "member": member,
        "alert_name": language.gettext(
            "%(category)s on %(platform)s, severity %(n)s",
            category=category,
            platform=platform,
            n=alert.severity,
        ),
        "minutes": settings().ask_minutes,
        "help_url": f"{site}/asks/help/{help_token(ask)}",
        "settings_url": f"{site}/profile/reach",
    }


def ask_message(ask: Ask, member: Member, alert: Alert) -> Prepared:
    """Write the ask's mail, with its "I'll help" link, in the member's language."""
    language, callables = _language(member.locale)
    context = ask_context(ask, member, alert, language)
    templates = current_app.jinja_env
    host = urlsplit(settings().site_url).hostname or "localhost"
    # Written straight to bytes, and rendered without Flask-Babel finding the language again
    # at every `_`: the email package's header parsing and those lookups were most of an ask's
    # delivery (the message is the same, see tests/reach/test_ask_mail.py).
    return prepare(
        to=member.email,
        subject=language.gettext("You are asked to help with an alert"),
        text=templates.get_template("email/ask.txt").render(context, **callables),
        html=templates.get_template("email/ask.html").render(context, **callables),
        message_id=f"<ask-{ask.id}@{host}>",
    )


def _language(locale: str) -> tuple[Language, dict[str, Any]]:
    # Looked up once per job: `g` lives as long as the task's app context.
    known: dict[str, tuple[Language, dict[str, Any]]] = g.setdefault("ask_mail_languages", {})
    if locale not in known:
        language = Language.of(locale)
        known[locale] = (language, language.template_callables())
    return known[locale]


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
