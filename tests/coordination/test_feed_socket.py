"""The live feed over Socket.IO, with a real python-socketio client against a running server."""

from __future__ import annotations

import json
import threading
from collections.abc import Callable, Iterator
from typing import Any

import pytest
import socketio
from flask import Flask

from network.settings import replace_settings
from tests.alerts.conftest import alert_body
from tests.conftest import ask_members_job
from tests.harness import free_port, live_server, request_json, wait_until
from tests.sockets import PromptClient

pytestmark = pytest.mark.live


class FeedClient:
    """A python-socketio client that records every event it receives on /feed."""

    def __init__(self, transports: list[str] | None = None) -> None:
        # Long-polling by default: against the test server a WebSocket takes three seconds to
        # close. One test below runs over the WebSocket transport itself.
        self.transports = transports or ["polling"]
        self.sio = PromptClient(reconnection=False)
        self.events: list[tuple[str, Any]] = []
        self._lock = threading.Lock()

        @self.sio.on("*", namespace="/feed")
        def _any(event: str, data: Any = None) -> None:
            with self._lock:
                self.events.append((event, data))

    def connect(
        self, origin: str, auth: dict[str, Any] | None = None, headers: dict[str, str] | None = None
    ) -> None:
        self.sio.connect(
            origin,
            namespaces=["/feed"],
            auth=auth,
            headers=headers or {},
            transports=self.transports,
            wait_timeout=10,
        )

    def named(self, name: str) -> list[Any]:
        with self._lock:
            return [data for event, data in self.events if event == name]

    def wait_for(self, name: str, count: int = 1) -> list[Any]:
        return wait_until(
            lambda: len(self.named(name)) >= count and self.named(name),
            timeout=10,
            what=lambda: f"{count} {name} in {self.events}",
        )

    def wait_until_subscribed(self, redis_url: str, channel: str) -> None:
        """Wait until this client's web process listens on the queue (it subscribes on first
        connect): a probe published from outside every web process reaches the client only
        through that process's subscription."""
        emitter = socketio.RedisManager(redis_url, channel=channel, write_only=True)
        sid = self.sio.get_sid("/feed")

        def probe_arrived() -> bool:
            emitter.emit("probe", {"sid": sid}, namespace="/feed", room=sid)
            return bool(self.named("probe"))

        try:
            wait_until(probe_arrived, timeout=10, interval=0.1, what="the web process to subscribe")
        finally:
            if emitter.redis is not None:
                emitter.redis.close()

    def close(self) -> None:
        # Drop the connection at once: a graceful WebSocket close against the test server
        # waits three seconds for an answer it never gets.
        if self.sio.connected:
            self.sio.eio.disconnect(abort=True)


@pytest.fixture
def server(app: Flask) -> Iterator[str]:
    with live_server(app, free_port()) as origin:
        yield origin


@pytest.fixture
def feed_client() -> Iterator[Callable[..., FeedClient]]:
    clients: list[FeedClient] = []

    def make(transports: list[str] | None = None) -> FeedClient:
        client = FeedClient(transports)
        clients.append(client)
        return client

    yield make
    for client in clients:
        client.close()


def call(
    origin: str, method: str, path: str, token: str, body: dict[str, Any] | None = None
) -> tuple[int, Any]:
    return request_json(origin, method, path, body, token, timeout=30)


def test_a_connection_without_login_or_with_a_bad_token_is_refused(
    server: str, feed_client: Callable[[], FeedClient]
) -> None:
    for auth in (None, {"token": "upn_not-a-real-token"}):
        with pytest.raises(socketio.exceptions.ConnectionError):
            feed_client().connect(server, auth=auth)


def test_a_connection_from_another_origin_is_refused(
    server: str, feed_client: Callable[[], FeedClient], create_member_with_token: Any
) -> None:
    token = create_member_with_token().token
    with pytest.raises(socketio.exceptions.ConnectionError):
        feed_client().connect(
            server, auth={"token": token}, headers={"Origin": "http://evil.example"}
        )
    same_origin = feed_client(["websocket"])  # it sends the server's own origin
    same_origin.connect(server, auth={"token": token})
    assert same_origin.sio.connected


