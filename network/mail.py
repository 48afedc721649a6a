"""Outgoing mail: SMTP when configured, else a local outbox folder (the embedded mode)."""

from __future__ import annotations

import logging
import re
import smtplib
from email import policy
from email.headerregistry import Address
from email.message import EmailMessage
from email.utils import formatdate, getaddresses
from pathlib import Path
from types import TracebackType

import sqlalchemy as sa

from network.settings import settings
from network.text import header_text

log = logging.getLogger(__name__)
NAMED_ADDRESS = re.compile(r"(.*?)\s*<([^<>]+)>")


class UnverifiedRecipient(Exception):
    """Mail other than verification and password reset for an address not yet verified."""


def verified_address() -> sa.ColumnElement[bool]:
    """Return the condition a member must meet to receive mail other than account mail.

    Senders select their recipients with it (so they do no work for them); Mailer.send checks
    every message again, so no sender can mail an unverified address by forgetting it."""
    from network.accounts.models import Member  # members build on mail, not back

    return Member.email_verified_at.is_not(None)


def _check_verified(message: EmailMessage) -> None:
    from network.accounts.models import Member
    from network.extensions import db

    addresses = {address.strip().lower() for _name, address in getaddresses([str(message["To"])])}
    addresses.discard("")
    verified = set(
        db.session.scalars(
            sa.select(Member.email).where(Member.email.in_(addresses), verified_address())
        )
    )
    if not addresses or addresses - verified:
        raise UnverifiedRecipient("recipient address not verified")


def build_message(
    *,
    to: str,
    subject: str,
    text: str,
    html: str,
    message_id: str,
    headers: dict[str, str] | None = None,
) -> EmailMessage:
    """Build a text + HTML email; every header is folded onto one line here, whatever it holds."""
    # Long header lines (the unsubscribe link) must stay plain, not RFC 2047-encoded.
    message = EmailMessage(policy=policy.default.clone(max_line_length=998))
    message["From"] = sender(settings().mail_from)
    message["To"] = one_address(to)
    message["Subject"] = header_text(subject)
    message["Date"] = formatdate(localtime=False)
    message["Message-ID"] = header_text(message_id)
    for name, value in (headers or {}).items():
        message[header_text(name)] = header_text(value)
    message.set_content(text)
    message.add_alternative(html, subtype="html")
    return message


def sender(configured: str) -> Address:
    """Return MAIL_FROM as one address, its display name folded and quoted as needed."""
    folded = header_text(configured)
    named = NAMED_ADDRESS.fullmatch(folded)
    name, address = (named[1].strip('"'), named[2]) if named else ("", folded)
    return Address(display_name=name, addr_spec=address.strip())


def one_address(to: str, display_name: str = "") -> Address:
    """Return a single recipient address; anything that would name several is refused."""
    addressed = header_text(to)
    if not addressed or any(mark in addressed for mark in ',;<>"()'):
        raise ValueError("a recipient is one bare address")
    return Address(display_name=header_text(display_name), addr_spec=addressed)


def unreachable(error: BaseException) -> bool:
    """Tell whether an error means no SMTP server to talk to, rather than one refused message."""
    if isinstance(error, smtplib.SMTPConnectError | smtplib.SMTPServerDisconnected):
        return True
    if isinstance(error, smtplib.SMTPResponseException | smtplib.SMTPRecipientsRefused):
        return False
    return isinstance(error, OSError)


class Mailer:
    """Send several messages over one SMTP connection (or into the outbox folder)."""

    def __init__(self) -> None:
        self.host = settings().smtp_host
        self.port = settings().smtp_port
        self.user = settings().smtp_user
        self.password = settings().smtp_password
        self.starttls = settings().smtp_starttls
        self.outbox = Path(settings().mail_outbox)
        self._smtp: smtplib.SMTP | None = None

    def __enter__(self) -> Mailer:
        return self

    def __exit__(
        self,
        kind: type[BaseException] | None,
        error: BaseException | None,
        trace: TracebackType | None,
    ) -> None:
        if self._smtp is not None:
            try:
                self._smtp.quit()
            except smtplib.SMTPException:
                self._smtp.close()
            self._smtp = None

    def send(self, message: EmailMessage, *, account_mail: bool = False) -> None:
        """Send one message; SMTP errors propagate so the caller can retry.

        Only account mail (email verification, password reset) may go to an address that no
        member has verified; anything else raises UnverifiedRecipient."""
        if not account_mail:
            _check_verified(message)
        if not self.host:
            self._write_to_outbox(message)
            return
        if self._smtp is None:
            smtp = smtplib.SMTP(self.host, self.port, timeout=30)
            if self.starttls:
                smtp.starttls()
            if self.user and self.password:
                smtp.login(self.user, self.password)
            self._smtp = smtp
        try:
            self._smtp.send_message(message)
        except smtplib.SMTPServerDisconnected:
            # Reconnect for the next message; close the dead socket rather than leak it.
            self._smtp.close()
            self._smtp = None
            raise

    def _write_to_outbox(self, message: EmailMessage) -> None:
        self.outbox.mkdir(parents=True, exist_ok=True)
        name = re.sub(r"[^A-Za-z0-9.-]+", "_", str(message["Message-ID"]).strip("<>"))
        path = self.outbox / f"{name}.eml"
        path.write_bytes(bytes(message))
        log.info("mail %s written to %s", message["Message-ID"], path)


def describe_failure(error: BaseException) -> str:
    """Describe a sending failure without the addresses SMTP errors quote."""
    code = getattr(error, "smtp_code", None)
    return f"{type(error).__name__} {code}" if code else type(error).__name__
