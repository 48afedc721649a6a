"""Outgoing mail: SMTP when configured, else a local outbox folder (the embedded mode)."""

from __future__ import annotations

import logging
import re
import secrets
import smtplib
import socket
from collections.abc import Callable, Generator, Iterable
from dataclasses import dataclass, replace
from email import policy
from email.generator import BytesGenerator
from email.headerregistry import Address
from email.message import EmailMessage
from email.utils import formatdate, getaddresses
from functools import lru_cache, partial
from io import BytesIO
from pathlib import Path
from types import TracebackType
from typing import cast

import sqlalchemy as sa

from network.settings import settings
from network.text import header_text

log = logging.getLogger(__name__)
NAMED_ADDRESS = re.compile(r"(.*?)\s*<([^<>]+)>")
# Long header lines (the unsubscribe link) must stay plain, not RFC 2047-encoded.
POLICY = policy.default.clone(max_line_length=998)
# What may go into a header as it is: printable ASCII (anything else is encoded by the policy).
PLAIN_HEADER = re.compile(r"[ -~]{0,900}")
# One bare address that needs no quoting, in a header or in SMTP: a dot-atom local part and a
# domain of letters, digits and hyphens. Parsed by the email package, it comes back unchanged,
# so it is used as it is (parsing costs more than the rest of building a message's headers).
ATOM = r"[A-Za-z0-9!#$%&'*+/=?^_`{|}~-]+"
PLAIN_ADDRESS = re.compile(rf"{ATOM}(?:\.{ATOM})*@[A-Za-z0-9-]+(?:\.[A-Za-z0-9-]+)*")


class UnverifiedRecipient(Exception):
    """Mail other than verification and password reset for an address not yet verified."""


def verified_address() -> sa.ColumnElement[bool]:
    """Return the condition a member must meet to receive mail other than account mail.

    Senders select their recipients with it (so they do no work for them); Mailer.send checks
    every message again, so no sender can mail an unverified address by forgetting it."""
    from network.accounts.models import Member  # members build on mail, not back

    return Member.email_verified_at.is_not(None)


def verified_among(addresses: Iterable[str]) -> set[str]:
    """Return which of these addresses a member has verified (lower case), in one query."""
    from network.accounts.models import Member
    from network.extensions import db

    wanted = {address.strip().lower() for address in addresses} - {""}
    if not wanted:
        return set()
    return {
        email.lower()
        for email in db.session.scalars(
            sa.select(Member.email).where(db.one_of(Member.email, wanted), verified_address())
        )
    }


@dataclass(frozen=True)
class Prepared:
    """A message encoded for the wire once: envelope, Message-ID and bytes (CRLF lines)."""

    sender: str
    to: str
    message_id: str
    data: bytes


@dataclass(frozen=True)
class Outgoing:
    """A message to stream: its envelope now, its content built when its turn comes.

    `begin`, when given, builds it in two parts: it does the first and returns the second.
    The stream runs the first while the caller's record of the message before is on its way
    and the second while the server answers that message's final dot (`Mailer.stream`)."""

    key: int
    sender: str
    to: str
    build: Callable[[], Prepared]
    begin: Callable[[], Callable[[], Prepared]] | None = None

    def started(self) -> Callable[[], Prepared | BaseException]:
        """Run the first part of the build; return the rest (which returns a failure of either
        part as that message's outcome, not the batch's)."""
        if self.begin is None:
            return partial(_build, self)
        try:
            rest = self.begin()
        except Exception as error:
            failure = error
            return lambda: failure
        return partial(_build, replace(self, build=rest))


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
    message = EmailMessage(policy=POLICY)
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


