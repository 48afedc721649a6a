"""An alert that leaves the feed is announced live by its id alone, never with its contents."""

from __future__ import annotations

import json
from collections.abc import Callable, Iterator
from typing import Any

import pytest
from flask import Flask
from flask_socketio import SocketIOTestClient

from network.realtime import NAMESPACE
from tests.coordination.test_feed_replay import about, leaves_feed, names, post  # noqa: F401
from tests.sockets import socket_clients

Received = list[tuple[str, dict[str, Any]]]


@pytest.fixture
def watch(app: Flask, create_token: Any) -> Iterator[Callable[[Any], Callable[[], Received]]]:
    """Connect a member now; return a function giving the events they received since."""
    with socket_clients(app) as connect:

        def watching(member: Any) -> Callable[[], Received]:
            client: SocketIOTestClient = connect(auth={"token": create_token(member)})
            assert client.is_connected(NAMESPACE)
            client.get_received(NAMESPACE)  # the connection's own replay

            def received() -> Received:
                return [(sent["name"], sent["args"][0]) for sent in client.get_received(NAMESPACE)]

            return received

        yield watching


@pytest.mark.parametrize(
    "how", ["hidden_by_flags", "rejected", "resolved", "reporter_erased_then_hidden", "expired"]
)
def test_an_alert_leaving_the_feed_is_sent_live_as_its_id_alone(
    app: Flask,
    how: str,
    create_member: Any,
    api_as: Any,
    claim: Any,
    post: Any,  # noqa: F811
    watch: Callable[[Any], Callable[[], Received]],
) -> None:
    summary = "A thread about to leave the feed, with its private details."
    reporter, alert = post(summary=summary, url="https://www.instagram.com/p/LeavingNow/")
    assert claim(create_member(), alert["id"], "report_platform").status_code == 201
    received = watch(create_member())

    leaves_feed(how, app, api_as, create_member)(reporter, alert["id"])

    events = about(received(), alert["id"])
    everything = json.dumps(events)
    assert summary not in everything and "LeavingNow" not in everything
    assert "alert.updated" not in names(events) and "action.updated" not in names(events)
    assert names(events)[-1] == "alert.removed"
    assert set(events[-1][1]) == {"event_id", "alert_id"}


def test_the_reporter_of_a_rejected_alert_still_hears_why(
    app: Flask,
    create_member: Any,
    api_as: Any,
    post: Any,  # noqa: F811
    watch: Callable[[Any], Callable[[], Received]],
) -> None:
    reporter, alert = post()
    received = watch(reporter)

    leaves_feed("rejected", app, api_as, create_member)(reporter, alert["id"])

    assert names(about(received(), alert["id"]))[-1] == "alert.removed"
    notices = api_as(reporter, "GET", "/api/v1/me/notices").get_json()
    told = [item for item in notices["items"] if item.get("alert_id") == alert["id"]]
    assert told and told[0]["kind"] == "alert_rejected"
    assert "Not what the network is for." in json.dumps(told)
    own = api_as(reporter, "GET", f"/api/v1/alerts/{alert['id']}").get_json()
    assert own["status"] == "rejected"


def test_an_alert_back_in_the_feed_is_sent_in_full_again(
    app: Flask,
    create_member: Any,
    api_as: Any,
    post: Any,  # noqa: F811
    watch: Callable[[Any], Callable[[], Received]],
) -> None:
    from tests.coordination.test_feed_replay import hide_by_flags, review

    _reporter, alert = post()
    received = watch(create_member())
    hide_by_flags(app, api_as, create_member, alert["id"])
    review(api_as, create_member(role="organiser"), alert["id"], "approve")

    events = about(received(), alert["id"])
    assert names(events) == ["alert.removed", "alert.updated"]
    assert events[-1][1]["alert"]["hidden"] is False
