"""Password reset by email: a signed link that works once, expires, tells nothing, is limited."""

from __future__ import annotations

import re
from typing import Any

import pytest
import sqlalchemy as sa
from flask import Flask
from flask.testing import FlaskClient

from network.accounts import links
from network.accounts.models import AccessToken, Member
from network.extensions import db
from tests.accounts.conftest import body_of, link_in, mails_to
from tests.conftest import csrf_token_from
from tests.world import change_settings

NEW_PASSWORD = "a brand new passphrase 42"


def ask_for_reset(client: FlaskClient, email: str) -> Any:
    token = csrf_token_from(client.get("/password/forgot").get_data(as_text=True))
    return client.post("/password/forgot", data={"csrf_token": token, "email": email})


def set_password(client: FlaskClient, path: str, password: str) -> Any:
    page = client.get(path)
    if page.status_code != 200:
        return page
    token = csrf_token_from(page.get_data(as_text=True))
    return client.post(path, data={"csrf_token": token, "password": password})


def can_log_in(app: Flask, email: str, password: str) -> bool:
    answer = app.test_client().post("/api/v1/tokens", json={"email": email, "password": password})
    return bool(answer.status_code == 201)


def reset_link(app: Flask, email: str) -> str:
    with app.test_request_context():
        member = db.session.scalar(sa.select(Member).where(Member.email == email))
        assert member is not None
        return f"/password/reset/{links.reset_token(member)}"


def test_the_login_page_offers_a_forgot_password_link(client: FlaskClient) -> None:
    assert 'href="/password/forgot"' in client.get("/login").get_data(as_text=True)


def test_a_mailed_reset_link_sets_a_new_password(
    app: Flask, client: FlaskClient, create_member: Any, smtp_sink: Any, mail_to: Any
) -> None:
    sink = smtp_sink()
    mail_to(sink)
    member = create_member(locale="nl")
    answer = ask_for_reset(client, member.email.upper())
    assert answer.status_code == 302
    [mail] = mails_to(sink, member.email)
    html = mail.get_body(preferencelist=("html",))
    assert html is not None and '<html lang="nl">' in html.get_content(), "in their language"
    path = link_in(mail, "/password/reset/")
    assert set_password(client, path, NEW_PASSWORD).headers["Location"] == "/login"
    assert can_log_in(app, member.email, NEW_PASSWORD)
    assert not can_log_in(app, member.email, member.password)


def test_a_reset_link_works_once(app: Flask, client: FlaskClient, create_member: Any) -> None:
    member = create_member()
    path = reset_link(app, member.email)
    assert set_password(client, path, NEW_PASSWORD).headers["Location"] == "/login"
    again = set_password(client, path, "yet another long passphrase")
    assert again.status_code == 302 and again.headers["Location"] == "/password/forgot"
    assert "expired or was already used" in client.get("/password/forgot").get_data(as_text=True)
    assert can_log_in(app, member.email, NEW_PASSWORD)


def test_a_reset_link_dies_when_the_password_changes_another_way(
    app: Flask, create_member: Any
) -> None:
    from network.accounts import services

    member = create_member()
    path = reset_link(app, member.email)
    with app.test_request_context():
        row = db.session.get(Member, member.id)
        assert row is not None
        services.change_password(
            row, current_password=member.password, new_password="another long password here"
        )
    assert set_password(app.test_client(), path, NEW_PASSWORD).status_code == 302
    assert not can_log_in(app, member.email, NEW_PASSWORD)