def prepare(
    *,
    to: str,
    subject: str,
    text: str,
    html: str,
    message_id: str,
    headers: dict[str, str] | None = None,
) -> Prepared:
    """Encode a text + HTML email straight to bytes, as build_message would, without its cost.

    The email package parses and refolds every header of every message (most of the time of a
    digest batch); here the headers are written as they are when they are plain ASCII on one
    line and only the others go through the policy. Bodies with very long lines take the slow
    path, whose encoding they need."""
    if PLAIN_ADDRESS.fullmatch(to):
        to_line = envelope_to = to  # one address, written as it is
    else:
        recipient = one_address(to)
        to_line, envelope_to = _header("To", str(recipient)), recipient.addr_spec
    fields = [
        ("From", _from_line(settings().mail_from)),
        ("To", to_line),
        ("Subject", _header("Subject", _one_line(subject))),
        ("Date", formatdate(localtime=False)),
        ("Message-ID", _header("Message-ID", _one_line(message_id))),
        *(
            (_one_line(name), _header(name, _one_line(value)))
            for name, value in (headers or {}).items()
        ),
    ]
    plain, markup = _body(text), _body(html)
    envelope_from = sender(settings().mail_from).addr_spec
    if plain is None or markup is None or not (envelope_from + envelope_to).isascii():
        return _prepared(
            build_message(
                to=to, subject=subject, text=text, html=html, message_id=message_id, headers=headers
            )
        )
    boundary = f"=_{secrets.token_hex(16)}"
    parts = [f"{name}: {value}" for name, value in fields]
    parts += [
        "MIME-Version: 1.0",
        f'Content-Type: multipart/alternative; boundary="{boundary}"',
        "",
    ]
    for subtype, (encoding, body) in (("plain", plain), ("html", markup)):
        parts += [
            f"--{boundary}",
            f'Content-Type: text/{subtype}; charset="utf-8"',
            f"Content-Transfer-Encoding: {encoding}",
            "",
            body,
        ]
    parts += [f"--{boundary}--", ""]
    return Prepared(
        envelope_from,
        envelope_to,
        header_text(message_id),
        "\r\n".join(parts).encode(),
    )


# Printable ASCII with single spaces inside and none around: header_text leaves it as it is.
ONE_LINE = re.compile(r"[!-~]+(?: [!-~]+)*")


def _one_line(value: str) -> str:
    """Return header_text(value), without its work when the value is already one plain line."""
    return value if ONE_LINE.fullmatch(value) else header_text(value)


def _header(name: str, value: str) -> str:
    """Return a header's value as it goes on the wire: plain ASCII as is, else encoded."""
    if PLAIN_HEADER.fullmatch(value):
        return value
    return POLICY.fold(name, value).partition(":")[2].strip()


@lru_cache(maxsize=8)
def _from_line(configured: str) -> str:
    message = EmailMessage(policy=POLICY)
    message["From"] = sender(configured)
    return POLICY.fold("From", message["From"]).partition(":")[2].strip()


def _body(content: str) -> tuple[str, str] | None:
    """Return the transfer encoding and CRLF text of a part, or None if it needs encoding."""
    lines = content.replace("\r\n", "\n").replace("\r", "\n").split("\n")
    if lines[-1] == "":
        lines.pop()
    plain_ascii = content.isascii()
    # Measured without a Python step per line: ASCII lines in characters, others in bytes.
    longest = max(map(len, lines if plain_ascii else map(str.encode, lines)), default=0)
    if longest > 998:
        return None
    # As the email package's default policy chooses: 7bit for ASCII, else 8bit.
    return ("7bit" if plain_ascii else "8bit"), "\r\n".join([*lines, ""])


# Every message of a batch names the same sender: parsing an address with the email package is
# dear, and an Address cannot change.
@lru_cache(maxsize=8)
def sender(configured: str) -> Address:
    """Return MAIL_FROM as one address, its display name folded and quoted as needed."""
    folded = header_text(configured)
    named = NAMED_ADDRESS.fullmatch(folded)
    name, address = (named[1].strip('"'), named[2]) if named else ("", folded)
    return Address(display_name=name, addr_spec=address.strip())


