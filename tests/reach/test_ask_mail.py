"""A member without push gets a personal ask by email: its "I'll help" link works once, and
expires with the ask."""

from __future__ import annotations

import re
from collections.abc import Callable
from datetime import timedelta
from typing import Any

import pytest
import sqlalchemy as sa
from flask import Flask
from flask.testing import FlaskClient

from network.coordination.models import Ask, AskAnswer, AskChannel
from network.db import utcnow
from network.extensions import db
from network.tasks.coordination import expire_asks
from network.tasks.reach import deliver_ask
from tests.conftest import run_job
from tests.digests.conftest import Sink
from tests.world import change_settings

Api = Callable[..., Any]
LINK = re.compile(r"http://localhost(/asks/help/\S+)")


def ask_of(app: Flask, member: Any) -> Ask:
    with app.app_context():
        [ask] = db.session.scalars(sa.select(Ask).where(Ask.member_id == member.id)).all()
        return ask


def mailed_link(sink: Sink, member: Any) -> str:
    [message] = sink.to(member.email)
    body = message.get_body(preferencelist=("plain",))
    assert body is not None
    match = LINK.search(body.get_content())
    assert match, body.get_content()
    return match.group(1)


def test_the_emailed_link_accepts_the_ask_once_and_opens_the_alert(
    app: Flask,
    client: FlaskClient,
    create_member: Any,
    post_alert: Api,
    smtp_sink: Callable[..., Sink],
    mail_to: Callable[[Sink], None],
    log_in: Any,
) -> None:
    sink = smtp_sink()
    mail_to(sink)
    volunteer, reporter = create_member(trust_level=2), create_member(trust_level=1)
    summary = "Dozens of comments mocking a girl for her religion."
    # The asks job asks and delivers: no push here, so by email.
    alert = post_alert(reporter, severity=2, summary=summary, language="en").get_json()

    [message] = sink.to(volunteer.email)
    assert message["Subject"] == "You are asked to help with an alert"
    assert summary not in message.as_string()
    link = mailed_link(sink, volunteer)
    delivered = ask_of(app, volunteer)
    assert delivered.channel == AskChannel.EMAIL and delivered.delivered_at is not None

    # Logged out, the link asks to log in first and is not used up.
    assert "/login" in client.get(link).headers["Location"]
    log_in(volunteer)
    opened = client.get(link)
    assert opened.status_code == 302
    assert opened.headers["Location"].endswith(f"/alerts/{alert['id']}")
    assert ask_of(app, volunteer).answer == AskAnswer.ACCEPTED

    again = client.get(link)
    assert again.status_code == 410
    assert "expired or was used already" in again.get_data(as_text=True)