def test_members_see_alerts_and_claims_live_without_identities(
    server: str,
    feed_client: Callable[[], FeedClient],
    create_member: Any,
    create_member_with_token: Any,
    create_token: Any,
) -> None:
    reporter = create_member(trust_level=1, display_name="Rita Reporter")
    watcher = feed_client()
    watcher.connect(server, auth={"token": create_member_with_token().token})
    status, alert = call(
        server, "POST", "/api/v1/alerts", create_token(reporter), alert_body(severity=2)
    )
    assert status == 201
    [created] = watcher.wait_for("alert.created")
    assert created["alert"]["id"] == alert["id"]
    assert created["alert"]["needs"]["report_platform"]["open"] == 2
    volunteer = create_member(display_name="Quiet Volunteer")
    status, _action = call(
        server,
        "POST",
        f"/api/v1/alerts/{alert['id']}/actions",
        create_token(volunteer),
        {"type": "report_platform", "anonymous": True},
    )
    assert status == 201
    [action] = watcher.wait_for("action.updated")
    assert action["action"]["volunteer"] is None and action["action"]["status"] == "claimed"
    updated = watcher.wait_for("alert.updated")
    assert updated[-1]["alert"]["needs"]["report_platform"]["claimed"] == 1
    ids = [data["event_id"] for _event, data in watcher.events]
    assert ids == sorted(ids) and len(set(ids)) == len(ids)
    everything = json.dumps(watcher.events)
    assert "Rita Reporter" not in everything and "Quiet Volunteer" not in everything
    assert str(reporter.email) not in everything


def test_a_pending_alert_reaches_nobody_until_approved(
    server: str,
    feed_client: Callable[[], FeedClient],
    create_member: Any,
    create_member_with_token: Any,
    create_token: Any,
) -> None:
    watcher = feed_client()
    watcher.connect(server, auth={"token": create_member_with_token().token})
    status, alert = call(
        server, "POST", "/api/v1/alerts", create_member_with_token().token, alert_body()
    )
    assert status == 201 and alert["status"] == "pending_review"
    organiser = create_member(role="organiser")
    status, _ = call(
        server,
        "POST",
        f"/api/v1/alerts/{alert['id']}/review",
        create_token(organiser),
        {"decision": "approve"},
    )
    assert status == 200
    [created] = watcher.wait_for("alert.created")
    assert created["alert"]["id"] == alert["id"]
    assert [event for event, _ in watcher.events].count("alert.created") == 1


def test_a_client_that_reconnects_with_since_gets_exactly_what_it_missed(
    server: str, feed_client: Callable[[], FeedClient], create_member_with_token: Any
) -> None:
    member_token = create_member_with_token().token
    poster = create_member_with_token(trust_level=1).token
    first = feed_client()
    first.connect(server, auth={"token": member_token})
    call(server, "POST", "/api/v1/alerts", poster, alert_body())
    seen = first.wait_for("alert.created")
    last_seen = seen[-1]["event_id"]
    first.close()

    missed = [
        call(
            server,
            "POST",
            "/api/v1/alerts",
            poster,
            alert_body(target_requested_help=True, wanted_actions=["support_target_private"]),
        )[1]["id"]
        for _ in range(3)
    ]

    again = feed_client()
    again.connect(server, auth={"token": member_token, "since": last_seen})
    replayed = again.wait_for("alert.created", 3)
    assert [data["alert"]["id"] for data in replayed] == missed
    ids = [data["event_id"] for data in replayed]
    assert ids == sorted(ids) and ids[0] > last_seen
    assert len(again.events) == 3, again.events


def test_past_the_replay_bound_the_client_is_told_to_refetch(
    app: Flask,
    server: str,
    feed_client: Callable[[], FeedClient],
    create_member_with_token: Any,
) -> None:
    replace_settings(app, feed_replay_limit=2)
    try:
        member = create_member_with_token().token  # a member before the events: they may see them
        poster = create_member_with_token(trust_level=1).token
        for _ in range(3):
            call(server, "POST", "/api/v1/alerts", poster, alert_body())
        late = feed_client()
        late.connect(server, auth={"token": member, "since": 0})
        late.wait_for("feed.reset")
        assert late.named("alert.created") == []
    finally:
        replace_settings(app, feed_replay_limit=500)