def test_a_reset_link_expires(
    app: Flask, client: FlaskClient, create_member: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    member = create_member()
    path = reset_link(app, member.email)
    # Any age is older than a negative limit: the link has expired, without waiting for it.
    change_settings(monkeypatch, app, password_reset_max_age=-1)
    assert set_password(client, path, NEW_PASSWORD).headers["Location"] == "/password/forgot"
    assert not can_log_in(app, member.email, NEW_PASSWORD)


def test_the_default_reset_link_lasts_one_hour(app: Flask) -> None:
    from network.config import load

    assert load(env={"SECRET_KEY": "x"})["PASSWORD_RESET_MAX_AGE"] == 3600


@pytest.mark.parametrize(
    "forge",
    [
        lambda member: links.verification_token(member),  # another purpose's signed link
        lambda member: links.reset_token(member)[:-2] + "xx",  # tampered signature
        lambda member: links.reset_token(member).replace(".", "!", 1),  # broken format
        lambda member: "",
        lambda member: "a" * 600,
        lambda member: links.dummy_reset_token(member.email),  # the decoy for unknown addresses
    ],
)
def test_forged_or_foreign_reset_links_are_refused(
    app: Flask, create_member: Any, forge: Any
) -> None:
    member = create_member()
    with app.test_request_context():
        row = db.session.get(Member, member.id)
        token = forge(row)
        assert links.member_for_reset(token) is None
    if token:
        answer = set_password(app.test_client(), f"/password/reset/{token}", NEW_PASSWORD)
        assert answer.status_code in (302, 404)
    assert not can_log_in(app, member.email, NEW_PASSWORD)


def test_asking_for_a_reset_answers_alike_for_known_and_unknown_addresses(
    app: Flask, create_member: Any, smtp_sink: Any, mail_to: Any
) -> None:
    sink = smtp_sink()
    mail_to(sink)
    member = create_member()
    answers = []
    for email in ("nobody-here@example.org", member.email):
        browser = app.test_client()
        answer = ask_for_reset(browser, email)
        page = browser.get(answer.headers["Location"]).get_data(as_text=True)
        page = re.sub(r'name="csrf_token" type="hidden" value="[^"]*"', "", page)
        answers.append((answer.status_code, answer.headers["Location"], page.split("<main")[-1]))
    assert answers[0] == answers[1]
    mails_to(sink, member.email)
    assert sink.to("nobody-here@example.org") == []


def test_a_reset_ends_every_session_and_api_token(
    app: Flask, client: FlaskClient, create_member: Any, create_token: Any, log_in: Any
) -> None:
    member = create_member()
    log_in(member)
    token = create_token(member)
    assert client.get("/profile").status_code == 200
    assert set_password(app.test_client(), reset_link(app, member.email), NEW_PASSWORD)
    assert client.get("/profile").status_code == 302, "the old session is logged out"
    me = app.test_client().get("/api/v1/me", headers={"Authorization": f"Bearer {token}"})
    assert me.status_code == 401
    with app.app_context():
        live = db.session.scalar(
            sa.select(sa.func.count())
            .select_from(AccessToken)
            .where(AccessToken.member_id == member.id, AccessToken.revoked_at.is_(None))
        )
    assert live == 0


def test_following_a_reset_link_also_confirms_the_address(
    app: Flask, client: FlaskClient, create_member: Any
) -> None:
    member = create_member(verified=False)
    set_password(client, reset_link(app, member.email), NEW_PASSWORD)
    with app.app_context():
        row = db.session.get(Member, member.id)
        assert row is not None and row.email_verified_at is not None


def test_a_weak_new_password_is_refused_and_the_link_still_works(
    app: Flask, client: FlaskClient, create_member: Any
) -> None:
    member = create_member()
    path = reset_link(app, member.email)
    refused = set_password(client, path, "Summer2024!!")
    assert refused.status_code == 200
    assert "easy to guess" in refused.get_data(as_text=True)
    assert set_password(client, path, NEW_PASSWORD).headers["Location"] == "/login"


def test_reset_requests_are_limited_per_address_from_any_client(
    app: Flask, create_member: Any
) -> None:
    member = create_member()
    limit = 3  # ACCOUNT_MAIL_LIMIT_PER_ADDRESS: 3 per hour
    for n in range(limit):
        browser = app.test_client()
        browser.environ_base["REMOTE_ADDR"] = f"10.20.{n}.1"
        assert ask_for_reset(browser, member.email).status_code == 302
    browser = app.test_client()
    browser.environ_base["REMOTE_ADDR"] = "10.20.99.1"
    assert ask_for_reset(browser, member.email.upper()).status_code == 429
    assert ask_for_reset(browser, "someone-else@example.org").status_code == 302


def test_reset_requests_are_limited_per_client_whatever_the_address(app: Flask) -> None:
    browser = app.test_client()
    browser.environ_base["REMOTE_ADDR"] = "10.21.0.1"
    limit = 10  # ACCOUNT_MAIL_LIMIT_PER_IP: 10 per hour
    for n in range(limit):
        assert ask_for_reset(browser, f"person{n}@example.org").status_code == 302
    assert ask_for_reset(browser, "one-more@example.org").status_code == 429
    assert browser.get("/password/forgot").status_code == 200, "showing the form is free"


def test_the_reset_mail_says_how_long_the_link_works(
    app: Flask, client: FlaskClient, create_member: Any, smtp_sink: Any, mail_to: Any
) -> None:
    sink = smtp_sink()
    mail_to(sink)
    member = create_member()
    ask_for_reset(client, member.email)
    [mail] = mails_to(sink, member.email)
    assert "The link works once, for 60 minutes." in body_of(mail)
    assert mail["Auto-Submitted"] == "auto-generated"


def test_one_address_cannot_be_flooded_through_sign_up_reset_and_address_changes(
    app: Flask, create_member: Any, log_in: Any, client: FlaskClient
) -> None:
    target = create_member()
    member = create_member()
    log_in(member)

    def browser(n: int) -> FlaskClient:
        other = app.test_client()
        other.environ_base["REMOTE_ADDR"] = f"10.22.{n}.1"
        return other

    sign_up = browser(1).post(
        "/api/v1/members",
        json={
            "email": target.email,
            "password": "stand up for each other",
            "display_name": "Someone",
            "pledge_accepted": True,
        },
    )
    assert sign_up.status_code == 202
    assert ask_for_reset(browser(2), target.email).status_code == 302
    csrf = csrf_token_from(client.get("/profile/email").get_data(as_text=True))
    change = {"csrf_token": csrf, "new_email": target.email, "password": member.password}
    assert client.post("/profile/email", data=change).status_code == 302
    # Three mails to the address within the hour, through three doors: the fourth is refused.
    assert ask_for_reset(browser(3), target.email).status_code == 429
    assert client.post("/profile/email", data=change).status_code == 429


# --- the API door --------------------------------------------------------------------------------


def api_reset(app: Flask, email: str, ip: str = "10.23.0.1") -> Any:
    browser = app.test_client()
    browser.environ_base["REMOTE_ADDR"] = ip
    return browser.post("/api/v1/password-resets", json={"email": email})


def test_the_api_asks_for_a_reset_with_the_same_answer_for_any_address(
    app: Flask, create_member: Any, smtp_sink: Any, mail_to: Any
) -> None:
    sink = smtp_sink()
    mail_to(sink)
    member = create_member()
    known = api_reset(app, member.email, "10.23.0.1")
    unknown = api_reset(app, "nobody-here@example.org", "10.23.0.2")
    assert (known.status_code, known.get_json()) == (unknown.status_code, unknown.get_json())
    assert known.status_code == 202 and known.get_json()["status"] == "check_email"
    [mail] = mails_to(sink, member.email)
    assert set_password(app.test_client(), link_in(mail, "/password/reset/"), NEW_PASSWORD)
    assert can_log_in(app, member.email, NEW_PASSWORD)


def test_the_page_and_the_api_share_the_reset_allowance_of_an_address(
    app: Flask, create_member: Any
) -> None:
    member = create_member()
    assert api_reset(app, member.email, "10.24.0.1").status_code == 202
    assert ask_for_reset(app.test_client(), member.email).status_code == 302
    assert api_reset(app, member.email, "10.24.0.2").status_code == 202
    refused = api_reset(app, member.email, "10.24.0.3")
    assert refused.status_code == 429 and refused.get_json()["error"]["code"] == "rate_limited"
    browser = app.test_client()
    browser.environ_base["REMOTE_ADDR"] = "10.24.0.4"
    assert ask_for_reset(browser, member.email).status_code == 429
