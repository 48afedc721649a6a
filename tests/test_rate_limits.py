"""Rate limits, tested the way Mastodon does: up to the limit allowed, one more refused.

The real numbers are used: sign-up 5 per 30 minutes per IP, login and token creation 25 per
5 minutes per IP and 25 per hour per account, whatever the IP. The web form and the API are
two doors to the same room, so they share each limit.
"""

from __future__ import annotations

import time
from itertools import count
from typing import Any

import pytest
import sqlalchemy as sa
from flask import Flask
from flask.testing import FlaskClient

from network.accounts.models import Member
from network.extensions import db
from tests.alerts.conftest import alert_body
from tests.conftest import csrf_token_from
from tests.world import change_settings

SIGN_UP_LIMIT = 5
LOGIN_LIMIT = 25
SIGN_UP_WINDOW, LOGIN_IP_WINDOW, LOGIN_ACCOUNT_WINDOW = 30 * 60, 5 * 60, 60 * 60
_people = count(1)


def browser_at(app: Flask, ip: str) -> FlaskClient:
    """Return a fresh browser whose requests come from the given address."""
    client = app.test_client()
    client.environ_base["REMOTE_ADDR"] = ip
    return client


def assert_api_rate_limited(response: Any, window: int) -> None:
    assert response.status_code == 429, response.get_data(as_text=True)
    body = response.get_json()
    assert set(body) == {"error"} and set(body["error"]) == {"code", "message", "fields"}
    assert body["error"]["code"] == "rate_limited"
    assert "Too many attempts" in body["error"]["message"]
    assert_retry_after(response, window)


def assert_page_rate_limited(response: Any, window: int) -> None:
    assert response.status_code == 429
    assert response.mimetype == "text/html"
    assert "Too many attempts" in response.get_data(as_text=True)
    assert_retry_after(response, window)


def assert_retry_after(response: Any, window: int) -> None:
    """The answer says when to try again: when the limit's window ends."""
    wait = int(response.headers["Retry-After"])
    assert window - 60 <= wait <= window


def member_count(app: Flask) -> int:
    with app.app_context():
        return db.session.scalar(sa.select(sa.func.count()).select_from(Member)) or 0


def sign_up_by_api(client: FlaskClient) -> Any:
    n = next(_people)
    return client.post(
        "/api/v1/members",
        json={
            "email": f"joiner{n}@example.org",
            "password": "stand up for each other",
            "display_name": f"Joiner {n}",
            "pledge_accepted": True,
        },
    )


def sign_up_by_page(app: Flask, ip: str) -> Any:
    """Join through the form from a new browser at the address (a GET, then the POST)."""
    browser = browser_at(app, ip)
    n = next(_people)
    token = csrf_token_from(browser.get("/join").get_data(as_text=True))
    return browser.post(
        "/join",
        data={
            "csrf_token": token,
            "email": f"joiner{n}@example.org",
            "password": "stand up for each other",
            "display_name": f"Joiner {n}",
            "locale": "en",
            "time_zone": "Europe/Amsterdam",
            "pledge_accepted": "y",
        },
    )


# --- sign-up -------------------------------------------------------------------------------------


def test_sign_up_by_api_allows_five_per_address_then_refuses(app: Flask) -> None:
    client = browser_at(app, "10.1.0.1")
    for _ in range(SIGN_UP_LIMIT):
        assert sign_up_by_api(client).status_code == 202
    assert_api_rate_limited(sign_up_by_api(client), SIGN_UP_WINDOW)
    assert member_count(app) == SIGN_UP_LIMIT
    assert sign_up_by_api(browser_at(app, "10.1.0.2")).status_code == 202, "other addresses join"


def test_failed_sign_ups_count_too(app: Flask) -> None:
    client = browser_at(app, "10.1.0.3")
    for _ in range(SIGN_UP_LIMIT):
        assert client.post("/api/v1/members", json={"email": "x"}).status_code == 422
    assert_api_rate_limited(sign_up_by_api(client), SIGN_UP_WINDOW)
    assert member_count(app) == 0


def test_sign_up_by_page_allows_five_per_address_then_shows_an_error_page(app: Flask) -> None:
    for _ in range(SIGN_UP_LIMIT):
        response = sign_up_by_page(app, "10.2.0.1")
        assert response.status_code == 302 and response.headers["Location"] == "/join/sent"
    assert_page_rate_limited(sign_up_by_page(app, "10.2.0.1"), SIGN_UP_WINDOW)
    assert member_count(app) == SIGN_UP_LIMIT
    assert sign_up_by_page(app, "10.2.0.2").status_code == 302


def test_showing_the_join_form_is_not_counted(app: Flask) -> None:
    visitor = browser_at(app, "10.2.0.3")
    for _ in range(SIGN_UP_LIMIT * 3):
        assert visitor.get("/join").status_code == 200
    for _ in range(SIGN_UP_LIMIT):
        assert sign_up_by_page(app, "10.2.0.3").status_code == 302


