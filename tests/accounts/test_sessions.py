"""Sessions end when they should: logout, password change, suspension; cookies are locked down."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
import sqlalchemy as sa
from flask import Flask
from flask.testing import FlaskClient
from hypothesis import given, settings
from hypothesis import strategies as st

from network import config
from network.accounts.models import Member, MemberStatus
from network.extensions import db
from tests.campaigns.test_campaigns import campaign_body
from tests.conftest import csrf_token_from

COOKIE = "upstander_session"


def session_cookie(client: FlaskClient) -> str:
    cookie = client.get_cookie(COOKIE)
    assert cookie is not None, "no session cookie"
    return cookie.value


def client_with_cookie(app: Flask, value: str) -> FlaskClient:
    """Return a fresh browser that only carries the given session cookie."""
    other = app.test_client()
    other.set_cookie(COOKIE, value)
    return other


def logged_in_client(app: Flask, member: Any) -> FlaskClient:
    """Return a separate browser in which the member logged in."""
    browser = app.test_client()
    token = csrf_token_from(browser.get("/login").get_data(as_text=True))
    response = browser.post(
        "/login", data={"csrf_token": token, "email": member.email, "password": member.password}
    )
    assert response.status_code == 302
    return browser


def is_logged_in(browser: FlaskClient) -> bool:
    profile = browser.get("/profile")
    me = browser.get("/api/v1/me")
    assert (profile.status_code == 200) == (me.status_code == 200)
    if profile.status_code == 302:
        assert profile.headers["Location"].startswith("/login?next=")
        assert me.status_code == 401
        assert me.get_json()["error"]["code"] == "unauthorised"
    return profile.status_code == 200


def set_status(app: Flask, member_id: int, status: MemberStatus) -> None:
    with app.app_context():
        member = db.session.get(Member, member_id)
        assert member is not None
        member.status = status
        db.session.commit()


def test_a_logged_out_session_cookie_cannot_be_replayed(
    app: Flask, client: FlaskClient, create_member: Any, log_in: Any, submit: Any
) -> None:
    member = create_member()
    log_in(member)
    stolen = session_cookie(client)
    assert is_logged_in(client_with_cookie(app, stolen))

    assert submit("/", {}, action="/logout").status_code == 302
    assert not is_logged_in(client)
    assert not is_logged_in(client_with_cookie(app, stolen))


def test_logging_in_again_does_not_revive_the_old_cookie(
    app: Flask, client: FlaskClient, create_member: Any, log_in: Any, submit: Any
) -> None:
    member = create_member()
    log_in(member)
    stolen = session_cookie(client)
    submit("/", {}, action="/logout")
    log_in(member)
    assert is_logged_in(client)
    assert not is_logged_in(client_with_cookie(app, stolen))


def test_password_change_ends_other_sessions_but_keeps_this_one(
    app: Flask, client: FlaskClient, create_member: Any, log_in: Any, submit: Any
) -> None:
    member = create_member()
    elsewhere = logged_in_client(app, member)
    log_in(member)
    before_change = session_cookie(client)
    assert is_logged_in(elsewhere)

    response = submit(
        "/profile/password",
        {"current_password": member.password, "new_password": "a brand new passphrase"},
    )
    assert response.status_code == 302
    assert is_logged_in(client), "the session that changed the password keeps working"
    assert not is_logged_in(elsewhere)
    assert not is_logged_in(client_with_cookie(app, before_change))


def test_password_change_revokes_api_tokens(
    client: FlaskClient, create_member_with_token: Any, log_in: Any, submit: Any
) -> None:
    member, token = create_member_with_token()
    log_in(member)
    submit(
        "/profile/password",
        {"current_password": member.password, "new_password": "a brand new passphrase"},
    )
    me = client.get("/api/v1/me", headers={"Authorization": f"Bearer {token}"})
    assert me.status_code == 401, "a token minted with the old password no longer works"
    assert "You have no API tokens." in client.get("/profile").get_data(as_text=True)


def test_the_token_section_links_to_the_api_reference(
    client: FlaskClient, create_member: Any, log_in: Any
) -> None:
    log_in(create_member())
    profile = client.get("/profile").get_data(as_text=True)
    tokens = profile[profile.index("API access tokens") :]
    assert '<a href="/api/docs">Read the API reference</a>' in tokens


def test_logging_out_keeps_api_tokens(
    client: FlaskClient, create_member_with_token: Any, log_in: Any, submit: Any
) -> None:
    member, token = create_member_with_token()
    log_in(member)
    submit("/", {}, action="/logout")
    me = client.get("/api/v1/me", headers={"Authorization": f"Bearer {token}"})
    assert me.status_code == 200


def test_refused_password_change_keeps_other_sessions(
    app: Flask, client: FlaskClient, create_member: Any, log_in: Any, submit: Any
) -> None:
    member = create_member()
    elsewhere = logged_in_client(app, member)
    log_in(member)
    submit("/profile/password", {"current_password": "wrong password!", "new_password": "x" * 12})
    assert is_logged_in(elsewhere) and is_logged_in(client)


def test_session_cookie_is_http_only_and_same_site_lax(
    client: FlaskClient, create_member: Any, log_in: Any
) -> None:
    response = log_in(create_member())
    cookie = next(
        header
        for header in response.headers.getlist("Set-Cookie")
        if header.startswith(COOKIE + "=")
    )
    attributes = {part.strip().split("=")[0].lower(): part for part in cookie.split(";")}
    assert "httponly" in attributes
    assert attributes["samesite"].strip() == "SameSite=Lax"
    assert "secure" not in attributes, "plain http is fine in development and tests"


def test_production_settings_send_the_cookie_only_over_https() -> None:
    production = config.load(env={"UPSTANDER_ENV": "production", "SECRET_KEY": "s" * 40})
    assert production["SESSION_COOKIE_SECURE"] is True
    assert production["SESSION_COOKIE_HTTPONLY"] is True
    assert production["SESSION_COOKIE_SAMESITE"] == "Lax"
    development = config.load(env={"SECRET_KEY": "s" * 40})
    assert development["SESSION_COOKIE_SECURE"] is False


PRODUCTION_LOGIN = """
import json
from flask_migrate import upgrade
from network import create_app
from network.accounts import services
from tests.campaigns.test_campaigns import campaign_body
from tests.conftest import csrf_token_from

