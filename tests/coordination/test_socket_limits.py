"""Abuse limits on the live feed's socket: events per member, and the size of one message."""

from __future__ import annotations

import time
from collections.abc import Callable, Iterator
from typing import Any

import pytest
import socketio
from flask import Flask
from flask_socketio import SocketIOTestClient
from limits import parse

from network.extensions import limiter
from network.extensions import socketio as socketio_server
from network.realtime import NAMESPACE
from tests.harness import free_port, live_server, wait_until
from tests.sockets import socket_clients
from tests.world import change_settings

MAX_MESSAGE = 16 * 1024  # max_http_buffer_size in create_app


@pytest.fixture
def feed_as(app: Flask, create_token: Any) -> Iterator[Callable[[Any], SocketIOTestClient]]:
    """Connect members to /feed with their bearer token (in-process)."""
    with socket_clients(app) as connect:

        def connect_as(member: Any) -> SocketIOTestClient:
            client = connect(auth={"token": create_token(member)})
            assert client.is_connected(NAMESPACE)
            return client

        yield connect_as


def watch(client: SocketIOTestClient, alert_id: object) -> dict[str, Any]:
    answer: dict[str, Any] = client.emit(
        "watch", {"alert_id": alert_id}, namespace=NAMESPACE, callback=True
    )
    return answer


def wait_out_the_window(app: Flask, member_id: int) -> None:
    """Sleep until the member's socket-event window has passed."""
    with app.app_context():
        limit = parse(app.config["SOCKET_EVENT_LIMIT"])
        reset_at, _remaining = limiter.limiter.get_window_stats(limit, "socket", str(member_id))
    time.sleep(max(0.0, reset_at - time.time()) + 0.05)


def test_watch_events_over_the_limit_are_refused_until_the_window_passes(
    app: Flask,
    monkeypatch: pytest.MonkeyPatch,
    create_member: Any,
    open_alert: Any,
    feed_as: Callable[[Any], SocketIOTestClient],
) -> None:
    change_settings(monkeypatch, app, socket_event_limit="3 per 2 seconds")
    alert = open_alert()
    watcher, bystander = create_member(), create_member()
    socket = feed_as(watcher)
    for _ in range(3):
        assert "viewers" in watch(socket, alert["id"])
    assert watch(socket, alert["id"]) == {"error": "rate_limited"}
    assert watch(socket, alert["id"]) == {"error": "rate_limited"}, "still refused"
    assert "viewers" in watch(feed_as(bystander), alert["id"]), "the limit is per member"
    wait_out_the_window(app, watcher.id)
    assert "viewers" in watch(socket, alert["id"])


def test_the_limit_follows_the_member_across_connections(
    app: Flask,
    monkeypatch: pytest.MonkeyPatch,
    create_member: Any,
    open_alert: Any,
    feed_as: Callable[[Any], SocketIOTestClient],
) -> None:
    change_settings(monkeypatch, app, socket_event_limit="4 per minute")
    alert = open_alert()
    member = create_member()
    first, second = feed_as(member), feed_as(member)
    for socket in (first, second, first, second):
        assert "viewers" in watch(socket, alert["id"])
    third = feed_as(member)
    assert watch(third, alert["id"]) == {"error": "rate_limited"}
    assert third.is_connected(NAMESPACE), "refusing an event keeps the connection"


def test_events_are_counted_even_when_they_are_invalid(
    app: Flask,
    monkeypatch: pytest.MonkeyPatch,
    create_member: Any,
    feed_as: Callable[[Any], SocketIOTestClient],
) -> None:
    change_settings(monkeypatch, app, socket_event_limit="2 per minute")
    socket = feed_as(create_member())
    for junk in ("not a dict", {"alert_id": "1"}):
        answer = socket.emit("watch", junk, namespace=NAMESPACE, callback=True)
        assert answer == {"error": "invalid"}
    assert watch(socket, 1) == {"error": "rate_limited"}


# --- the size of one message (a real server: the test client skips Engine.IO) ---------------------


def hung_up(session: str) -> bool:
    """Tell whether the server closed or forgot an Engine.IO session."""
    found = socketio_server.server.eio.sockets.get(session)
    return found is None or bool(found.closed)


@pytest.mark.live
@pytest.mark.parametrize("transport", ["websocket", "polling"])
def test_an_oversized_message_is_refused_and_the_connection_dropped(
    app: Flask, create_member_with_token: Any, transport: str
) -> None:
    token = create_member_with_token().token
    with live_server(app, free_port()) as origin:
        client = socketio.Client(reconnection=False)
        client.connect(
            origin,
            namespaces=[NAMESPACE],
            auth={"token": token},
            transports=[transport],
            wait_timeout=10,
        )
        try:
            padding = "x" * (MAX_MESSAGE // 2)
            fits = client.call("watch", {"alert_id": 1, "note": padding}, namespace=NAMESPACE)
            assert fits == {"error": "not_found"}, "a message under the limit is handled"
            answers: list[Any] = []
            client.emit(
                "watch",
                {"alert_id": 1, "note": "x" * (MAX_MESSAGE + 1024)},
                namespace=NAMESPACE,
                callback=answers.append,
            )
            wait_until(lambda: hung_up(client.eio.sid), timeout=10, what="the server to hang up")
            assert answers == [], "the oversized message was never handled"
        finally:
            if client.connected:
                client.eio.disconnect(abort=True)


def test_watching_an_id_that_cannot_be_an_alert_is_invalid(
    create_member: Any, feed_as: Callable[[Any], SocketIOTestClient]
) -> None:
    socket = feed_as(create_member())
    for junk in (2**31, 2**70, 0, -1, True):
        assert watch(socket, junk) == {"error": "invalid"}, junk
    assert socket.is_connected(NAMESPACE)