def envelope_address(to: str) -> str:
    """Return the address a message to `to` goes to; ValueError when `to` is not one address."""
    if PLAIN_ADDRESS.fullmatch(to):
        return to
    return str(one_address(to).addr_spec)


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
        # Addresses checked as verified by `vouch` for this batch (no query per message).
        self._verified: set[str] = set()

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
            except (smtplib.SMTPException, OSError):
                self._smtp.close()
            self._smtp = None

    def vouch(self, addresses: Iterable[str]) -> None:
        """Check a batch's recipients in one query; send() then needs none for them."""
        self._verified |= verified_among(addresses)

    def send(self, message: EmailMessage | Prepared, *, account_mail: bool = False) -> None:
        """Send one message; SMTP errors propagate so the caller can retry.

        Only account mail (email verification, password reset) may go to an address that no
        member has verified; anything else raises UnverifiedRecipient."""
        if not account_mail:
            self._check_verified(message.to if isinstance(message, Prepared) else message)
        if not self.host:
            self._write_to_outbox(message)
            return
        smtp = self._connection()
        try:
            if isinstance(message, Prepared):
                self._transmit(smtp, message)
            else:
                smtp.send_message(message)
        except Exception as error:
            if _lost(error):
                # Reconnect for the next message; close the dead socket rather than leak it.
                self._hang_up()
            raise

    def stream(
        self, outgoing: Iterable[Outgoing], settle: Callable[[], None] = lambda: None
    ) -> Generator[tuple[int, BaseException | None], None, None]:
        """Send many messages, one SMTP round trip each; yield each one's key and outcome.

        An outcome is None when the server accepted the message, else the error. The caller
        records an accepted message before it asks for the next outcome, or starts recording
        it and finishes in `settle`, which is called before anything that could make the
        server accept another message is written (a final dot), and raises when the record
        failed: so however the process dies, at most one message is accepted and not recorded.
        Between the two, the next message's first part is built (see `Outgoing.begin`).

        How a round trip per message is saved (RFC 2920 pipelining, when the server offers
        it): a message's content goes out without its final dot. When the caller asks for the
        next outcome, that dot (which makes the server accept the message) is written together
        with the next message's MAIL, RCPT and DATA (which make it accept nothing), and the
        next message is built while the server answers (with `begin`, only its second part:
        the first was built while the caller's record went out). The outcome is yielded once
        the reply is read; the next dot is written only when the caller asks again, after
        recording it.
        A message whose dot was never written is not delivered: when the caller stops early,
        the connection is closed without it.

        When the connection drops, the message whose dot was in flight fails (the server did
        not confirm it); the next one, whose commands went nowhere, goes over a new connection
        if the caller asks for more."""
        if not self.host:
            for message in outgoing:
                settle()
                try:
                    self._check_verified(message.to)
                    self._write_to_outbox(message.build())
                except Exception as error:
                    yield message.key, error
                else:
                    yield message.key, None
            return
        pending: Outgoing | None = None  # its content written, its final dot not yet
        finished = False
        try:
            for message in outgoing:
                if not message.to:
                    failure = _build(message)
                    if not isinstance(failure, BaseException):
                        failure = ValueError("a message without a recipient")
                    yield message.key, failure
                    continue
                try:
                    self._check_verified(message.to)
                except UnverifiedRecipient as error:
                    yield message.key, error
                    continue
                prepared: Prepared | BaseException | None = None
                rest: Callable[[], Prepared | BaseException] | None = None
                if pending is not None:
                    done, pending = pending, None
                    smtp = self._smtp
                    assert smtp is not None, "a pending message has its connection"
                    pipelined = smtp.has_extn("pipelining")
                    envelope = _envelope(message.sender, message.to) if pipelined else b""
                    outcome: BaseException | None
                    rest = message.started()
                    settle()  # the caller's record of the message before is in
                    try:
                        smtp.send(b".\r\n" + envelope)
                        prepared = rest()
                        outcome = _final_reply(smtp)
                    except (smtplib.SMTPServerDisconnected, OSError) as error:
                        self._hang_up()
                        outcome = error
                    if outcome is not None and _lost(outcome):
                        self._hang_up()
                    yield done.key, outcome
                    if pipelined and self._smtp is not None:
                        # The connection lives and holds this message's envelope.
                        try:
                            _envelope_replies(smtp, message.sender, message.to)
                            if isinstance(prepared, BaseException):
                                raise prepared
                            smtp.send(_content(cast(Prepared, prepared)))
                        except Exception as error:
                            if _lost(error) or error is prepared:
                                # Past DATA, only hanging up keeps the server from accepting.
                                self._hang_up()
                            yield message.key, error
                            continue
                        pending = message
                        continue
                # A new connection, or a server without pipelining: the envelope on its own.
                if prepared is None:
                    prepared = rest() if rest is not None else _build(message)
                if isinstance(prepared, BaseException):
                    yield message.key, prepared
                    continue
                try:
                    smtp = self._connection()
                    if smtp.has_extn("pipelining"):
                        smtp.send(_envelope(message.sender, message.to))
                        _envelope_replies(smtp, message.sender, message.to)
                    else:
                        _envelope_one_by_one(smtp, prepared)
                    smtp.send(_content(prepared))
                except Exception as error:
                    if _lost(error):
                        self._hang_up()
                    yield message.key, error
                    continue
                pending = message
            if pending is not None:
                done, pending = pending, None
                smtp = self._smtp
                assert smtp is not None, "a pending message has its connection"
                last: BaseException | None
                settle()
                try:
                    smtp.send(b".\r\n")
                    last = _final_reply(smtp)
                except (smtplib.SMTPServerDisconnected, OSError) as error:
                    last = error
                if last is not None and _lost(last):
                    self._hang_up()
                yield done.key, last
            finished = True
        finally:
            if not finished:
                # Stopped midway, maybe with a message's content written but not its dot:
                # hang up, so the server drops it (a QUIT now would be more of its content).
                self._hang_up()

    def _hang_up(self) -> None:
        if self._smtp is not None:
            self._smtp.close()
            self._smtp = None

    def _connection(self) -> smtplib.SMTP:
        if self._smtp is None:
            smtp = smtplib.SMTP(str(self.host), self.port, timeout=30)
            if self.starttls:
                smtp.starttls()
            if self.user and self.password:
                smtp.login(self.user, self.password)
            smtp.ehlo_or_helo_if_needed()
            if smtp.sock is not None:
                # Commands are written whole: send each at once, without Nagle's wait.
                smtp.sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
            self._smtp = smtp
        return self._smtp

    @staticmethod
    def _transmit(smtp: smtplib.SMTP, message: Prepared) -> None:
        """One SMTP transaction (MAIL, RCPT, DATA) for one message."""
        if smtp.has_extn("pipelining"):
            smtp.send(_envelope(message.sender, message.to))
            _envelope_replies(smtp, message.sender, message.to)
        else:
            _envelope_one_by_one(smtp, message)
        # One write: a second small one would wait for the server's delayed ACK (Nagle).
        smtp.send(_content(message) + b".\r\n")
        outcome = _final_reply(smtp)
        if outcome is not None:
            raise outcome

    def _check_verified(self, message: EmailMessage | str) -> None:
        if isinstance(message, str):
            addresses = {message.strip().lower()}
        else:
            addresses = {
                address.strip().lower() for _n, address in getaddresses([str(message["To"])])
            }
        addresses.discard("")
        if not addresses:
            raise UnverifiedRecipient("recipient address not verified")
        if addresses <= self._verified:
            return
        if addresses - verified_among(addresses):
            raise UnverifiedRecipient("recipient address not verified")

    def _write_to_outbox(self, message: EmailMessage | Prepared) -> None:
        self.outbox.mkdir(parents=True, exist_ok=True)
        message_id = str(
            message.message_id if isinstance(message, Prepared) else message["Message-ID"]
        )
        name = re.sub(r"[^A-Za-z0-9.-]+", "_", message_id.strip("<>"))
        path = self.outbox / f"{name}.eml"
        path.write_bytes(message.data if isinstance(message, Prepared) else bytes(message))
        log.info("mail %s written to %s", message_id, path)