def test_the_form_and_the_api_share_the_sign_up_limit(app: Flask) -> None:
    api = browser_at(app, "10.2.0.4")
    for _ in range(3):
        assert sign_up_by_api(api).status_code == 202
    for _ in range(SIGN_UP_LIMIT - 3):
        assert sign_up_by_page(app, "10.2.0.4").status_code == 302
    assert_page_rate_limited(sign_up_by_page(app, "10.2.0.4"), SIGN_UP_WINDOW)
    assert_api_rate_limited(sign_up_by_api(api), SIGN_UP_WINDOW)


# --- login and tokens ----------------------------------------------------------------------------


def page_login(browser: FlaskClient, email: str, password: str) -> Any:
    """Log in through the form (a GET for the CSRF token, then the POST)."""
    token = csrf_token_from(browser.get("/login").get_data(as_text=True))
    return browser.post("/login", data={"csrf_token": token, "email": email, "password": password})


def token_request(app: Flask, ip: str, email: str, password: str) -> Any:
    return browser_at(app, ip).post("/api/v1/tokens", json={"email": email, "password": password})


def test_login_page_allows_25_attempts_per_address_then_shows_an_error_page(
    app: Flask, create_member: Any
) -> None:
    member = create_member()
    browser = browser_at(app, "10.3.0.1")
    for n in range(LOGIN_LIMIT):
        # Different accounts, so only the limit per address is reached.
        response = page_login(browser, f"someone{n}@example.org", "wrong password")
        assert response.status_code == 200
        assert "Email address or password is incorrect." in response.get_data(as_text=True)
    assert_page_rate_limited(page_login(browser, member.email, member.password), LOGIN_IP_WINDOW)
    assert browser.get("/profile").status_code == 302, "the refused login did not log in"
    elsewhere = browser_at(app, "10.3.0.2")
    assert page_login(elsewhere, member.email, member.password).status_code == 302


def test_token_creation_allows_25_attempts_per_address_then_refuses(
    app: Flask, create_member: Any
) -> None:
    member = create_member()
    for n in range(LOGIN_LIMIT):
        response = token_request(app, "10.4.0.1", f"someone{n}@example.org", "wrong password")
        assert response.status_code == 401
    assert_api_rate_limited(
        token_request(app, "10.4.0.1", member.email, member.password), LOGIN_IP_WINDOW
    )
    assert token_request(app, "10.4.0.2", member.email, member.password).status_code == 201


def test_one_account_allows_25_attempts_from_any_addresses_then_refuses(
    app: Flask, create_member: Any
) -> None:
    target, bystander = create_member(), create_member()
    for n in range(LOGIN_LIMIT):
        response = token_request(app, f"10.5.{n}.1", target.email.upper(), "guessing")
        assert response.status_code == 401
    assert_api_rate_limited(
        token_request(app, "10.5.99.1", target.email, target.password), LOGIN_ACCOUNT_WINDOW
    )
    assert_page_rate_limited(
        page_login(browser_at(app, "10.5.99.2"), target.email, target.password),
        LOGIN_ACCOUNT_WINDOW,
    )
    assert token_request(app, "10.5.99.3", bystander.email, bystander.password).status_code == 201


def test_the_form_and_the_api_share_the_login_limits(app: Flask, create_member: Any) -> None:
    member = create_member()
    browser = browser_at(app, "10.6.0.1")
    for _ in range(LOGIN_LIMIT - 10):
        assert page_login(browser, member.email, "guessing").status_code == 200
    for n in range(10):
        assert token_request(app, f"10.6.{n}.2", member.email, "guessing").status_code == 401
    assert_page_rate_limited(
        page_login(browser_at(app, "10.6.0.3"), member.email, member.password), LOGIN_ACCOUNT_WINDOW
    )
    assert_api_rate_limited(
        token_request(app, "10.6.0.4", member.email, member.password), LOGIN_ACCOUNT_WINDOW
    )


def test_showing_the_login_form_is_not_counted(app: Flask, create_member: Any) -> None:
    member = create_member()
    browser = browser_at(app, "10.7.0.1")
    for _ in range(LOGIN_LIMIT + 5):
        assert browser.get("/login").status_code == 200
    assert page_login(browser, member.email, member.password).status_code == 302


def test_re_entered_passwords_count_against_the_account(app: Flask, create_member: Any) -> None:
    member = create_member()
    browser = browser_at(app, "10.8.0.1")
    assert page_login(browser, member.email, member.password).status_code == 302
    # The correct log-in above used up nothing; every wrong re-entered password counts.
    for n in range(LOGIN_LIMIT):
        page = "/profile/password" if n % 2 else "/profile/delete"
        token = csrf_token_from(browser.get(page).get_data(as_text=True))
        guess = {"current_password": "guessing", "new_password": "x" * 12, "password": "guessing"}
        response = browser.post(page, data={"csrf_token": token, "confirm": "y", **guess})
        assert response.status_code == 200
        assert "incorrect" in response.get_data(as_text=True)
    token = csrf_token_from(browser.get("/profile/password").get_data(as_text=True))
    refused = browser.post(
        "/profile/password",
        data={"csrf_token": token, "current_password": member.password, "new_password": "y" * 12},
    )
    assert_page_rate_limited(refused, LOGIN_ACCOUNT_WINDOW)
    elsewhere = browser_at(app, "10.8.0.2")
    assert_page_rate_limited(
        page_login(elsewhere, member.email, member.password), LOGIN_ACCOUNT_WINDOW
    )


