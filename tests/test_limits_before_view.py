"""The rate limiter skips its before-the-view pass when no limit could be counted there.

Flask-Limiter counts application, default and blueprint limits before the view, and a view's
own limits in its decorator. The app declares only the latter, so its limiter skips the first
pass (and the after-the-view pass when nothing was counted). These tests hold the limiter to
the rule on small apps of its own kind: every kind of limit is still counted, and a request
under no limit carries no limit headers.
"""

from __future__ import annotations

from typing import Any

import pytest
from flask import Blueprint, Flask
from flask.testing import FlaskClient

from network.extensions import Limiter
from tests.alerts.conftest import alert_body


def _client(limits: dict[str, Any], on_blueprint: str | None = None) -> FlaskClient:
    app = Flask(__name__)
    app.config.update(RATELIMIT_STORAGE_URI="memory://", RATELIMIT_HEADERS_ENABLED=True)
    limiter = Limiter(key_func=lambda: "everyone", **limits)
    pages = Blueprint("pages", __name__)

    @pages.get("/free")
    def free() -> str:
        return "free"

    @pages.get("/limited")
    @limiter.limit("3 per minute")
    def limited() -> str:
        return "limited"

    if on_blueprint:
        limiter.limit(on_blueprint)(pages)
    app.register_blueprint(pages)
    limiter.init_app(app)
    return app.test_client()


# kind of limit -> (the limiter's arguments, a limit on the blueprint)
KINDS: dict[str, tuple[dict[str, Any], str | None]] = {
    "application": ({"application_limits": ["2 per minute"]}, None),
    "default": ({"default_limits": ["2 per minute"]}, None),
    "blueprint": ({}, "2 per minute"),
    "meta": ({"default_limits": ["1 per minute"], "meta_limits": ["1 per hour"]}, None),
}


@pytest.mark.parametrize("kind", list(KINDS))
def test_limits_counted_before_the_view_still_count(kind: str) -> None:
    limits, on_blueprint = KINDS[kind]
    client = _client(limits, on_blueprint)
    allowed = 1 if kind == "meta" else 2
    answers = [client.get("/free").status_code for _ in range(allowed + 1)]
    assert answers == [200] * allowed + [429]
    if kind == "meta":
        # A breached limit counts against the meta limit, which now refuses the whole client.
        assert client.get("/free").status_code == 429


def test_a_views_own_limit_counts_without_the_pass_before_the_view() -> None:
    client = _client({})
    answers = [client.get("/limited") for _ in range(4)]
    assert [answer.status_code for answer in answers] == [200, 200, 200, 429]
    assert [answer.headers["X-RateLimit-Remaining"] for answer in answers[:3]] == ["2", "1", "0"]


def test_a_request_under_no_limit_is_never_refused_and_has_no_limit_headers() -> None:
    client = _client({})
    for _ in range(10):
        answer = client.get("/free")
        assert answer.status_code == 200
        limit_headers = [name for name, _value in answer.headers.items() if "RateLimit" in name]
        assert not limit_headers


def test_the_apps_feed_read_has_no_limit_headers_and_a_post_has_them(
    api_as: Any, create_member: Any
) -> None:
    member = create_member(trust_level=1)
    read = api_as(member, "GET", "/api/v1/alerts")
    assert read.status_code == 200
    assert "X-RateLimit-Limit" not in read.headers
    posted = api_as(member, "POST", "/api/v1/alerts", json=alert_body())
    assert posted.status_code == 201, posted.get_json()
    assert int(posted.headers["X-RateLimit-Limit"]) >= 1