def _envelope(sender: str, to: str) -> bytes:
    """MAIL, RCPT and DATA as one write (RFC 2920), for a server that offers PIPELINING."""
    international = not (sender + to).isascii()
    commands = (
        f"MAIL FROM:{_angled(sender)}{' SMTPUTF8' if international else ''}\r\n"
        f"RCPT TO:{_angled(to)}\r\nDATA\r\n"
    )
    return commands.encode("utf-8" if international else "ascii")


def _angled(address: str) -> str:
    """Return an address as SMTP commands carry it (smtplib.quoteaddr, without parsing it)."""
    return f"<{address}>" if PLAIN_ADDRESS.fullmatch(address) else smtplib.quoteaddr(address)


def _envelope_replies(smtp: smtplib.SMTP, sender: str, to: str) -> None:
    """Read the replies to a pipelined envelope; raise when the message may not follow."""
    (mail, mail_reply), (rcpt, rcpt_reply), (data, data_reply) = (
        smtp.getreply(),
        smtp.getreply(),
        smtp.getreply(),
    )
    if mail == 250 and rcpt in (250, 251) and data == 354:
        return
    if data == 354:
        # A server that took DATA without a recipient: end the empty message, which goes nowhere.
        smtp.send(b".\r\n")
        smtp.getreply()
    smtp.rset()
    if mail != 250:
        raise smtplib.SMTPSenderRefused(mail, mail_reply, sender)
    if rcpt not in (250, 251):
        raise smtplib.SMTPRecipientsRefused({to: (rcpt, rcpt_reply)})
    raise smtplib.SMTPDataError(data, data_reply)


