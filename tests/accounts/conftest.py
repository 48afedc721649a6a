"""Fixtures for accounts: a real SMTP sink (aiosmtpd) and reading the links mails carry."""

from __future__ import annotations

import re
from email.message import EmailMessage

from tests.digests.conftest import Sink, mail_to, smtp_sink
from tests.harness import wait_until

__all__ = ["Sink", "mail_to", "smtp_sink"]


def body_of(message: EmailMessage) -> str:
    """Return the plain-text part of a message."""
    part = message.get_body(preferencelist=("plain",))
    assert part is not None
    return str(part.get_content())


def mails_to(sink: Sink, email: str, count: int = 1) -> list[EmailMessage]:
    """Wait until the address received `count` messages (sent in the background); return them."""
    return wait_until(
        lambda: len(sink.to(email)) >= count and sink.to(email),
        timeout=10,
        what=lambda: f"{count} mail(s) to {email}, got {sink.per_recipient()}",
    )


def link_in(message: EmailMessage, path: str) -> str:
    """Return the site path of the first link to `path` in the message (e.g. "/password/reset/")."""
    match = re.search(rf"http://localhost({re.escape(path)}[^\s\"<]+)", body_of(message))
    assert match, f"no {path} link in {body_of(message)!r}"
    return match.group(1)
