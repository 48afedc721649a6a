"""Log-in allowance, session lifetime as documented, API tokens on the profile, logging out."""

from __future__ import annotations

import re
import time
from pathlib import Path
from typing import Any

import pytest
import sqlalchemy as sa
from flask import Flask
from flask.testing import FlaskClient

from network.accounts.models import AccessToken
from network.extensions import db
from tests.conftest import csrf_token_from

ACCOUNT_LIMIT = 25  # LOGIN_LIMIT_PER_ACCOUNT: 25 per hour


def browser_at(app: Flask, ip: str) -> FlaskClient:
    client = app.test_client()
    client.environ_base["REMOTE_ADDR"] = ip
    return client


def page_login(browser: FlaskClient, email: str, password: str) -> Any:
    token = csrf_token_from(browser.get("/login").get_data(as_text=True))
    return browser.post("/login", data={"csrf_token": token, "email": email, "password": password})


def api_login(app: Flask, ip: str, email: str, password: str) -> Any:
    return browser_at(app, ip).post("/api/v1/tokens", json={"email": email, "password": password})


# --- correct log-ins use up nothing --------------------------------------------------------------


@pytest.mark.parametrize("door", ["page", "api"])
def test_correct_log_ins_do_not_use_up_the_failed_attempt_allowance(
    app: Flask, create_member: Any, door: str
) -> None:
    member = create_member()

    def attempt(n: int, password: str) -> int:
        ip = f"10.40.{n % 250}.{n // 250 + 1}"  # spread out, so only the account's limit counts
        if door == "page":
            return int(page_login(browser_at(app, ip), member.email, password).status_code)
        return int(api_login(app, ip, member.email, password).status_code)

    failed, ok = (200, 302) if door == "page" else (401, 201)
    for n in range(ACCOUNT_LIMIT - 1):
        assert attempt(n, "guessing wrong") == failed
    for n in range(100, 100 + 2 * ACCOUNT_LIMIT):
        assert attempt(n, member.password) == ok, "the owner keeps logging in"
    assert attempt(500, "guessing wrong") == failed, "the last failure is still allowed"
    assert attempt(501, member.password) == 429, "and then the allowance is used up"


# --- session lifetime ----------------------------------------------------------------------------


def test_a_log_in_lasts_the_documented_lifetime_and_no_longer(
    app: Flask, client: FlaskClient, create_member: Any, log_in: Any
) -> None:
    lifetime = app.config["PERMANENT_SESSION_LIFETIME"]
    seconds = lifetime.total_seconds() if hasattr(lifetime, "total_seconds") else lifetime
    assert seconds == 14 * 24 * 3600
    docs = (Path(__file__).parents[2] / "docs" / "configuration.md").read_text()
    assert "| `SESSION_LIFETIME_SECONDS` | `1209600` (14 days) |" in docs
    assert "has no effect" not in docs.split("SESSION_LIFETIME_SECONDS")[1].split("\n")[0]

    answer = log_in(create_member())
    cookies = answer.headers.getlist("Set-Cookie")
    [session_cookie] = [c for c in cookies if c.startswith(app.config["SESSION_COOKIE_NAME"])]
    expires = re.search(r"Expires=([^;]+)", session_cookie)
    assert expires, "a persistent cookie, not one that ends with the browser"
    from email.utils import parsedate_to_datetime

    left = parsedate_to_datetime(expires.group(1)).timestamp() - time.time()
    assert seconds - 120 <= left <= seconds + 5
    assert not [c for c in cookies if c.startswith("remember_token")], "no remember-me cookie"


def test_a_session_older_than_the_lifetime_is_refused(
    app: Flask, client: FlaskClient, create_member: Any, log_in: Any, monkeypatch: Any
) -> None:
    import itsdangerous.timed

    log_in(create_member())
    name = app.config["SESSION_COOKIE_NAME"]
    cookie = client.get_cookie(name)
    assert cookie is not None and client.get("/profile").status_code == 200
    serializer = app.session_interface.get_signing_serializer(app)  # type: ignore[attr-defined]
    data = serializer.loads(cookie.value)
    lifetime = app.permanent_session_lifetime.total_seconds()
    signed_at = time.time() - lifetime - 60
    # The same session, signed as if the last visit was longer ago than the lifetime.
    monkeypatch.setattr(itsdangerous.timed.time, "time", lambda: signed_at)
    stale = serializer.dumps(data)
    monkeypatch.undo()
    client.set_cookie(name, stale)
    assert client.get("/profile").status_code == 302


