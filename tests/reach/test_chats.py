"""Group chats through Apprise: a json:// URL to a local webhook receives new open alerts."""

from __future__ import annotations

import json
import logging
from collections.abc import Callable
from typing import Any

import pytest
from flask import Flask
from flask.testing import FlaskClient

from network.extensions import db
from network.reach import chats
from network.tasks.reach import alert_live
from tests.conftest import run_job
from tests.support.push import Server
from tests.world import counting_statements, loads_of

Api = Callable[..., Any]
SUMMARY = "Dozens of comments mocking a girl for her religion."


def connect(app: Flask, organiser: Any, url: str, team_id: int | None = None) -> int:
    from network.accounts.models import Member

    with app.test_request_context():
        member = db.session.get(Member, organiser.id)
        assert member is not None
        return chats.connect_chat(member, name="Volunteers", url=url, team_id=team_id).id


def hook(server: Server, path: str = "/hook") -> str:
    """The Apprise json:// URL of the local webhook at `path`."""
    return f"json://127.0.0.1:{server.origin.rsplit(':', 1)[1]}{path}"


def posted(server: Server) -> list[dict[str, Any]]:
    return [json.loads(request.body) for request in server.requests()]


def test_a_new_open_alert_is_posted_with_a_link_and_never_its_reporter(
    app: Flask,
    create_member: Any,
    organiser: Any,
    post_alert: Api,
    chat_webhook: Server,
    caplog: pytest.LogCaptureFixture,
) -> None:
    url = hook(chat_webhook, "/hook?secret=chat-secret-42")
    connect(app, organiser, url)
    reporter = create_member(trust_level=1, display_name="Reporter Rosa")
    with caplog.at_level(logging.DEBUG):
        # The asks job posts each alert, after its asks.
        mild = post_alert(reporter, severity=2, summary=SUMMARY).get_json()
        severe = post_alert(reporter, severity=4, summary=SUMMARY).get_json()

    first, second = posted(chat_webhook)
    assert "severity 2" in first["title"] and "Instagram" in first["title"]
    assert SUMMARY in first["message"]
    assert f"http://localhost/alerts/{mild['id']}" in first["message"]
    # Severity 3 and 4: no summary, only what kind of alert and where.
    assert "severity 4" in second["title"]
    assert SUMMARY not in second["message"] and SUMMARY not in second["title"]
    assert f"/alerts/{severe['id']}" in second["message"]
    for notice in (first, second):
        assert "Rosa" not in json.dumps(notice) and reporter.email not in json.dumps(notice)
    assert "chat-secret-42" not in caplog.text


@pytest.fixture
def network_chat(app: Flask, organiser: Any, chat_webhook: Server) -> Server:
    """The local webhook, connected as a group chat of the whole network."""
    connect(app, organiser, hook(chat_webhook))
    return chat_webhook


def test_pending_and_hidden_alerts_never_reach_a_chat(
    create_member: Any, post_alert: Api, network_chat: Server
) -> None:
    newcomer = create_member(trust_level=0)
    pending = post_alert(newcomer).get_json()
    assert pending["status"] == "pending_review"
    run_job(alert_live, pending["id"])
    assert network_chat.requests() == []


def test_a_team_chat_gets_only_its_teams_alerts(
    app: Flask,
    api_as: Api,
    create_member: Any,
    organiser: Any,
    post_alert: Api,
    chat_webhook: Server,
) -> None:
    founder = create_member(trust_level=1)
    team = api_as(founder, "POST", "/api/v1/teams", json={"name": "Class 4B"}).get_json()
    connect(
        app,
        organiser,
        hook(chat_webhook, "/team"),
        team_id=team["id"],
    )
    outside = post_alert(create_member(trust_level=1)).get_json()
    run_job(alert_live, outside["id"])
    assert chat_webhook.requests() == []


def test_the_chat_url_is_never_shown_back(
    app: Flask, client: FlaskClient, organiser: Any, submit: Any, log_in: Any
) -> None:
    log_in(organiser)
    secret_url = "tgram://123456789:AAH-very-secret-bot-token/-100123"
    answer = submit("/chats", {"name": "Telegram group", "url": secret_url, "team_id": ""})
    assert answer.status_code == 302
    page = client.get("/chats").get_data(as_text=True)
    assert "Telegram group" in page and "tgram://…" in page
    assert "very-secret" not in page and "123456789" not in page
    refused = submit("/chats", {"name": "Bad", "url": "not a chat address", "team_id": ""})
    assert refused.status_code == 200
    assert "not a chat address" not in refused.get_data(as_text=True)


def test_members_cannot_connect_chats(app: Flask, create_member: Any, chat_webhook: Server) -> None:
    from network.accounts.models import Member
    from network.errors import Forbidden

    member = create_member(trust_level=2)
    with app.test_request_context():
        actor = db.session.get(Member, member.id)
        assert actor is not None
        with pytest.raises(Forbidden):
            chats.connect_chat(actor, name="Mine", url=f"json://{chat_webhook.origin[7:]}/x")


def test_telling_the_network_reads_the_alert_once(
    app: Flask, create_member: Any, post_alert: Api, network_chat: Server
) -> None:
    # The chats and the pushes both need the alert: the job reads it once for both (the
    # session would forget a row nobody refers to between them, and read it again).
    alert = post_alert(create_member(trust_level=1), severity=4).get_json()
    before = len(network_chat.requests())
    with counting_statements(app) as statements:
        result = run_job(alert_live, alert["id"])
    assert len(loads_of("alert", statements)) == 1, statements
    assert result["chats"] == 1 and len(network_chat.requests()) == before + 1
