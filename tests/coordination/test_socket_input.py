"""Odd input on /feed: a clean refusal or an error acknowledgement, never an unhandled exception.

And the session cookie counts only on a connection from the site's own pages."""

from __future__ import annotations

import json
import logging
from collections.abc import Callable, Iterator
from typing import Any

import pytest
import socketio
from flask import Flask
from flask.testing import FlaskClient
from flask_socketio import SocketIOTestClient
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from network.realtime import NAMESPACE
from tests.harness import free_port, live_server, wait_until
from tests.sockets import PromptClient, socket_clients

ODD_SINCE = [
    "41",
    "",
    "0",
    1.5,
    41.0,
    -1,
    -(2**70),
    True,
    False,
    [],
    [41],
    {},
    {"id": 41},
    "\u0000",
    "\ud800",
]
WATCH_ERRORS = {"invalid", "not_found", "rate_limited", "unauthorised"}
json_values = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False) | st.text(max_size=20),
    lambda inner: st.lists(inner, max_size=4) | st.dictionaries(st.text(max_size=8), inner),
    max_leaves=12,
)
quick = settings(
    max_examples=60,
    deadline=None,
    derandomize=True,
    database=None,
    suppress_health_check=list(HealthCheck),
)


@pytest.fixture
def connect(app: Flask) -> Iterator[Callable[..., SocketIOTestClient]]:
    with socket_clients(app) as make:
        yield make


def server_errors(records: list[logging.LogRecord]) -> list[str]:
    """The errors logged so far, but for the clients' own complaints (a hang-up racing a poll,
    or the write loop of a client an earlier test left behind in this process timing out):
    those are not the server's failures."""
    return [
        r.getMessage()
        for r in records
        if r.levelno >= logging.ERROR and not r.name.endswith(".client")
    ]


@pytest.fixture
def failures(caplog: pytest.LogCaptureFixture) -> Callable[[], list[str]]:
    """Return the socket events that failed unexpectedly so far."""
    caplog.set_level(logging.ERROR, logger="network.coordination.events")
    return lambda: server_errors(caplog.records)


# --- since ---------------------------------------------------------------------------------------


@pytest.mark.parametrize("since", ODD_SINCE, ids=repr)
def test_an_odd_since_is_refused_cleanly(
    since: Any,
    create_member_with_token: Any,
    connect: Callable[..., SocketIOTestClient],
    failures: Callable[[], list[str]],
) -> None:
    client = connect(auth={"token": create_member_with_token().token, "since": since})
    assert not client.is_connected(NAMESPACE)
    assert failures() == []


@pytest.mark.parametrize("since", [None, 0, 1, 2**31 - 1, 2**31, 2**63, 10**40])
def test_a_whole_number_or_no_since_is_accepted(
    since: Any,
    create_member_with_token: Any,
    connect: Callable[..., SocketIOTestClient],
    failures: Callable[[], list[str]],
) -> None:
    client = connect(auth={"token": create_member_with_token().token, "since": since})
    assert client.is_connected(NAMESPACE)
    assert failures() == []


@quick
@given(auth=json_values, since=json_values)
def test_any_connection_data_connects_or_is_refused(
    app: Flask,
    auth: Any,
    since: Any,
    create_member_with_token: Any,
    failures: Callable[[], list[str]],
) -> None:
    token = create_member_with_token().token if isinstance(since, int) else None
    with socket_clients(app) as connect:
        for data in (auth, {"token": token, "since": since}, {"token": auth, "since": since}):
            client = connect(auth=data)
            if client.is_connected(NAMESPACE):
                client.disconnect(namespace=NAMESPACE)
    assert failures() == []


