"""Account mail: address verification, password reset, and the notice about a sign-up attempt."""

from __future__ import annotations

import logging
import secrets
import threading
from email.message import EmailMessage
from typing import Any
from urllib.parse import urlsplit

from flask import Flask, current_app, render_template
from flask_babel import force_locale

from network.mail import Mailer, build_message, describe_failure
from network.settings import settings
from network.translation import lazy_gettext as _l

log = logging.getLogger(__name__)

SUBJECTS = {
    "verify": _l("Confirm your email address"),
    "change": _l("Confirm your new email address"),
    "reset": _l("Reset your password"),
    "taken": _l("Someone tried to use your email address"),
    "moving": _l("Your email address is about to change"),
    "moved": _l("Your email address has changed"),
}


def _site() -> str:
    return settings().site_url


def _compose(kind: str, *, to: str, locale: str, **context: Any) -> EmailMessage:
    host = urlsplit(_site()).hostname or "localhost"
    with force_locale(locale):
        context = {"site": _site(), **context}
        return build_message(
            to=to,
            subject=str(SUBJECTS[kind]),
            text=render_template(f"email/account_{kind}.txt", **context),
            html=render_template(f"email/account_{kind}.html", **context),
            # Random, so the message reveals nothing about the account (not even its id).
            message_id=f"<account-{kind}-{secrets.token_hex(12)}@{host}>",
            headers={"Auto-Submitted": "auto-generated"},
        )


def verification_message(*, to: str, locale: str, name: str, token: str) -> EmailMessage:
    """Build the mail with the link that confirms the address."""
    return _compose(
        "verify",
        to=to,
        locale=locale,
        name=name,
        url=f"{_site()}/verify-email/{token}",
    )


def email_change_message(*, to: str, locale: str, name: str, token: str) -> EmailMessage:
    """Build the mail, sent to a new address, with the link that makes it the member's address."""
    return _compose(
        "change",
        to=to,
        locale=locale,
        name=name,
        url=f"{_site()}/profile/email/{token}",
    )


def reset_message(*, to: str, locale: str, name: str, token: str) -> EmailMessage:
    """Build the mail with the link that sets a new password."""
    max_age = settings().password_reset_max_age
    return _compose(
        "reset",
        to=to,
        locale=locale,
        name=name,
        url=f"{_site()}/password/reset/{token}",
        minutes=max(1, max_age // 60),
    )


def address_taken_message(*, to: str, locale: str, name: str, token: str) -> EmailMessage:
    """Build the mail telling an address's owner that someone tried to sign up with it.

    It carries a password-reset link, so it is password-reset mail: it may go to an address
    that was never verified (the owner may be the one who forgot they joined)."""
    max_age = settings().password_reset_max_age
    return _compose(
        "taken",
        to=to,
        locale=locale,
        name=name,
        login_url=f"{_site()}/login",
        reset_url=f"{_site()}/password/reset/{token}",
        minutes=max(1, max_age // 60),
    )


def address_moving_message(*, to: str, locale: str, name: str, token: str) -> EmailMessage:
    """Build the mail telling the current address that a change to another one was asked for.

    It carries a password-reset link (whoever asked knew the password), so it is account mail."""
    max_age = settings().password_reset_max_age
    return _compose(
        "moving",
        to=to,
        locale=locale,
        name=name,
        reset_url=f"{_site()}/password/reset/{token}",
        minutes=max(1, max_age // 60),
    )


def address_moved_message(*, to: str, locale: str, name: str) -> EmailMessage:
    """Build the mail telling the old address that the account now uses another one."""
    return _compose("moved", to=to, locale=locale, name=name)


def _send(app: Flask, message: EmailMessage) -> None:
    with app.app_context():
        try:
            with Mailer() as mailer:
                mailer.send(message, account_mail=True)
        except Exception as error:  # the member can ask again; the address stays out of logs
            log.warning(
                "account mail %s failed: %s", message["Message-ID"], describe_failure(error)
            )


def deliver(message: EmailMessage) -> None:
    """Send account mail in the background, so the answer does not wait for (or reveal) SMTP."""
    app = current_app._get_current_object()  # type: ignore[attr-defined]
    threading.Thread(target=_send, args=(app, message), name="account-mail", daemon=True).start()
