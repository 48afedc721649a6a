"""A limit never weakens: not when a request cannot be keyed, not when its storage fails.

Flask-Limiter's in-memory fallback used to take over after any error (a deeply nested body
crashing the log-in key function was enough) and start every count from zero."""

from __future__ import annotations

import logging
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from flask import Flask
from flask.testing import FlaskClient

from network.extensions import activate, socketio
from tests.alerts.conftest import alert_body
from tests.conftest import PASSWORD, csrf_token_from
from tests.harness import free_port, member_with_token, standalone_app

LOGIN_LIMIT = 25
DEEP = "[" * 30_000 + "]" * 30_000  # far past the recursion limit, within the body limit


@pytest.fixture
def memory_limiter_afterwards(tmp_path: Path) -> Iterator[None]:
    yield
    # The limiter is one object per process: leave it on memory storage, as other tests expect.
    activate(standalone_app(tmp_path / "afterwards", migrate=False))


_addresses = iter(f"10.9.{n // 250}.{n % 250 + 1}" for n in range(60_000))


def from_new_address() -> dict[str, Any]:
    """Come from another address each time: only the per-account limit is at stake."""
    return {"environ_base": {"REMOTE_ADDR": next(_addresses)}}


def wrong_password(client: FlaskClient, email: str) -> Any:
    return client.post(
        "/api/v1/tokens",
        json={"email": email, "password": "not the password"},
        **from_new_address(),
    )


def hostile_log_ins(client: FlaskClient, email: str) -> list[Any]:
    """Requests no key function can read, aimed at the log-in limits."""
    bodies: list[dict[str, Any]] = [
        {"data": DEEP, "content_type": "application/json"},
        {"data": b"\xff\xfe{", "content_type": "application/json"},
        {
            "data": "[" * 30 + f'{{"email": "{email}"}}' + "]" * 30,
            "content_type": "application/json",
        },
        {
            "data": f'{{"email": "{email}", "x": {DEEP[:60_000]}}}',
            "content_type": "application/json",
        },
        {"json": {"email": [email] * 3, "password": "x"}},
        {"json": {"email": {"a": 1}, "password": "x"}},
        {"json": {"email": email + "\x00", "password": "x"}},
        {"json": {"email": email, "password": "x" * 70_000}},
    ]
    return [client.post("/api/v1/tokens", **body, **from_new_address()) for body in bodies]


@pytest.mark.parametrize("storage", ["memory", "redis"])
def test_unreadable_log_ins_never_reset_the_password_allowance(
    storage: str,
    tmp_path: Path,
    create_member: Any,
    request: pytest.FixtureRequest,
) -> None:
    if storage == "redis":
        request.getfixturevalue("memory_limiter_afterwards")
        uri = request.getfixturevalue("redis_url")
        app = standalone_app(tmp_path / "app", RATELIMIT_STORAGE_URI=uri)
        activate(app)
        client = app.test_client()
        email = "target@example.org"
    else:
        app = request.getfixturevalue("app")
        client = app.test_client()
        email = create_member().email
    for _ in range(LOGIN_LIMIT - 1):
        assert wrong_password(client, email).status_code == 401
    for response in hostile_log_ins(client, email):
        assert 400 <= response.status_code < 500, response.get_data(as_text=True)[:300]
        assert set(response.get_json()["error"]) == {"code", "message", "fields"}

    assert wrong_password(client, email).status_code == 401, "the 25th guess"
    refused = wrong_password(client, email)
    assert refused.status_code == 429, "the 26th guess, whatever came in between"
    assert refused.get_json()["error"]["code"] == "rate_limited"


def test_a_body_nested_too_deeply_is_refused_as_invalid_json(app: Flask) -> None:
    client = app.test_client()
    for path in ("/api/v1/tokens", "/api/v1/members", "/api/v1/alerts"):
        response = client.post(path, data=DEEP, content_type="application/json")
        assert response.status_code in (400, 401), response.get_data(as_text=True)[:300]
        if response.status_code == 400:
            error = response.get_json()["error"]
            assert error["code"] == "invalid_json"
            assert "nests too deeply" in error["message"]