def test_the_link_expires_with_the_ask_and_works_only_for_its_member(
    app: Flask,
    client: FlaskClient,
    create_member: Any,
    post_alert: Api,
    smtp_sink: Callable[..., Sink],
    mail_to: Callable[[Sink], None],
    log_in: Any,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    sink = smtp_sink()
    mail_to(sink)
    change_settings(monkeypatch, app, asks_per_alert=1)
    volunteer, other = create_member(trust_level=2), create_member(trust_level=2)
    post_alert(create_member(trust_level=1), language="en")
    ask = ask_of(app, volunteer)
    link = mailed_link(sink, volunteer)

    log_in(other)
    assert client.get(link).status_code == 404

    with app.app_context():
        stored = db.session.get(Ask, ask.id)
        assert stored is not None
        stored.expires_at = utcnow() - timedelta(minutes=1)
        db.session.commit()
        expire_asks()
    log_in(volunteer)
    assert client.get(link).status_code == 410
    assert ask_of(app, volunteer).answer == AskAnswer.EXPIRED


def test_members_who_switched_ask_mail_off_find_the_ask_in_the_feed(
    app: Flask,
    api_as: Api,
    create_member: Any,
    post_alert: Api,
    smtp_sink: Callable[..., Sink],
    mail_to: Callable[[Sink], None],
) -> None:
    sink = smtp_sink()
    mail_to(sink)
    volunteer = create_member(trust_level=2)
    api_as(volunteer, "PATCH", "/api/v1/me/reach-settings", json={"ask_mail": False})
    post_alert(create_member(trust_level=1), language="en")
    ask = ask_of(app, volunteer)
    assert ask.channel == AskChannel.FEED and ask.delivered_at is not None
    assert sink.to(volunteer.email) == []


def test_unverified_members_get_no_ask_by_mail(
    app: Flask,
    create_member: Any,
    post_alert: Api,
    smtp_sink: Callable[..., Sink],
    mail_to: Callable[[Sink], None],
) -> None:
    sink = smtp_sink()
    mail_to(sink)
    volunteer = create_member(trust_level=2, verified=False)
    post_alert(create_member(trust_level=1), language="en")
    ask = ask_of(app, volunteer)
    assert ask.channel == AskChannel.FEED and ask.delivered_at is not None
    assert sink.per_recipient() == {}


def test_an_ask_made_after_a_decline_is_mailed_by_its_own_delivery_job(
    app: Flask,
    api_as: Api,
    create_member: Any,
    post_alert: Api,
    smtp_sink: Callable[..., Sink],
    mail_to: Callable[[Sink], None],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    sink = smtp_sink()
    mail_to(sink)
    change_settings(monkeypatch, app, asks_per_alert=1)
    first, second = create_member(trust_level=2), create_member(trust_level=2)
    post_alert(create_member(trust_level=1), language="en")
    asked = ask_of(app, first)
    assert asked.channel == AskChannel.EMAIL and len(sink.to(first.email)) == 1

    declined = api_as(first, "POST", f"/api/v1/asks/{asked.id}/decline")
    assert declined.status_code == 200, declined.get_data(as_text=True)
    ask = ask_of(app, second)
    assert ask.delivered_at is None, "the decline queues a delivery job for the next ask"
    assert run_job(deliver_ask, ask.id) == "email"
    assert run_job(deliver_ask, ask.id) == "none", "delivered once however often it runs"
    assert len(sink.to(second.email)) == 1
    assert ask_of(app, second).channel == AskChannel.EMAIL


@pytest.mark.parametrize("locale", ["en", "nl"])
def test_the_ask_mail_is_the_message_the_email_package_would_build(
    app: Flask, create_member: Any, post_alert: Api, locale: str
) -> None:
    from flask import render_template
    from flask_babel import force_locale
    from flask_babel import gettext as _

    from network.accounts.models import Member
    from network.alerts.models import Alert
    from network.i18n import Language
    from network.mail import _prepared, build_message
    from network.reach.ask_mail import ask_context, ask_message

    volunteer = create_member(trust_level=2, locale=locale, display_name='Zoë "Z" de Vries')
    post_alert(create_member(trust_level=1), language=locale)
    with app.test_request_context():
        ask = db.session.scalars(sa.select(Ask).where(Ask.member_id == volunteer.id)).one()
        member, alert = db.session.get(Member, ask.member_id), db.session.get(Alert, ask.alert_id)
        assert member is not None and alert is not None
        new = ask_message(ask, member, alert)
        # What mail_ask built before: Flask's render_template and Flask-Babel's `_` in the
        # member's language, then the email package.
        with force_locale(locale):
            context = ask_context(ask, member, alert, Language.of(locale))
            old = _prepared(
                build_message(
                    to=member.email,
                    subject=_("You are asked to help with an alert"),
                    text=render_template("email/ask.txt", **context),
                    html=render_template("email/ask.html", **context),
                    message_id=f"<ask-{ask.id}@localhost>",
                )
            )
    assert (new.sender, new.to, new.message_id) == (old.sender, old.to, old.message_id)
    if locale == "nl":
        assert b"Subject: Je wordt gevraagd te helpen bij een melding" in new.data
    # The email package also repeats MIME-Version in the part add_alternative makes, where it
    # means nothing (RFC 2045 section 4: the top level only); digests go without it too.
    assert normalised(new.data) == normalised(old.data).replace(
        b"Content-Transfer-Encoding: 8bit\r\nMIME-Version: 1.0\r\n",
        b"Content-Transfer-Encoding: 8bit\r\n",
    )


def normalised(data: bytes) -> bytes:
    """Return the message without what differs between two builds: its boundary and date."""
    boundary = re.search(rb'boundary="([^"]+)"', data)
    assert boundary is not None
    data = data.replace(boundary.group(1), b"BOUNDARY")
    return re.sub(rb"\r\nDate: [^\r]+\r\n", b"\r\nDate: DATE\r\n", data)
