"""Replay on /feed under today's rules: nothing hidden comes back, no history before joining."""

from __future__ import annotations

import json
from collections.abc import Callable, Iterator
from datetime import timedelta
from typing import Any

import pytest
import sqlalchemy as sa
from flask import Flask
from flask_socketio import SocketIOTestClient

from network.extensions import db
from network.realtime import NAMESPACE
from tests.alerts.conftest import alert_body
from tests.sockets import socket_clients

Replayed = list[tuple[str, dict[str, Any]]]


@pytest.fixture
def replay(app: Flask, create_token: Any) -> Iterator[Callable[..., Replayed]]:
    """Connect a member with `since`; return the events replayed to them, in order."""
    with socket_clients(app) as connect:

        def replayed(member: Any, since: int = 0) -> Replayed:
            client: SocketIOTestClient = connect(
                auth={"token": create_token(member), "since": since}
            )
            assert client.is_connected(NAMESPACE)
            return [(sent["name"], sent["args"][0]) for sent in client.get_received(NAMESPACE)]

        yield replayed


@pytest.fixture
def post(api_as: Callable[..., Any], create_member: Callable[..., Any]) -> Callable[..., Any]:
    """Post an open alert as a trusted member; return (reporter, alert JSON)."""

    def make(**changes: Any) -> tuple[Any, dict[str, Any]]:
        reporter = create_member(trust_level=1)
        response = api_as(reporter, "POST", "/api/v1/alerts", json=alert_body(**changes))
        assert response.status_code == 201, response.get_data(as_text=True)
        return reporter, response.get_json()

    return make


def names(replayed: Replayed) -> list[str]:
    return [event for event, _message in replayed]


def about(replayed: Replayed, alert_id: int) -> Replayed:
    """The replayed events that concern one alert."""
    found = []
    for event, message in replayed:
        ids = {
            message.get("alert_id"),
            (message.get("alert") or {}).get("id"),
            (message.get("action") or {}).get("alert_id"),
            (message.get("ask") or {}).get("alert_id"),
        }
        if alert_id in ids:
            found.append((event, message))
    return found


def hide_by_flags(app: Flask, api_as: Any, create_member: Any, alert_id: int) -> None:
    for _ in range(int(app.config["ABUSE_FLAGS_TO_HIDE"])):
        flagger = create_member(trust_level=1)
        response = api_as(
            flagger, "POST", f"/api/v1/alerts/{alert_id}/flags", json={"reason": "misleading"}
        )
        assert response.status_code in (200, 201), response.get_data(as_text=True)


def review(api_as: Any, organiser: Any, alert_id: int, decision: str) -> None:
    body = {"decision": decision, "reason": "Not what the network is for."}
    response = api_as(organiser, "POST", f"/api/v1/alerts/{alert_id}/review", json=body)
    assert response.status_code == 200, response.get_data(as_text=True)


def resolve(api_as: Any, reporter: Any, alert_id: int) -> None:
    body = {"outcome": "content_removed"}
    response = api_as(reporter, "POST", f"/api/v1/alerts/{alert_id}/resolve", json=body)
    assert response.status_code == 200, response.get_data(as_text=True)


def erase(app: Flask, member: Any) -> None:
    from network.accounts.models import Member
    from network.privacy.services import erase_member

    with app.test_request_context():
        row = db.session.get(Member, member.id)
        assert row is not None
        erase_member(row)


def expire(app: Flask, alert_id: int) -> None:
    from network.alerts.models import Alert
    from network.alerts.services import expire_stale_alerts
    from network.db import utcnow

    with app.test_request_context():
        days = int(app.config["ALERT_EXPIRY_DAYS"]) + 1
        db.session.execute(
            sa.update(Alert)
            .where(Alert.id == alert_id)
            .values(last_activity_at=utcnow() - timedelta(days=days))
        )
        db.session.commit()
        assert expire_stale_alerts() == 1


def leaves_feed(how: str, app: Flask, api_as: Any, create_member: Any) -> Any:
    """Return what makes an alert leave the feed, given its reporter and id."""

    def hidden(reporter: Any, alert_id: int) -> None:
        hide_by_flags(app, api_as, create_member, alert_id)

    def rejected(reporter: Any, alert_id: int) -> None:
        hidden(reporter, alert_id)
        review(api_as, create_member(role="organiser"), alert_id, "reject")

    def resolved(reporter: Any, alert_id: int) -> None:
        resolve(api_as, reporter, alert_id)

    def reporter_erased_then_hidden(reporter: Any, alert_id: int) -> None:
        erase(app, reporter)
        hidden(reporter, alert_id)

    def expired(reporter: Any, alert_id: int) -> None:
        expire(app, alert_id)

    return {
        "hidden_by_flags": hidden,
        "rejected": rejected,
        "resolved": resolved,
        "reporter_erased_then_hidden": reporter_erased_then_hidden,
        "expired": expired,
    }[how]