@pytest.fixture
def dead_storage_app(tmp_path: Path, memory_limiter_afterwards: None) -> Flask:
    """An app whose limits live in a Redis that does not answer (nothing listens there)."""
    # Flask-SocketIO keeps the queue manager of an app built earlier with a message queue
    # (tests/test_faults.py) for every later app; this one has none.
    socketio.server_options.pop("client_manager", None)
    app = standalone_app(
        tmp_path / "app", RATELIMIT_STORAGE_URI=f"redis://127.0.0.1:{free_port()}/0"
    )
    activate(app)
    return app


def test_with_the_limit_store_down_log_in_is_refused_not_unlimited(
    dead_storage_app: Flask, caplog: pytest.LogCaptureFixture
) -> None:
    member_with_token(dead_storage_app, "member@example.org", trust_level=1)
    client = dead_storage_app.test_client()
    with caplog.at_level(logging.ERROR):
        for password in ("not the password", PASSWORD):
            response = client.post(
                "/api/v1/tokens", json={"email": "member@example.org", "password": password}
            )
            assert response.status_code == 503, response.get_data(as_text=True)
            error = response.get_json()["error"]
            assert error["code"] == "service_unavailable" and error["fields"] == {}
            assert int(response.headers["Retry-After"]) > 0

        page = client.get("/login")
        form = {
            "csrf_token": csrf_token_from(page.get_data(as_text=True)),
            "email": "member@example.org",
            "password": PASSWORD,
        }
        refused = client.post("/login", data=form)
        assert refused.status_code == 503
        assert refused.mimetype == "text/html"
        assert client.get("/api/v1/me").status_code == 401, "not logged in"
    assert any("rate limit could not be checked" in r.getMessage() for r in caplog.records)


def test_with_the_limit_store_down_other_limits_let_requests_through_and_say_so(
    dead_storage_app: Flask, caplog: pytest.LogCaptureFixture
) -> None:
    token = member_with_token(dead_storage_app, "poster@example.org", trust_level=1)
    client = dead_storage_app.test_client()
    with caplog.at_level(logging.ERROR):
        response = client.post(
            "/api/v1/alerts", json=alert_body(), headers={"Authorization": f"Bearer {token}"}
        )
    assert response.status_code == 201, response.get_data(as_text=True)
    logged = [r.getMessage() for r in caplog.records]
    assert any("rate limit could not be checked" in m and "let through" in m for m in logged)


def test_with_the_limit_store_down_socket_events_still_answer(
    dead_storage_app: Flask, caplog: pytest.LogCaptureFixture
) -> None:
    from network.realtime import NAMESPACE
    from tests.sockets import socket_clients

    token = member_with_token(dead_storage_app, "watcher@example.org", trust_level=1)
    with socket_clients(dead_storage_app) as connect, caplog.at_level(logging.ERROR):
        client = connect(auth={"token": token})
        assert client.is_connected(NAMESPACE)
        answer = client.emit("watch", {"alert_id": 12345}, namespace=NAMESPACE, callback=True)
    assert answer == {"error": "not_found"}
    assert any("rate limit could not be counted" in r.getMessage() for r in caplog.records)


def test_a_key_function_that_fails_counts_against_the_address_instead(app: Flask) -> None:
    import sqlalchemy as sa

    from network.extensions import total_key

    def unreadable() -> str:
        raise RecursionError("a body no one can read")

    def database_down() -> str:
        raise sa.exc.OperationalError("SELECT 1", {}, Exception("gone"))

    with app.test_request_context(environ_base={"REMOTE_ADDR": "10.1.2.3"}):
        assert total_key(unreadable)() == "unkeyed:10.1.2.3"
        assert total_key(lambda: "")() == "unkeyed:10.1.2.3"
        assert total_key(lambda: "member:7")() == "member:7"
        with pytest.raises(sa.exc.OperationalError):
            total_key(database_down)()  # the request fails as a whole (503), nothing is skipped