# --- claims and flags: per member, whichever door, whichever alert -------------------------------

SHORT_LIMIT, SHORT_WINDOW = "3 per 2 seconds", 2


@pytest.fixture
def short_limits(app: Flask, monkeypatch: pytest.MonkeyPatch) -> None:
    """Shrink the claim and flag limits so their windows pass within the test (read per request)."""
    change_settings(monkeypatch, app, claim_limit=SHORT_LIMIT)
    change_settings(monkeypatch, app, flag_limit=SHORT_LIMIT)


def open_alerts(api_as: Any, create_member: Any, n: int) -> list[int]:
    reporter = create_member(trust_level=1)
    ids = []
    for _ in range(n):
        response = api_as(reporter, "POST", "/api/v1/alerts", json=alert_body(language="en"))
        assert response.status_code == 201
        ids.append(response.get_json()["id"])
    return ids


def logged_in_browser(app: Flask, ip: str, member: Any) -> tuple[FlaskClient, str]:
    """Return a browser logged in as the member, and its CSRF token."""
    browser = browser_at(app, ip)
    assert page_login(browser, member.email, member.password).status_code == 302
    return browser, csrf_token_from(browser.get("/feed/").get_data(as_text=True))


def wait_out(response: Any) -> None:
    """Sleep until the window of the limit that refused the response has passed."""
    reset_at = float(response.headers["X-RateLimit-Reset"])
    time.sleep(max(0.0, reset_at - time.time()) + 0.05)


def test_claims_allow_the_limit_then_refuse_until_the_window_passes(
    app: Flask, short_limits: None, api_as: Any, create_member: Any
) -> None:
    first, second, third, fourth = open_alerts(api_as, create_member, 4)
    volunteer, other = create_member(), create_member()
    browser, token = logged_in_browser(app, "10.9.0.1", volunteer)

    def by_api(alert_id: int, member: Any = volunteer, path: str = "/api/v1/alerts/{}") -> Any:
        return api_as(
            member, "POST", path.format(alert_id) + "/actions", json={"type": "report_platform"}
        )

    def by_page(alert_id: int) -> Any:
        data = {"csrf_token": token, "type": "report_platform"}
        return browser.post(f"/feed/alerts/{alert_id}/claim", data=data)

    assert by_api(first).status_code == 201
    assert by_page(second).status_code == 302
    assert by_api(third, path="/api/v1/alerts/0{}").status_code == 201  # a path variant
    refused = by_api(fourth)
    assert_api_rate_limited(refused, SHORT_WINDOW)
    assert_page_rate_limited(by_page(fourth), SHORT_WINDOW)
    assert by_api(fourth, member=other).status_code == 201, "the limit is per member"
    wait_out(refused)
    assert by_api(fourth).status_code == 201, "allowed again once the window passed"


def test_flags_allow_the_limit_then_refuse_until_the_window_passes(
    app: Flask, short_limits: None, api_as: Any, create_member: Any
) -> None:
    alerts = open_alerts(api_as, create_member, 4)
    flagger, other = create_member(), create_member()
    browser, token = logged_in_browser(app, "10.9.0.2", flagger)

    def by_api(alert_id: int, member: Any = flagger) -> Any:
        return api_as(
            member, "POST", f"/api/v1/alerts/{alert_id}/flags", json={"reason": "misleading"}
        )

    def by_page(alert_id: int) -> Any:
        data = {"csrf_token": token, "reason": "misleading"}
        return browser.post(f"/alerts/{alert_id}/flag", data=data)

    assert by_api(alerts[0]).status_code == 201
    assert by_page(alerts[1]).status_code == 302
    assert by_api(alerts[2]).status_code == 201
    refused = by_api(alerts[3])
    assert_api_rate_limited(refused, SHORT_WINDOW)
    assert_page_rate_limited(by_page(alerts[3]), SHORT_WINDOW)
    assert by_api(alerts[3], member=other).status_code == 201, "the limit is per member"
    wait_out(refused)
    assert by_api(alerts[3]).status_code == 201, "allowed again once the window passed"


def test_flags_that_are_refused_do_not_count(
    app: Flask, short_limits: None, api_as: Any, create_member: Any
) -> None:
    reporter = create_member(trust_level=1)
    own = api_as(reporter, "POST", "/api/v1/alerts", json=alert_body(language="en")).get_json()
    for _ in range(5):
        response = api_as(
            reporter, "POST", f"/api/v1/alerts/{own['id']}/flags", json={"reason": "misleading"}
        )
        assert response.status_code == 409, "members cannot flag their own alert"
    others = open_alerts(api_as, create_member, 3)
    for alert_id in others:
        response = api_as(
            reporter, "POST", f"/api/v1/alerts/{alert_id}/flags", json={"reason": "misleading"}
        )
        assert response.status_code == 201