app = create_app({"PASSWORD_HASH_PROFILE": "cheapest"})
with app.app_context():
    upgrade()
with app.test_request_context():
    services.sign_up(email="olga@example.org", password="a-long-enough-password",
                     display_name="Olga", locale="en", time_zone="UTC", pledge_accepted=True)
browser = app.test_client()
page = browser.get("/login", base_url="https://localhost")
# No Referer: the site's Referrer-Policy (no-referrer) stops browsers from sending one.
answer = browser.post(
    "/login", base_url="https://localhost",
    data={"csrf_token": csrf_token_from(page.get_data(as_text=True)),
          "email": "olga@example.org", "password": "a-long-enough-password"})
print(json.dumps({"status": answer.status_code, "cookies": answer.headers.getlist("Set-Cookie"),
                  "hsts": page.headers.get("Strict-Transport-Security"),
                  "referrer_policy": page.headers.get("Referrer-Policy"),
                  "body": answer.get_data(as_text=True)[-600:]}))
"""


def test_production_app_logs_in_over_https_with_a_secure_cookie_and_hsts(
    tmp_path: Path,
) -> None:
    # A separate process: a second app in this one would take over the shared extensions.
    production = {
        "UPSTANDER_ENV": "production",
        "SECRET_KEY": "a-production-secret-that-is-long-enough",
        "SITE_URL": "https://localhost",
        "DATABASE_URL": f"sqlite:///{tmp_path / 'production.db'}",
        "INSTANCE_PATH": str(tmp_path),
        "REDIS_URL": "",
        "SOCKETIO_MESSAGE_QUEUE": "",
        "RATELIMIT_STORAGE_URI": "memory://",
        "SESSION_COOKIE_SECURE": "",
        "PROXY_FIX": "",
    }
    result = subprocess.run(
        [sys.executable, "-c", PRODUCTION_LOGIN],
        capture_output=True,
        text=True,
        check=True,
        cwd=Path(__file__).resolve().parents[2],
        env={**os.environ, **production},
        timeout=120,
    )
    answer = json.loads(result.stdout.strip().splitlines()[-1])
    assert answer["status"] == 302, answer["body"]
    assert answer["referrer_policy"] == "no-referrer"
    assert answer["hsts"] and answer["hsts"].startswith("max-age=")
    cookie = next(c for c in answer["cookies"] if c.startswith(COOKIE + "="))
    assert "; Secure" in cookie and "; HttpOnly" in cookie and "SameSite=Lax" in cookie


def test_suspended_member_cannot_log_in_or_use_a_token(
    app: Flask, client: FlaskClient, create_member_with_token: Any, submit: Any
) -> None:
    member, token = create_member_with_token()
    browser = logged_in_client(app, member)
    set_status(app, member.id, MemberStatus.SUSPENDED)

    refused = submit("/login", {"email": member.email, "password": member.password})
    assert refused.status_code == 200
    assert "Your account is suspended" in refused.get_data(as_text=True)
    assert not is_logged_in(client)
    assert not is_logged_in(browser), "an open session ends with the suspension"
    me = client.get("/api/v1/me", headers={"Authorization": f"Bearer {token}"})
    assert me.status_code == 401
    new_token = client.post(
        "/api/v1/tokens", json={"email": member.email, "password": member.password}
    )
    assert new_token.status_code == 403
    assert new_token.get_json()["error"]["code"] == "account_suspended"
    guess = client.post("/api/v1/tokens", json={"email": member.email, "password": "wrong guess!"})
    assert guess.status_code == 401, "only the password's owner learns of the suspension"


def test_a_bad_bearer_token_is_refused_even_beside_a_valid_session(
    client: FlaskClient, create_member: Any, log_in: Any
) -> None:
    log_in(create_member())
    assert client.get("/api/v1/me").status_code == 200
    response = client.get("/api/v1/me", headers={"Authorization": "Bearer upn_not-a-real-token"})
    assert response.status_code == 401


def test_token_of_a_deleted_member_is_refused(
    app: Flask, client: FlaskClient, create_member_with_token: Any
) -> None:
    member, token = create_member_with_token()
    with app.app_context():
        db.session.execute(sa.delete(Member).where(Member.id == member.id))
        db.session.commit()
    assert client.get("/api/v1/me", headers={"Authorization": f"Bearer {token}"}).status_code == 401


def test_an_unreachable_database_answers_503_not_a_crash(
    client: FlaskClient, create_member_with_token: Any, log_in: Any
) -> None:
    member, token = create_member_with_token()
    log_in(member)
    db.session.remove()
    db.session.configure(bind=sa.create_engine("postgresql+psycopg://nobody@127.0.0.1:1/gone"))

    page = client.get("/profile")
    assert page.status_code == 503
    assert "temporarily unavailable" in page.get_data(as_text=True)
    for headers in ({}, {"Authorization": f"Bearer {token}"}):
        answer = client.get("/api/v1/me", headers=headers)
        assert answer.status_code == 503
        assert answer.get_json()["error"]["code"] == "service_unavailable"
        assert answer.headers["Content-Security-Policy"]
        assert "no-store" in answer.headers["Cache-Control"]


def cookie_set(response: Any) -> bool:
    return any(h.startswith(COOKIE + "=") for h in response.headers.getlist("Set-Cookie"))


SCRIPT = {"X-Requested-With": "fetch"}
NAVIGATE = {"Sec-Fetch-Mode": "navigate", "Sec-Fetch-Dest": "document"}


@pytest.mark.parametrize(
    ("path", "headers", "refreshed"),
    [
        ("/profile", {}, True),  # a page load keeps the session alive (sliding expiry)
        ("/profile", NAVIGATE, True),
        ("/profile", SCRIPT, False),
        ("/alerts/", {}, True),
        ("/alerts/", NAVIGATE, True),
        ("/alerts/", SCRIPT, False),  # the feed's own refresh
        ("/alerts/", {**NAVIGATE, **SCRIPT}, False),
        ("/api/v1/me", SCRIPT, False),
        ("/api/v1/me", {"Sec-Fetch-Mode": "cors", "Sec-Fetch-Dest": "empty"}, False),
        ("/alerts/", {"Sec-Fetch-Mode": "same-origin", "Sec-Fetch-Dest": "empty"}, False),
        # What the browser fetches on its own beside a page, with the page's cookie.
        ("/static/css/site.css", {"Sec-Fetch-Mode": "no-cors", "Sec-Fetch-Dest": "style"}, False),
        ("/static/js/site.js", {"Sec-Fetch-Mode": "no-cors", "Sec-Fetch-Dest": "script"}, False),
        ("/favicon.ico", {"Sec-Fetch-Mode": "no-cors", "Sec-Fetch-Dest": "image"}, False),
        ("/sw.js", {"Sec-Fetch-Mode": "same-origin", "Sec-Fetch-Dest": "serviceworker"}, False),
        ("/offline", {"Sec-Fetch-Mode": "cors", "Sec-Fetch-Dest": "empty"}, False),
        ("/manifest.webmanifest", {"Sec-Fetch-Mode": "cors", "Sec-Fetch-Dest": "manifest"}, False),
        ("/alerts/", {"Sec-Fetch-Mode": "websocket"}, False),
        ("/alerts/", {"Sec-Fetch-Mode": "anything new"}, False),
    ],
)
def test_only_page_loads_refresh_the_cookie_not_what_runs_beside_a_page(
    app: Flask, create_member: Any, path: str, headers: dict[str, str], refreshed: bool
) -> None:
    browser = logged_in_client(app, create_member())
    browser.get("/profile")  # the first page after logging in writes its form token into it
    answer = browser.get(path, headers=headers)
    assert answer.status_code == 200, answer.status
    assert cookie_set(answer) == refreshed


def test_any_fetch_mode_but_navigate_leaves_the_cookie_alone(
    app: Flask, create_member: Any
) -> None:
    browser = logged_in_client(app, create_member())
    browser.get("/profile")

    @settings(max_examples=80, deadline=None)
    @given(
        mode=st.text(st.characters(min_codepoint=0x21, max_codepoint=0x7E), min_size=1, max_size=20)
        | st.sampled_from(["navigate", "cors", "no-cors", "same-origin", "websocket"])
    )
    def answer_to(mode: str) -> None:
        answer = browser.get("/profile", headers={"Sec-Fetch-Mode": mode})
        assert answer.status_code == 200
        assert cookie_set(answer) == (mode == "navigate"), mode

    answer_to()


@pytest.mark.parametrize(
    "headers",
    [
        SCRIPT,
        {"Sec-Fetch-Mode": "cors", "Sec-Fetch-Dest": "empty"},
        {"Sec-Fetch-Mode": "no-cors", "Sec-Fetch-Dest": "image"},
    ],
)
def test_a_request_beside_a_page_after_logging_out_gets_401_and_leaves_the_message_alone(
    app: Flask, create_member: Any, headers: dict[str, str]
) -> None:
    browser = app.test_client()
    refused = browser.get("/profile", headers=headers)
    assert refused.status_code == 401
    assert not cookie_set(refused), "no message is added for the next page"
    page = browser.get("/profile", headers=NAVIGATE)
    assert page.status_code == 302
    assert page.headers["Location"].startswith("/login")
    shown = browser.get(page.headers["Location"]).get_data(as_text=True)
    assert shown.count("Please log in to see this page.") == 1


def test_a_scripts_answer_ending_after_a_form_does_not_take_back_the_forms_message(
    app: Flask, create_member: Any, api_as: Any
) -> None:
    organiser, member = create_member(role="organiser"), create_member()
    campaign = api_as(organiser, "POST", "/api/v1/campaigns", json=campaign_body()).get_json()
    launched = api_as(organiser, "POST", f"/api/v1/campaigns/{campaign['id']}/launch")
    assert launched.status_code == 200, launched.get_json()
    browser = logged_in_client(app, member)
    page = browser.get(f"/campaigns/{campaign['id']}")
    before_the_form = session_cookie(browser)
    # The page's script asks for the progress; the member sends the form meanwhile.
    token = csrf_token_from(page.get_data(as_text=True))
    joined = browser.post(f"/campaigns/{campaign['id']}/join", data={"csrf_token": token})
    assert joined.status_code == 302
    progress = client_with_cookie(app, before_the_form).get(
        f"/campaigns/{campaign['id']}/progress", headers={"X-Requested-With": "fetch"}
    )
    assert progress.status_code == 200
    # Its answer, arriving last, leaves the browser's newer cookie alone...
    assert not cookie_set(progress)
    # ...so the next page shows the form's message.
    shown = browser.get(f"/campaigns/{campaign['id']}").get_data(as_text=True)
    assert "You joined the campaign. Thank you!" in shown


def test_a_session_taken_to_another_browser_is_no_longer_fresh(
    app: Flask, create_member: Any
) -> None:
    """Flask-Login's session protection (basic) still judges every session that holds a member:
    the same cookie from another browser stays logged in but is marked not fresh."""
    member = create_member()
    browser = logged_in_client(app, member)  # logged in with the test client's own User-Agent
    assert browser.get("/profile").status_code == 200
    with browser.session_transaction() as session:
        assert session["_fresh"] is True
    assert browser.get("/profile", headers={"User-Agent": "Another browser"}).status_code == 200
    with browser.session_transaction() as session:
        assert session["_fresh"] is False, "another browser's request is not fresh"


def test_a_request_without_a_session_is_judged_by_its_token_alone(
    app: Flask, api_as: Any, create_member: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    """An API request carries no session: nothing to protect, so no digest of the visitor's
    address and browser is made; its token decides. A session that holds a member still has
    its digest made and compared."""
    from network.extensions import login_manager

    digests: list[str] = []
    make = login_manager._session_identifier_generator

    def counted() -> str:
        digests.append(make())
        return digests[-1]

    monkeypatch.setattr(login_manager, "_session_identifier_generator", counted)
    member = create_member()
    for agent in ("Browser A", "Browser B"):
        answer = api_as(member, "GET", "/api/v1/me", headers={"User-Agent": agent})
        assert answer.status_code == 200
        assert "Set-Cookie" not in answer.headers
    assert digests == []
    browser = logged_in_client(app, member)
    digests.clear()
    assert browser.get("/profile").status_code == 200
    assert len(digests) == 1
