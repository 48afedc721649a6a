"""Sign-up tells nobody whether an address is registered; the address's owner is told by email."""

from __future__ import annotations

import re
from typing import Any

import pytest
import sqlalchemy as sa
from flask import Flask
from flask.testing import FlaskClient

from network.accounts.models import Member
from network.extensions import db
from tests.accounts.conftest import body_of, link_in, mails_to
from tests.conftest import csrf_token_from

PASSWORD = "stand up for each other"


def session_of(app: Flask, browser: FlaskClient) -> dict[str, Any]:
    """Decode the browser's session cookie (signed, not encrypted: a probe can read it too)."""
    cookie = browser.get_cookie(app.config["SESSION_COOKIE_NAME"])
    if cookie is None:
        return {}
    serializer = app.session_interface.get_signing_serializer(app)  # type: ignore[attr-defined]
    data = dict(serializer.loads(cookie.value))
    data.pop("csrf_token", None)  # random per browser
    return data


def page_probe(app: Flask, email: str, ip: str) -> tuple[Any, ...]:
    """Join through the form as a probe would, and return everything it could compare."""
    browser = app.test_client()
    browser.environ_base["REMOTE_ADDR"] = ip
    token = csrf_token_from(browser.get("/join").get_data(as_text=True))
    answer = browser.post(
        "/join",
        data={
            "csrf_token": token,
            "email": email,
            "password": PASSWORD,
            "display_name": "Probe",
            "locale": "en",
            "time_zone": "Europe/Amsterdam",
            "pledge_accepted": "y",
        },
    )
    landing = browser.get(answer.headers.get("Location", "/join"))
    body = re.sub(r'nonce="[^"]*"', "", landing.get_data(as_text=True))
    body = re.sub(r'(name="csrf_token"[^>]*value=")[^"]*"', "", body)
    profile = browser.get("/profile")
    return (
        answer.status_code,
        answer.headers.get("Location"),
        sorted(answer.headers.keys()),
        session_of(app, browser),
        landing.status_code,
        body,
        profile.status_code,
        profile.headers.get("Location"),
    )


def api_probe(app: Flask, email: str, ip: str) -> tuple[Any, ...]:
    browser = app.test_client()
    browser.environ_base["REMOTE_ADDR"] = ip
    answer = browser.post(
        "/api/v1/members",
        json={
            "email": email,
            "password": PASSWORD,
            "display_name": "Probe",
            "pledge_accepted": True,
        },
    )
    return answer.status_code, answer.get_json(), sorted(answer.headers.keys())


@pytest.mark.parametrize("probe", [page_probe, api_probe])
@pytest.mark.parametrize("spelling", [str.lower, str.upper, str.title])
def test_a_registered_address_gets_the_same_answer_as_a_new_one(
    app: Flask, create_member: Any, probe: Any, spelling: Any
) -> None:
    owner = create_member(email="owner@example.org")
    unverified = create_member(email="unverified@example.org", verified=False)
    new = probe(app, spelling("newcomer@example.org"), "10.30.0.1")
    for n, taken in enumerate((owner.email, unverified.email)):
        assert probe(app, spelling(taken), f"10.30.1.{n}") == new
    with app.app_context():
        count = db.session.scalar(sa.select(sa.func.count()).select_from(Member))
    assert count == 3, "the registered addresses got no second account"


def test_the_owner_of_a_registered_address_is_told_by_email(
    app: Flask, create_member: Any, smtp_sink: Any, mail_to: Any
) -> None:
    sink = smtp_sink()
    mail_to(sink)
    owner = create_member(email="owner@example.org", verified=False)
    page_probe(app, "OWNER@example.org", "10.31.0.1")
    [mail] = mails_to(sink, owner.email)
    assert mail["Subject"] == "Someone tried to use your email address"
    text = body_of(mail)
    assert "http://localhost/login" in text
    # The notice carries a reset link (so it may reach an address not yet verified).
    path = link_in(mail, "/password/reset/")
    assert app.test_client().get(path).status_code == 200


def test_a_new_address_gets_a_verification_mail_not_the_notice(
    app: Flask, smtp_sink: Any, mail_to: Any
) -> None:
    sink = smtp_sink()
    mail_to(sink)
    api_probe(app, "fresh@example.org", "10.32.0.1")
    [mail] = mails_to(sink, "fresh@example.org")
    assert mail["Subject"] == "Confirm your email address"


def test_a_taken_address_costs_the_same_password_hashing(
    app: Flask, create_member: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    from network.accounts import passwords

    calls: list[str] = []
    real = passwords.hash_password
    monkeypatch.setattr(passwords, "hash_password", lambda p: calls.append(p) or real(p))
    owner = create_member()
    calls.clear()
    api_probe(app, "another-new@example.org", "10.33.0.1")
    api_probe(app, owner.email, "10.33.0.2")
    assert len(calls) == 2, "hashed for the registered address too"