def test_a_personal_ask_arrives_only_in_the_members_own_room(
    server: str,
    feed_client: Callable[[], FeedClient],
    create_member: Any,
    create_member_with_token: Any,
    create_token: Any,
    app: Flask,
) -> None:
    replace_settings(app, asks_per_alert=1)
    try:
        helper = create_member(
            platforms=["instagram"], languages=["nl"], comfortable_actions=["report_platform"]
        )
        bystander = create_member(platforms=["tiktok"])  # not on the alert's platform
        helper_feed, bystander_feed = feed_client(), feed_client()
        helper_feed.connect(server, auth={"token": create_token(helper)})
        bystander_feed.connect(server, auth={"token": create_token(bystander)})
        _status, alert = call(
            server,
            "POST",
            "/api/v1/alerts",
            create_member_with_token(trust_level=1).token,
            alert_body(),
        )
        # The alert is announced first; the worker's job asks members after the commit.
        [created] = helper_feed.wait_for("alert.created")
        assert helper_feed.named("ask.created") == []
        ask_members_job(alert["id"])
        [ask] = helper_feed.wait_for("ask.created")
        assert created["alert"]["id"] == alert["id"]
        assert ask["ask"]["alert_id"] == ask["alert"]["id"]
        bystander_feed.wait_for("alert.created")
        assert bystander_feed.named("ask.created") == []
    finally:
        replace_settings(app, asks_per_alert=3)


def test_watching_an_alert_counts_viewers(
    server: str, feed_client: Callable[[], FeedClient], create_member_with_token: Any
) -> None:
    poster = create_member_with_token(trust_level=1).token
    _status, alert = call(server, "POST", "/api/v1/alerts", poster, alert_body())
    one, two = feed_client(), feed_client()
    one.connect(server, auth={"token": create_member_with_token().token})
    two.connect(server, auth={"token": create_member_with_token().token})
    assert one.sio.call("watch", {"alert_id": alert["id"]}, namespace="/feed") == {"viewers": 1}
    assert two.sio.call("watch", {"alert_id": alert["id"]}, namespace="/feed") == {"viewers": 2}
    assert one.sio.call("watch", {"alert_id": 999999}, namespace="/feed") == {"error": "not_found"}
    wait_until(lambda: any(v["viewers"] == 2 for v in one.named("alert.viewers")), timeout=5)


def test_a_password_change_closes_the_members_live_connections(
    app: Flask,
    server: str,
    feed_client: Callable[..., FeedClient],
    create_member: Any,
    create_member_with_token: Any,
    create_token: Any,
) -> None:
    from network.accounts import services
    from network.accounts.models import Member
    from network.extensions import db

    member = create_member()
    other = feed_client()
    other.connect(server, auth={"token": create_member_with_token().token})
    mine = feed_client()
    mine.connect(server, auth={"token": create_token(member)})
    with app.test_request_context():
        row = db.session.get(Member, member.id)
        assert row is not None
        services.change_password(
            row, current_password=member.password, new_password="another long password here"
        )
    wait_until(lambda: not mine.sio.connected, timeout=10, what="the member's socket to close")
    assert other.sio.connected, "other members stay connected"


def test_a_suspension_closes_the_members_live_connections(
    app: Flask,
    server: str,
    feed_client: Callable[..., FeedClient],
    create_member: Any,
    create_member_with_token: Any,
    create_token: Any,
) -> None:
    from network.accounts.models import Member
    from network.extensions import db
    from network.moderation.suspension import suspend_member

    member = create_member()
    organiser = create_member(role="organiser")
    other = feed_client()
    other.connect(server, auth={"token": create_member_with_token().token})
    mine = feed_client()
    mine.connect(server, auth={"token": create_token(member)})
    with app.test_request_context():
        actor = db.session.get(Member, organiser.id)
        assert actor is not None
        suspend_member(actor, member.id, reason="Harassed members")
    wait_until(lambda: not mine.sio.connected, timeout=10, what="the member's socket to close")
    assert other.sio.connected, "other members stay connected"
