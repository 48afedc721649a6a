"""A view's plain limits are counted without Flask-Limiter's general pass, as that pass counts.

The limiter counts the limits a view's decorators declare itself when nothing else could apply
(network/extensions.py, `Limiter._plain`): these tests send the same requests to two small apps
that differ only in that, and compare every answer — status, limit headers, what a limit
counted only on success (`deduct_when`) keeps — and check that the app's hot views take the
plain path.
"""

from __future__ import annotations

from typing import Any

import pytest
from flask import Flask, Response, g, request
from flask.testing import FlaskClient
from hypothesis import given, settings
from hypothesis import strategies as st

from network.extensions import Limiter
from network.limit_counts import OneTripFixedWindow

PATHS = ("/stacked", "/on-success", "/keyed", "/single")


def _client(plainly: bool, first_breach: bool = True) -> tuple[FlaskClient, Limiter]:
    app = Flask(__name__)
    app.config.update(
        RATELIMIT_STORAGE_URI="memory://",
        RATELIMIT_HEADERS_ENABLED=True,
        RATELIMIT_FAIL_ON_FIRST_BREACH=first_breach,
        RATELIMIT_KEY_PREFIX="upstander",
    )
    limiter = Limiter(key_func=lambda: "everyone")
    limiter.count_plainly = plainly

    def who() -> str:
        return request.headers.get("X-Who", "")

    def succeeded(response: Response) -> bool:
        return response.status_code == 201

    @app.post("/stacked")
    @limiter.shared_limit("3 per minute", scope="narrow", key_func=who)
    @limiter.shared_limit("5 per hour", scope="wide", key_func=who)
    def stacked() -> tuple[str, int]:
        return "stacked", 200

    @app.post("/on-success")
    @limiter.shared_limit("2 per minute", scope="success", key_func=who, deduct_when=succeeded)
    def on_success() -> tuple[str, int]:
        return "done", 201 if request.args.get("ok") else 409

    @app.post("/keyed")
    @limiter.shared_limit(lambda: g.get("limit", "2 per minute"), scope="keyed", key_func=who)
    def keyed() -> str:
        return "keyed"

    @app.post("/single")
    @limiter.shared_limit("4 per minute", scope="narrow", key_func=who)
    def single() -> str:
        return "single"

    limiter.init_app(app)
    limiter.count_with(OneTripFixedWindow)
    return app.test_client(), limiter


def _answer(response: Any) -> tuple[Any, ...]:
    headers = response.headers
    return (
        response.status_code,
        headers.get("X-RateLimit-Limit"),
        headers.get("X-RateLimit-Remaining"),
        "Retry-After" in headers,
    )


REQUESTS = st.lists(
    st.tuples(st.sampled_from(PATHS), st.sampled_from(["ann", "bo", ""]), st.booleans()),
    min_size=1,
    max_size=25,
)


@settings(max_examples=60, deadline=None)
@given(requests=REQUESTS, first_breach=st.booleans())
def test_the_plain_count_answers_as_flask_limiters_pass(
    requests: list[tuple[str, str, bool]], first_breach: bool
) -> None:
    general, _ = _client(plainly=False, first_breach=first_breach)
    plain, limiter = _client(plainly=True, first_breach=first_breach)
    for path, who, ok in requests:
        sent = {"headers": {"X-Who": who} if who else {}, "query_string": {"ok": "1"} if ok else {}}
        assert _answer(plain.post(path, **sent)) == _answer(general.post(path, **sent)), (
            path,
            who,
            ok,
        )
    assert any(value is not None for value in limiter._plain_views.values())


