"""The notifications page, the push worker's address, the VAPID key of the embedded mode, and the
numbers kept for the impact pages."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

import sqlalchemy as sa
from flask import Flask
from flask.testing import FlaskClient

from network.alerts.models import Alert
from network.coordination.models import Ask, AskAnswer
from network.extensions import db
from network.reach.vapid import KEY_FILE
from tests.harness import standalone_app

Api = Callable[..., Any]


def test_the_notifications_page_changes_settings_and_lists_devices(
    client: FlaskClient, api_as: Api, create_member: Any, submit: Any, log_in: Any
) -> None:
    member = create_member()
    log_in(member)
    page = client.get("/profile/reach").get_data(as_text=True)
    assert 'id="push-device"' in page and "js/push.js" in page and "<script>" not in page
    assert 'value="22:00"' in page and 'value="08:00"' in page
    saved = submit(
        "/profile/reach",
        {"team_alerts": "y", "severe_alerts": "y", "quiet_from": "23:30", "quiet_until": "06:45"},
    )
    assert saved.status_code == 302
    settings = api_as(member, "GET", "/api/v1/me/reach-settings").get_json()
    assert settings["severe_alerts"] is True and settings["ask_mail"] is False
    assert (settings["quiet_from"], settings["quiet_until"]) == ("23:30", "06:45")
    refused = submit("/profile/reach", {"quiet_from": "25:99", "quiet_until": "06:45"})
    assert refused.status_code == 200 and "HH:MM" in refused.get_data(as_text=True)


def test_the_push_worker_is_served_for_the_whole_site(client: FlaskClient) -> None:
    answer = client.get("/push-sw.js")
    assert answer.status_code == 200
    assert answer.headers["Service-Worker-Allowed"] == "/"
    assert "javascript" in answer.headers["Content-Type"]
    body = answer.get_data(as_text=True)
    assert 'addEventListener("push"' in body and 'addEventListener("notificationclick"' in body


def test_the_embedded_mode_makes_its_vapid_key_once_and_keeps_it(tmp_path: Path) -> None:
    from network.reach.vapid import application_server_key

    with standalone_app(tmp_path / "instance", migrate=False).app_context():
        first = application_server_key()
    assert first and (tmp_path / "instance" / KEY_FILE).stat().st_mode & 0o077 == 0
    with standalone_app(tmp_path / "instance", migrate=False).app_context():
        assert application_server_key() == first


def test_time_to_first_claim_and_how_asks_ended_are_kept(
    app: Flask, api_as: Api, create_member: Any, post_alert: Api
) -> None:
    helper = create_member(trust_level=2)
    alert = post_alert(create_member(trust_level=1), language="en").get_json()
    [ask] = api_as(helper, "GET", "/api/v1/me/asks").get_json()["items"]
    api_as(helper, "POST", f"/api/v1/asks/{ask['id']}/accept", json={"type": "report_platform"})
    with app.app_context():
        stored = db.session.get(Alert, alert["id"])
        assert stored is not None and stored.live_at is not None
        assert stored.first_claim_at is not None and stored.first_claim_at >= stored.live_at
        answered = db.session.scalar(sa.select(Ask).where(Ask.member_id == helper.id))
        assert answered is not None and answered.answer == AskAnswer.ACCEPTED