@pytest.mark.parametrize(
    "how", ["hidden_by_flags", "rejected", "resolved", "reporter_erased_then_hidden", "expired"]
)
def test_an_alert_that_left_the_feed_is_replayed_as_its_id_alone(
    app: Flask,
    how: str,
    create_member: Any,
    api_as: Any,
    post: Any,
    claim: Any,
    replay: Callable[..., Replayed],
) -> None:
    watcher = create_member()
    summary = "A thread that has since left the feed, with its private details."
    reporter, gone = post(summary=summary, url="https://www.instagram.com/p/LeftTheFeed/")
    assert claim(create_member(), gone["id"], "report_platform").status_code == 201
    _other_reporter, staying = post()
    leaves_feed(how, app, api_as, create_member)(reporter, gone["id"])

    replayed = replay(watcher)

    everything = json.dumps(replayed)
    assert summary not in everything and "LeftTheFeed" not in everything
    [(event, message)] = about(replayed, gone["id"])
    assert event == "alert.removed"
    assert set(message) == {"event_id", "alert_id"}
    assert "alert.created" in names(about(replayed, staying["id"])), "visible alerts still replay"
    ids = [message["event_id"] for _event, message in replayed]
    assert ids == sorted(ids) and len(set(ids)) == len(ids)


def test_an_alert_back_in_the_feed_after_review_replays_in_full(
    app: Flask, create_member: Any, api_as: Any, post: Any, replay: Callable[..., Replayed]
) -> None:
    watcher = create_member()
    _reporter, alert = post()
    hide_by_flags(app, api_as, create_member, alert["id"])
    review(api_as, create_member(role="organiser"), alert["id"], "approve")

    replayed = about(replay(watcher), alert["id"])

    assert names(replayed)[0] == "alert.created"
    assert "alert.removed" not in names(replayed)
    assert replayed[-1][1]["alert"]["hidden"] is False


def test_a_newcomer_gets_nothing_from_before_they_joined(
    create_member: Any, post: Any, claim: Any, replay: Callable[..., Replayed]
) -> None:
    _reporter, before = post(summary="Posted before the newcomer joined.")
    assert claim(create_member(), before["id"], "report_platform").status_code == 201
    newcomer = create_member()
    _reporter, after = post(summary="Posted after the newcomer joined.")

    replayed = replay(newcomer, since=0)

    assert about(replayed, before["id"]) == []
    assert "Posted before" not in json.dumps(replayed)
    assert names(about(replayed, after["id"])) == ["alert.created"]


def test_events_of_a_team_the_member_left_are_not_replayed(
    app: Flask, create_member: Any, replay: Callable[..., Replayed]
) -> None:
    from network.accounts.models import Member
    from network.realtime import publish, team_room
    from network.teams import services

    member, founder = create_member(), create_member()
    with app.test_request_context():
        team = services.create_team(db.session.get(Member, founder.id), name="Neighbours")
        team_id, code = team.id, team.invite_code
        services.join_team(db.session.get(Member, member.id), invite_code=code)
        publish("team.note", {"team_id": team_id, "text": "while a member"}, [team_room(team_id)])
        db.session.commit()
        assert "while a member" in json.dumps(replay(member))
        services.leave_team(db.session.get(Member, member.id), team_id)
        publish("team.note", {"team_id": team_id, "text": "after leaving"}, [team_room(team_id)])
        db.session.commit()

    assert "team.note" not in names(replay(member)), "rooms are the member's rooms as of now"


def test_a_team_alert_replays_like_any_alert_in_the_feed(
    app: Flask, create_member: Any, api_as: Any, replay: Callable[..., Replayed]
) -> None:
    from network.accounts.models import Member
    from network.teams import services

    member, founder = create_member(), create_member(trust_level=1)
    with app.test_request_context():
        team = services.create_team(db.session.get(Member, founder.id), name="Neighbours")
        team_id = team.id
        services.join_team(db.session.get(Member, member.id), invite_code=team.invite_code)
        # Team alerts need three members, so nobody can tell who posted one.
        third = create_member()
        services.join_team(db.session.get(Member, third.id), invite_code=team.invite_code)
    response = api_as(founder, "POST", "/api/v1/alerts", json=alert_body(team_id=team_id))
    assert response.status_code == 201, response.get_data(as_text=True)
    alert = response.get_json()
    with app.test_request_context():
        services.leave_team(db.session.get(Member, member.id), team_id)
    hide_by_flags(app, api_as, create_member, alert["id"])

    assert names(about(replay(member), alert["id"])) == ["alert.removed"]


