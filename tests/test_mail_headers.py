"""No text a member wrote can add a header to a mail: every header value stays one line."""

from __future__ import annotations

from email import message_from_bytes, policy

import pytest
from flask import Flask
from hypothesis import given, settings
from hypothesis import strategies as st

from network.mail import build_message

BREAKS = ["\n", "\r", "\r\n", "\x0b", "\x0c", "\x1c", "\x85", "\u2028", "\u2029", "\t", "\x00"]


def sent(app: Flask, subject: str, header: str = "") -> object:
    with app.test_request_context():
        message = build_message(
            to="reader@example.org",
            subject=subject,
            text="Hello",
            html="<p>Hello</p>",
            message_id="<test@example.org>",
            headers={"List-Unsubscribe": f"<https://example.org/u/{header}>"},
        )
    return message_from_bytes(bytes(message), policy=policy.default)


@pytest.mark.parametrize("line_break", BREAKS)
def test_a_line_break_in_a_subject_is_folded_not_a_new_header(app: Flask, line_break: str) -> None:
    parsed = sent(app, f"Kind words{line_break}Bcc: everyone@example.org", line_break)
    assert parsed["Subject"] == "Kind words Bcc: everyone@example.org"  # type: ignore[index]
    assert parsed["Bcc"] is None  # type: ignore[index]


@settings(max_examples=100, deadline=None)
@given(st.text(max_size=80))
def test_any_subject_gives_one_subject_header(app: Flask, subject: str) -> None:
    if any(0xD800 <= ord(c) <= 0xDFFF for c in subject):
        subject = subject.encode("utf-16", "surrogatepass").decode("utf-16", "replace")
    parsed = sent(app, f"Digest: {subject}")
    assert len(parsed.get_all("Subject")) == 1  # type: ignore[attr-defined]
    assert set(parsed.keys()) <= {  # type: ignore[attr-defined]
        "From", "To", "Subject", "Date", "Message-ID", "List-Unsubscribe",
        "Content-Type", "MIME-Version",
    }  # fmt: skip
