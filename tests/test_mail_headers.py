"""No text reaches a mail header unfolded: a line break in a subject, a sender's name or any
header value never adds a header or a recipient, over real SMTP (aiosmtpd)."""

from __future__ import annotations

import threading
from collections.abc import Iterator
from email import message_from_bytes, policy
from email.message import EmailMessage
from typing import Any

import pytest
from aiosmtpd.controller import Controller
from flask import Flask
from hypothesis import given, settings
from hypothesis import strategies as st

from network.mail import Mailer, build_message, one_address
from network.text import BIDI_CONTROL, CONTROL, LINE_BREAK, header_text
from tests.harness import free_port
from tests.world import change_settings

# Every character some mail software or Python reads as the end of a line.
BREAKS = ["\r\n", "\n", "\r", "\x0b", "\x0c", "\x1c", "\x1d", "\x1e", "\x85", "\u2028", "\u2029"]
VICTIM = "victim@example.org"
STANDARD = {"From", "To", "Subject", "Date", "Message-ID", "MIME-Version", "Content-Type"}


class Recorder:
    """An SMTP server that keeps each message with its envelope recipients."""

    def __init__(self) -> None:
        self.received: list[tuple[list[str], EmailMessage]] = []
        self.lock = threading.Lock()

    async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:
        message = message_from_bytes(envelope.content, policy=policy.default)
        assert isinstance(message, EmailMessage)
        with self.lock:
            self.received.append((list(envelope.rcpt_tos), message))
        return "250 2.0.0 Accepted"


@pytest.fixture
def recorder(app: Flask, monkeypatch: pytest.MonkeyPatch) -> Iterator[Recorder]:
    handler = Recorder()
    port = free_port()
    controller = Controller(handler, hostname="127.0.0.1", port=port)
    controller.start()
    change_settings(monkeypatch, app, smtp_host="127.0.0.1")
    change_settings(monkeypatch, app, smtp_port=port)
    yield handler
    controller.stop()


def send(app: Flask, **fields: Any) -> None:
    with app.app_context(), Mailer() as mailer:
        mailer.send(
            build_message(
                to=fields.get("to", "member@example.org"),
                subject=fields.get("subject", "Hello"),
                text="Body",
                html="<p>Body</p>",
                message_id=fields.get("message_id", "<one@localhost>"),
                headers=fields.get("headers"),
            ),
            # No member holds the address: this is about headers, not about who may get mail.
            account_mail=True,
        )


@pytest.mark.parametrize("brk", BREAKS, ids=[repr(b) for b in BREAKS])
def test_a_line_break_in_any_header_text_never_adds_a_header_or_a_recipient(
    app: Flask, recorder: Recorder, monkeypatch: pytest.MonkeyPatch, brk: str
) -> None:
    injected = f"Bcc: {VICTIM}"
    change_settings(monkeypatch, app, mail_from=f"Upstander{brk}{injected} <noreply@localhost>")
    send(
        app,
        subject=f"New campaign: Kindness week{brk}{injected}",
        headers={"List-Unsubscribe": f"<https://example.org/u>{brk}{injected}"},
    )

    [(recipients, message)] = recorder.received
    assert recipients == ["member@example.org"]
    assert set(message.keys()) == STANDARD | {"List-Unsubscribe"}
    assert message["Subject"] == f"New campaign: Kindness week {injected}"
    assert message["From"].addresses[0].addr_spec == "noreply@localhost"
    assert VICTIM not in str(message["To"])


@pytest.mark.parametrize(
    "to",
    [
        f"member@example.org, {VICTIM}",
        f"member@example.org\r\nBcc: {VICTIM}",
        f"Member <member@example.org>; {VICTIM}",
        "",
    ],
)
def test_a_recipient_is_one_address_or_refused(app: Flask, to: str) -> None:
    with app.app_context(), pytest.raises(ValueError):
        one_address(to)


def test_a_display_name_with_commas_and_quotes_stays_one_name(app: Flask) -> None:
    address = one_address("member@example.org", display_name='Ann, "the" Upstander\nBcc: x@y.z')
    assert address.addr_spec == "member@example.org"
    assert address.display_name == 'Ann, "the" Upstander Bcc: x@y.z'


@settings(max_examples=300, deadline=None)
@given(st.text())
def test_header_text_is_always_one_clean_line(text: str) -> None:
    folded = header_text(text)
    assert not LINE_BREAK.search(folded)
    assert not CONTROL.search(folded)
    assert not BIDI_CONTROL.search(folded)
    assert "\n" not in folded and folded == folded.strip()
    folded.encode("utf-8")  # lone surrogates were replaced: this does not raise


@settings(max_examples=100, deadline=None)
@given(subject=st.text(min_size=1))
def test_any_subject_builds_a_message_with_only_its_own_headers(app: Flask, subject: str) -> None:
    with app.app_context():
        message = build_message(
            to="member@example.org", subject=subject, text="t", html="<p>t</p>", message_id="<x@y>"
        )
    parsed = message_from_bytes(bytes(message), policy=policy.default)
    assert set(parsed.keys()) == STANDARD