@pytest.mark.parametrize("first_breach", [True, False])
def test_stacked_limits_breached_together_answer_as_flask_limiters_pass(
    first_breach: bool,
) -> None:
    """Past both of a view's limits, the headers describe the last limit breached (or the only
    one counted, when the first breach ends the count), the refusal the narrowest."""
    general, _ = _client(plainly=False, first_breach=first_breach)
    plain, _ = _client(plainly=True, first_breach=first_breach)
    sent = {"headers": {"X-Who": "ann"}}
    answers = [(_answer(plain.post("/stacked", **sent)), _answer(general.post("/stacked", **sent)))]
    answers += [
        (_answer(plain.post("/stacked", **sent)), _answer(general.post("/stacked", **sent)))
        for _ in range(6)
    ]
    assert [mine for mine, _theirs in answers] == [theirs for _mine, theirs in answers]
    statuses = [mine[0] for mine, _theirs in answers]
    assert statuses == [200, 200, 200, 429, 429, 429, 429]
    # The seventh request breaches the hourly limit too; counted on, it is the one shown.
    assert answers[-1][0][1] == ("3" if first_breach else "5")


def test_limits_it_cannot_count_plainly_go_through_flask_limiters_pass() -> None:
    app = Flask(__name__)
    app.config.update(RATELIMIT_STORAGE_URI="memory://")
    limiter = Limiter(key_func=lambda: "everyone")

    @app.post("/exempt-sometimes")
    @limiter.shared_limit("1 per minute", scope="s", exempt_when=lambda: True)
    def exempt_sometimes() -> str:
        return "ok"

    @app.route("/per-method", methods=["GET", "POST"])
    @limiter.limit("1 per minute", per_method=True)
    def per_method() -> str:
        return "ok"

    @app.route("/shared-per-method", methods=["GET", "POST"])
    @limiter.shared_limit("1 per minute", scope="m", per_method=True)
    def shared_per_method() -> str:
        return "ok"

    limiter.init_app(app)
    client = app.test_client()
    # Exempt every time: never refused.
    assert [client.post("/exempt-sometimes").status_code for _ in range(3)] == [200] * 3
    # Counted per method: one of each.
    assert [client.get("/per-method").status_code for _ in range(2)] == [200, 429]
    assert client.post("/per-method").status_code == 200
    # A shared limit counted per method: also one of each.
    assert [client.get("/shared-per-method").status_code for _ in range(2)] == [200, 429]
    assert client.post("/shared-per-method").status_code == 200
    assert all(value is None for value in limiter._plain_views.values())


def test_the_apps_claims_and_posts_are_counted_plainly(
    app: Flask, api_as: Any, create_member: Any
) -> None:
    from network.extensions import limiter
    from tests.alerts.conftest import alert_body

    member = create_member(trust_level=1)
    posted = api_as(member, "POST", "/api/v1/alerts", json=alert_body())
    assert posted.status_code == 201, posted.get_json()
    claimed = api_as(
        member,
        "POST",
        f"/api/v1/alerts/{posted.get_json()['id']}/actions",
        json={"type": "report_platform"},
    )
    assert claimed.status_code in (201, 409), claimed.get_json()
    plain = {name.rsplit(".", 1)[-1] for name, value in limiter._plain_views.items() if value}
    assert {"create_alert", "claim_action"} <= plain


def test_a_limit_whose_value_does_not_parse_is_left_out_as_flask_limiter_leaves_it_out() -> None:
    """A setting with a typo costs its own limit, logged, never the view's other limits or the
    request itself."""
    answers: dict[bool, list[int]] = {}
    for plainly in (False, True):
        app = Flask(__name__)
        app.config.update(RATELIMIT_STORAGE_URI="memory://")
        limiter = Limiter(key_func=lambda: "everyone")
        limiter.count_plainly = plainly

        @app.post("/typo")
        @limiter.shared_limit(lambda: "twice a fortnight", scope="typo")
        @limiter.shared_limit("2 per minute", scope="good")
        def typo() -> str:
            return "ok"

        limiter.init_app(app)
        client = app.test_client()
        answers[plainly] = [client.post("/typo").status_code for _ in range(3)]
    assert answers[True] == answers[False] == [200, 200, 429]


def test_views_are_decided_anew_when_an_exemption_or_filter_is_added() -> None:
    client, limiter = _client(plainly=True)
    assert client.post("/single", headers={"X-Who": "ann"}).status_code == 200
    assert limiter._plain_views
    limiter.request_filter(lambda: False)
    assert not limiter._plain_views
