"""The hurtful link is never fetched; alert posting and flagging are rate-limited; stale alerts
expire."""

from __future__ import annotations

import json
import threading
import urllib.request
from collections.abc import Callable, Iterator
from datetime import timedelta
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

import pytest
import sqlalchemy as sa
from flask import Flask
from flask.testing import FlaskClient

from network.alerts.models import Alert, AlertStatus
from network.db import utcnow
from network.extensions import db
from network.moderation.models import AuditEntry
from network.realtime.models import FeedEvent
from tests.alerts.conftest import alert_body
from tests.harness import SHUTDOWN_POLL
from tests.world import counting_statements, loads_of


class Recorder(BaseHTTPRequestHandler):
    """A web server standing in for the hurtful site: it only counts visits."""

    visits: list[str] = []

    def do_GET(self) -> None:
        Recorder.visits.append(self.path)
        self.send_response(200)
        self.end_headers()
        self.wfile.write(b"<title>hurtful thread</title>")

    do_HEAD = do_GET

    def log_message(self, format: str, *args: Any) -> None:
        return


@pytest.fixture
def hurtful_site() -> Iterator[str]:
    Recorder.visits = []
    server = ThreadingHTTPServer(("127.0.0.1", 0), Recorder)
    thread = threading.Thread(target=server.serve_forever, args=(SHUTDOWN_POLL,), daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_address[1]}"
    server.shutdown()
    server.server_close()


def test_the_server_never_fetches_the_hurtful_url(
    client: FlaskClient,
    api_as: Any,
    create_member: Any,
    log_in: Any,
    hurtful_site: str,
    app: Flask,
) -> None:
    url = f"{hurtful_site}/thread/1"
    reporter, reader, organiser = (
        create_member(trust_level=1),
        create_member(),
        create_member(role="organiser"),
    )
    posted = api_as(reporter, "POST", "/api/v1/alerts", json=alert_body(url=url))
    assert posted.status_code == 201
    alert_id = posted.get_json()["id"]
    api_as(reader, "GET", f"/api/v1/alerts/{alert_id}")
    api_as(reader, "GET", "/api/v1/alerts")
    log_in(organiser)
    for path in (f"/alerts/{alert_id}", f"/alerts/{alert_id}/visit", "/alerts/", "/review/"):
        assert client.get(path).status_code == 200
    assert Recorder.visits == []
    # The stand-in site does record visits: a request of our own shows up.
    with urllib.request.urlopen(f"{hurtful_site}/probe", timeout=5):
        pass
    assert Recorder.visits == ["/probe"]


def test_new_members_post_three_alerts_a_day_then_429(
    api_as: Any, create_member: Callable[..., Any]
) -> None:
    newcomer = create_member()
    for _ in range(3):
        assert api_as(newcomer, "POST", "/api/v1/alerts", json=alert_body()).status_code == 201
    refused = api_as(newcomer, "POST", "/api/v1/alerts", json=alert_body())
    assert refused.status_code == 429
    error = refused.get_json()["error"]
    assert error["code"] == "rate_limited" and "try again in" in error["message"]
    assert int(refused.headers["Retry-After"]) > 0
    other = create_member()
    assert api_as(other, "POST", "/api/v1/alerts", json=alert_body()).status_code == 201


def test_refused_input_does_not_use_up_the_limit(api_as: Any, create_member: Any) -> None:
    newcomer = create_member()
    for _ in range(5):
        assert (
            api_as(newcomer, "POST", "/api/v1/alerts", json=alert_body(severity=9)).status_code
            == 422
        )
    assert api_as(newcomer, "POST", "/api/v1/alerts", json=alert_body()).status_code == 201


def test_trusted_members_have_a_higher_limit(app: Flask, api_as: Any, create_member: Any) -> None:
    trusted = create_member(trust_level=2)
    statuses = [
        api_as(trusted, "POST", "/api/v1/alerts", json=alert_body()).status_code for _ in range(21)
    ]
    assert statuses == [201] * 20 + [429]


def test_the_page_and_the_api_share_one_limit(
    api_as: Any, submit: Any, create_member: Any, log_in: Any
) -> None:
    newcomer = create_member()
    for _ in range(3):
        assert api_as(newcomer, "POST", "/api/v1/alerts", json=alert_body()).status_code == 201
    log_in(newcomer)
    page = submit("/alerts/new", {**alert_body(), "severity": "2", "responder_goal": "3"})
    assert page.status_code == 429
    assert "try again in" in page.get_data(as_text=True)


@pytest.mark.parametrize("held", [False, True], ids=["not_held", "held_open"])
def test_stale_open_alerts_expire_and_active_ones_stay(
    app: Flask, api_as: Any, create_member: Any, held: bool
) -> None:
    from network.tasks.alerts import expire_stale_alerts

    poster = create_member(trust_level=1)
    stale = api_as(poster, "POST", "/api/v1/alerts", json=alert_body()).get_json()
    fresh = api_as(poster, "POST", "/api/v1/alerts", json=alert_body()).get_json()
    with app.app_context():
        alert = db.session.get(Alert, stale["id"])
        assert alert is not None
        alert.last_activity_at = utcnow() - timedelta(days=8)
        db.session.commit()
    with app.test_request_context():
        if held:  # the session already has the alert as open: the job must not announce it so
            holding = db.session.get(Alert, stale["id"])
            assert holding is not None and holding.status == AlertStatus.OPEN
        with counting_statements(app) as statements:
            assert expire_stale_alerts.run() == 1
        last = db.session.scalars(sa.select(FeedEvent).order_by(FeedEvent.id.desc())).first()
        assert last is not None
        assert (last.event, last.payload.get("alert_id")) == ("alert.removed", stale["id"])
        assert "summary" not in json.dumps(last.payload)
    # Read once, as the statement left it (not loaded and then read again).
    assert len(loads_of("alert", statements)) == 1, statements
    with app.app_context():
        assert db.session.get(Alert, stale["id"]).status == AlertStatus.EXPIRED  # type: ignore[union-attr]
        assert db.session.get(Alert, fresh["id"]).status == AlertStatus.OPEN  # type: ignore[union-attr]
        assert (
            db.session.scalar(
                sa.select(AuditEntry.action).where(AuditEntry.subject_id == stale["id"])
            )
            == "alert.expired"
        )