# --- API tokens on the profile -------------------------------------------------------------------


def test_a_member_creates_an_api_token_on_the_profile_page(
    app: Flask, client: FlaskClient, create_member: Any, log_in: Any
) -> None:
    member = create_member()
    log_in(member)
    profile = client.get("/profile").get_data(as_text=True)
    assert 'action="/profile/tokens"' in profile
    created = client.post(
        "/profile/tokens",
        data={
            "csrf_token": csrf_token_from(profile),
            "token-name": "My script",
            "token-password": member.password,
        },
    )
    assert created.status_code == 201
    page = created.get_data(as_text=True)
    secret = re.search(r'<code id="new-token">(upn_[^<]+)</code>', page)
    assert secret, "the secret is shown"
    assert 'data-copy="#new-token"' in page, "with a copy button"
    me = app.test_client().get("/api/v1/me", headers={"Authorization": f"Bearer {secret[1]}"})
    assert me.status_code == 200 and me.get_json()["id"] == member.id
    listed = client.get("/profile").get_data(as_text=True)
    assert "My script" in listed and secret[1] not in listed, "listed, never shown again"
    with app.app_context():
        stored = db.session.scalars(sa.select(AccessToken.token_hash)).all()
    assert secret[1] not in stored


def test_creating_a_token_on_the_page_needs_the_password(
    app: Flask, client: FlaskClient, create_member: Any, log_in: Any
) -> None:
    member = create_member()
    log_in(member)
    csrf = csrf_token_from(client.get("/profile").get_data(as_text=True))
    refused = client.post(
        "/profile/tokens",
        data={"csrf_token": csrf, "token-name": "x", "token-password": "not the password"},
    )
    assert refused.status_code == 200
    assert "Your password is incorrect." in refused.get_data(as_text=True)
    assert "upn_" not in refused.get_data(as_text=True)
    with app.app_context():
        assert db.session.scalar(sa.select(sa.func.count()).select_from(AccessToken)) == 0


# --- logging out ---------------------------------------------------------------------------------


def flashes(page: str) -> list[str]:
    return re.findall(r'<p class="flash[^"]*">(.*?)</p>', page)


def test_logging_out_shows_exactly_one_message(
    client: FlaskClient, create_member: Any, log_in: Any
) -> None:
    log_in(create_member())
    csrf = csrf_token_from(client.get("/").get_data(as_text=True))
    answer = client.post("/logout", data={"csrf_token": csrf})
    assert flashes(client.get(answer.headers["Location"]).get_data(as_text=True)) == [
        "You are logged out."
    ]
    assert flashes(client.get("/").get_data(as_text=True)) == [], "and only once"


@pytest.mark.parametrize("page", ["/feed/", "/profile", "/campaigns/"])
def test_a_page_reloaded_as_the_member_logs_out_shows_only_the_logout_message(
    client: FlaskClient, create_member: Any, log_in: Any, page: str
) -> None:
    log_in(create_member())
    csrf = csrf_token_from(client.get("/").get_data(as_text=True))
    client.post("/logout", data={"csrf_token": csrf})
    # The feed's socket hears "session.ended" and reloads the page it was on.
    reloaded = client.get(page, follow_redirects=True)
    assert flashes(reloaded.get_data(as_text=True)) == ["You are logged out."]


def test_a_scripts_refresh_after_logging_out_uses_up_no_message(
    client: FlaskClient, create_member: Any, log_in: Any
) -> None:
    log_in(create_member())
    csrf = csrf_token_from(client.get("/").get_data(as_text=True))
    client.post("/logout", data={"csrf_token": csrf})
    refresh = client.get("/feed/", headers={"X-Requested-With": "fetch"})
    assert refresh.status_code == 401
    assert flashes(client.get("/").get_data(as_text=True)) == ["You are logged out."]


def test_a_visitor_sent_to_log_in_gets_one_message(client: FlaskClient) -> None:
    login = client.get("/profile", follow_redirects=True).get_data(as_text=True)
    assert flashes(login) == ["Please log in to see this page."]