# --- watch ---------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "arguments",
    [
        (),
        (None,),
        ("not a dict",),
        (41,),
        ([],),
        ([{"alert_id": 1}],),
        ({},),
        ({"alert_id": None},),
        ({"alert_id": "1"},),
        ({"alert_id": 1.0},),
        ({"alert_id": True},),
        ({"alert_id": -1},),
        ({"alert_id": 0},),
        ({"alert_id": 2**31},),
        ({"alert_id": 10**40},),
        ({"alert_id": [1]},),
        ({"alert_id": {"id": 1}},),
        ({"alert_id": 2**31 - 1},),
        ({"alert_id": 1}, "extra", {"more": 1}),
    ],
    ids=repr,
)
def test_odd_watch_data_gets_an_error_acknowledgement(
    arguments: tuple[Any, ...],
    create_member_with_token: Any,
    connect: Callable[..., SocketIOTestClient],
    failures: Callable[[], list[str]],
) -> None:
    client = connect(auth={"token": create_member_with_token().token})
    answer = client.emit("watch", *arguments, namespace=NAMESPACE, callback=True)
    assert isinstance(answer, dict) and answer.get("error") in WATCH_ERRORS, answer
    assert client.is_connected(NAMESPACE)
    assert failures() == []


@quick
@given(data=json_values)
def test_any_watch_data_gets_viewers_or_an_error(
    app: Flask,
    data: Any,
    create_member_with_token: Any,
    open_alert: Any,
    failures: Callable[[], list[str]],
) -> None:
    token = create_member_with_token().token
    with socket_clients(app) as connect:
        client = connect(auth={"token": token})
        for message in (data, {"alert_id": data}):
            answer = client.emit("watch", message, namespace=NAMESPACE, callback=True)
            assert isinstance(answer, dict)
            assert "viewers" in answer or answer.get("error") in WATCH_ERRORS, answer
    assert failures() == []


@pytest.mark.parametrize(
    "auth",
    [
        "upn_token",
        ["upn_token"],
        41,
        {"token": 41},
        {"token": ["upn_x"]},
        {"token": "upn_\ud800"},
        {"token": "upn_\u0000"},
        {"token": "upn_" + "x" * 10_000},
        {"token": None, "since": 0},
    ],
    ids=repr,
)
def test_odd_tokens_are_refused(
    auth: Any, connect: Callable[..., SocketIOTestClient], failures: Callable[[], list[str]]
) -> None:
    assert not connect(auth=auth).is_connected(NAMESPACE)
    assert failures() == []


# --- the session cookie and Origin ----------------------------------------------------------------


@pytest.mark.parametrize(
    ("headers", "connected"),
    [
        ({}, False),
        ({"Origin": "http://localhost"}, True),  # SITE_URL in the tests
        ({"Origin": "http://evil.example"}, False),
        ({"Origin": "null"}, False),
        ({"Sec-Fetch-Site": "same-origin"}, True),  # long-polling: no Origin on a same-origin GET
        ({"Sec-Fetch-Site": "cross-site"}, False),
        ({"Sec-Fetch-Site": "same-site"}, False),
        ({"Sec-Fetch-Site": "same-origin", "Origin": "http://evil.example"}, False),
    ],
)
def test_the_session_cookie_counts_only_from_the_sites_own_pages(
    headers: dict[str, str],
    connected: bool,
    client: FlaskClient,
    log_in: Any,
    create_member: Any,
    connect: Callable[..., SocketIOTestClient],
) -> None:
    log_in(create_member())
    socket = connect(flask_test_client=client, headers=headers)
    assert socket.is_connected(NAMESPACE) is connected


def test_a_token_needs_no_origin(
    create_member_with_token: Any, connect: Callable[..., SocketIOTestClient]
) -> None:
    assert connect(auth={"token": create_member_with_token().token}).is_connected(NAMESPACE)


# --- the same over a real connection --------------------------------------------------------------