def test_campaign_events_follow_the_members_campaigns_as_of_now(
    app: Flask, create_member: Any, api_as: Any, replay: Callable[..., Replayed]
) -> None:
    from network.db import utcnow
    from network.realtime import campaign_room, publish

    member, organiser = create_member(), create_member(role="organiser")
    body = {
        "title": "Week against hate",
        "starts_at": utcnow().isoformat(),
        "ends_at": (utcnow() + timedelta(days=7)).isoformat(),
        "goal": 10,
    }
    campaign = api_as(organiser, "POST", "/api/v1/campaigns", json=body).get_json()
    path = f"/api/v1/campaigns/{campaign['id']}"
    assert api_as(organiser, "POST", f"{path}/launch").status_code == 200
    assert api_as(member, "POST", f"{path}/members").status_code in (200, 201)
    with app.test_request_context():
        publish("campaign.note", {"text": "joined"}, [campaign_room(campaign["id"])])
        db.session.commit()
    assert api_as(member, "DELETE", f"{path}/members/me").status_code == 204
    with app.test_request_context():
        publish("campaign.note", {"text": "left"}, [campaign_room(campaign["id"])])
        db.session.commit()

    replayed = replay(member)

    assert "campaign.note" not in names(replayed), "rooms are the member's rooms as of now"
    launched = [message for event, message in replayed if event == "campaign.updated"]
    assert launched and launched[0]["campaign"]["id"] == campaign["id"]


def test_a_since_beyond_the_log_asks_the_client_to_refetch(
    create_member: Any, post: Any, replay: Callable[..., Replayed]
) -> None:
    member = create_member()
    post()
    for since in (10**6, 2**31, 2**63, 10**40):
        assert replay(member, since=since) == [("feed.reset", {"reason": "unknown_since"})]


def test_replay_reads_visibility_in_a_fixed_number_of_queries(
    app: Flask,
    create_member: Any,
    api_as: Any,
    post: Any,
    claim: Any,
    replay: Callable[..., Replayed],
) -> None:
    watcher = create_member()
    _reporter, first = post()
    engine = db.engine_for(app)

    def statements_of_a_replay() -> list[str]:
        seen: list[str] = []

        def record(_conn: Any, _cursor: Any, statement: str, *_args: Any) -> None:
            seen.append(statement)

        sa.event.listen(engine, "before_cursor_execute", record)
        try:
            replay(watcher)
        finally:
            sa.event.remove(engine, "before_cursor_execute", record)
        return seen

    few = statements_of_a_replay()
    for _ in range(6):
        reporter, alert = post()
        claim(create_member(), alert["id"], "report_platform")
    hide_by_flags(app, api_as, create_member, first["id"])
    resolve(api_as, reporter, alert["id"])
    many = statements_of_a_replay()

    assert len(many) == len(few), many
    assert len([s for s in many if "FROM alert " in s or "FROM alert\n" in s]) == 1, many


def test_watching_an_alert_outside_the_feed_tells_the_network_nothing(
    app: Flask,
    create_member: Any,
    create_token: Any,
    api_as: Any,
    post: Any,
) -> None:
    organiser, member = create_member(role="organiser"), create_member()
    pending = api_as(create_member(), "POST", "/api/v1/alerts", json=alert_body()).get_json()
    assert pending["status"] == "pending_review"
    _reporter, hidden = post()
    hide_by_flags(app, api_as, create_member, hidden["id"])
    _reporter, public = post()
    with socket_clients(app) as connect:
        reviewer = connect(auth={"token": create_token(organiser)})
        bystander = connect(auth={"token": create_token(member)})
        bystander.get_received(NAMESPACE)
        for alert in (pending, hidden):
            answer = reviewer.emit(
                "watch", {"alert_id": alert["id"]}, namespace=NAMESPACE, callback=True
            )
            assert answer == {"viewers": 1}
        reviewer.disconnect(namespace=NAMESPACE)
        heard = [sent["args"][0] for sent in bystander.get_received(NAMESPACE)]
        assert heard == [], "no id of a pending or hidden alert reaches the network"
        bystander.emit("watch", {"alert_id": public["id"]}, namespace=NAMESPACE, callback=True)
        viewers = [s["args"][0] for s in bystander.get_received(NAMESPACE)]
        assert viewers == [{"alert_id": public["id"], "viewers": 1}]