def _envelope_one_by_one(smtp: smtplib.SMTP, message: Prepared) -> None:
    """MAIL, RCPT and DATA, each waiting for its reply (a server without PIPELINING)."""
    international = not (message.sender + message.to).isascii()
    code, reply = smtp.mail(message.sender, ["SMTPUTF8"] if international else [])
    if code != 250:
        smtp.rset()
        raise smtplib.SMTPSenderRefused(code, reply, message.sender)
    code, reply = smtp.rcpt(message.to)
    if code not in (250, 251):
        smtp.rset()
        raise smtplib.SMTPRecipientsRefused({message.to: (code, reply)})
    smtp.putcmd("data")
    code, reply = smtp.getreply()
    if code != 354:
        smtp.rset()
        raise smtplib.SMTPDataError(code, reply)


def _content(message: Prepared) -> bytes:
    """Return the message as DATA carries it, up to (not including) the final dot."""
    data = dot_stuffed(message.data)
    return data if data.endswith(b"\r\n") else data + b"\r\n"


def dot_stuffed(data: bytes) -> bytes:
    """Double the dot that starts a line (RFC 5321, 4.5.2), so no line of the content reads as
    the end of DATA. What smtplib does with a multi-line regular expression, as two plain
    replacements: six to ten times faster (a 4 KB digest ~6 against ~40 µs), which a batch pays
    per message."""
    if data.startswith(b"."):
        data = b"." + data
    return data.replace(b"\n.", b"\n..")


def _final_reply(smtp: smtplib.SMTP) -> smtplib.SMTPDataError | None:
    """Read the reply to a message's final dot: None when the server accepted it."""
    code, reply = smtp.getreply()
    if code == 250:
        return None
    if code == 421:
        smtp.close()
    return smtplib.SMTPDataError(code, reply)


def _lost(error: BaseException) -> bool:
    """Tell whether an error left the connection unusable (closed, or mid-transaction)."""
    if isinstance(error, smtplib.SMTPResponseException):
        return error.smtp_code == 421
    return isinstance(error, smtplib.SMTPServerDisconnected | OSError)


def _build(message: Outgoing) -> Prepared | BaseException:
    """Build a message; a failure is that message's outcome, not the batch's."""
    try:
        prepared = message.build()
    except Exception as error:
        return error
    if (prepared.sender, prepared.to) != (message.sender, message.to):
        return ValueError("the message was built for another envelope")
    return prepared


def _prepared(message: EmailMessage) -> Prepared:
    envelope = (sender(settings().mail_from).addr_spec, str(message["To"]))
    output = BytesIO()
    # Internationalised addresses go out as UTF-8 (SMTPUTF8), as send_message would send them.
    wire = POLICY.clone(linesep="\r\n", utf8=not "".join(envelope).isascii())
    BytesGenerator(output, policy=wire).flatten(message)
    return Prepared(*envelope, str(message["Message-ID"]), output.getvalue())


def describe_failure(error: BaseException) -> str:
    """Describe a sending failure without the addresses SMTP errors quote."""
    code = getattr(error, "smtp_code", None)
    return f"{type(error).__name__} {code}" if code else type(error).__name__