@pytest.mark.live
def test_a_real_client_hears_why_it_was_refused(
    app: Flask, client: FlaskClient, log_in: Any, create_member_with_token: Any
) -> None:
    member, token = create_member_with_token()
    log_in(member)
    cookie = client.get_cookie(app.config["SESSION_COOKIE_NAME"])
    assert cookie is not None

    def refusal(origin: str, auth: Any, headers: dict[str, str] | None = None) -> Any:
        sio = PromptClient(reconnection=False)
        reasons: list[Any] = []
        sio.on("connect_error", reasons.append, namespace="/feed")
        try:
            sio.connect(
                origin,
                namespaces=["/feed"],
                auth=auth,
                headers=headers or {},
                transports=["polling"],
                wait_timeout=10,
            )
        except socketio.exceptions.ConnectionError:
            return reasons[0] if reasons else "refused"
        finally:
            if sio.connected:
                sio.eio.disconnect(abort=True)
        return None

    with live_server(app, free_port()) as origin:
        for since in ("41", 1.5, -1, True, [41], {"id": 41}):
            assert refusal(origin, {"token": token, "since": since}) == {
                "message": "invalid_since"
            }, since
        assert refusal(origin, {"token": token, "since": 0}) is None
        assert refusal(origin, [token]) == {"message": "invalid"}, "auth data is an object"
        session = {"Cookie": f"{app.config['SESSION_COOKIE_NAME']}={cookie.value}"}
        assert refusal(origin, {}, session) == {"message": "unauthorised"}, "cookie, no Origin"
        assert refusal(origin, {}, {**session, "Origin": origin}) is None


# --- packets the JSON decoder cannot read ---------------------------------------------------------

UNREADABLE_EVENTS = [
    '["watch",' + "[" * 5000 + "]" * 5000 + "]",  # deeper than the JSON decoder goes
    '["watch",{"alert_id":1]',
    '["watch",NaN]',
    '["watch",{"alert_id":1e400}]',
    '["watch"]',
    '["watch",{"alert_id":123456789012345678901234567890}]',
]
NAMELESS_EVENTS = ["[]", "{}", '"watch"', "[1]", "[null]", "", '["nope",1]']


@pytest.mark.live
def test_unreadable_packets_get_an_error_and_the_connection_goes_on(
    app: Flask, create_member_with_token: Any, caplog: pytest.LogCaptureFixture
) -> None:
    import engineio

    caplog.set_level(logging.ERROR)
    token = create_member_with_token().token
    with live_server(app, free_port()) as origin:
        raw = engineio.Client()
        packets: list[str] = []
        raw.on("message", packets.append)
        raw.connect(origin, transports=["polling"], engineio_path="socket.io")
        try:
            raw.send("0/feed," + json.dumps({"token": token}))
            wait_until(lambda: any(p.startswith("0/feed,") for p in packets), timeout=10)
            for number, event in enumerate(UNREADABLE_EVENTS + NAMELESS_EVENTS, start=10):
                raw.send(f"2/feed,{number}{event}")
            raw.send("4/feed,{}")  # only servers send CONNECT_ERROR
            raw.send("9junk")
            raw.send('2/feed,99["watch",{"alert_id":1}]')
            expected = [f"3/feed,{n}[" for n in [*range(10, 10 + len(UNREADABLE_EVENTS)), 99]]
            wait_until(
                lambda: all(any(p.startswith(e) for p in packets) for e in expected), timeout=10
            )
            # The server's records once it has answered every packet, before the hang-up: a
            # poll still in flight when the client hangs up is refused and logged by Engine.IO
            # ("Session is disconnected"), which says nothing about reading these packets.
            errors = server_errors(caplog.records)
        finally:
            raw.disconnect()
    answers = {p.split("[", 1)[0]: p for p in packets if p.startswith("3/feed,")}
    for number in range(10, 10 + len(UNREADABLE_EVENTS)):
        assert answers[f"3/feed,{number}"] == f'3/feed,{number}[{{"error":"invalid"}}]'
    assert answers["3/feed,99"] == '3/feed,99[{"error":"not_found"}]', "still connected"
    assert errors == []
