"""Jobs that take a list are gathered across requests that overlap (network.jobs.Gathering): one
message on the real Redis broker for the items of requests running at the same time, sent when
the last of them ends or after GATHER_SECONDS; a request alone, or anything outside a request,
sends at once."""

from __future__ import annotations

import base64
import json
import threading
from collections.abc import Callable, Iterator
from typing import Any

import pytest
import redis
from celery import Celery
from flask import Flask
from werkzeug.test import EnvironBuilder

from network import jobs
from tests.harness import wait_until

JOB = "network.tests.gathered"
Call = Callable[..., None]


def environ(item: int) -> dict[str, Any]:
    """A request's WSGI environ, carrying the item its commit gathers."""
    return {**EnvironBuilder(path="/api/v1/alerts", method="POST").get_environ(), "test.item": item}


class Requests:
    """A WSGI app behind the gathering whose requests each gather one item; a request can be
    held running until it is let go."""

    def __init__(self, flask_app: Flask) -> None:
        self.flask_app = flask_app
        self.gathering = jobs.Gathering(flask_app, self.handle)
        self.threads: list[threading.Thread] = []

    def handle(self, environ: dict[str, Any], start_response: Callable[..., Any]) -> list[bytes]:
        with self.flask_app.request_context(environ):  # as Flask serves it
            self.gathering.add(JOB, environ["test.item"])
        running: threading.Event | None = environ.get("test.running")
        if running is not None:
            running.set()
            assert environ["test.release"].wait(10)
        start_response("204 No Content", [])
        return []

    def run(self, item: int) -> None:
        self.gathering(environ(item), lambda *_: None)

    def hold(self, item: int) -> threading.Event:
        """Start a request that stays running until the returned event is set."""
        running, release = threading.Event(), threading.Event()
        environ_ = {**environ(item), "test.running": running, "test.release": release}
        thread = threading.Thread(target=self.gathering, args=(environ_, lambda *_: None))
        thread.start()
        self.threads.append(thread)
        assert running.wait(10)
        return release

    def join(self) -> None:
        for thread in self.threads:
            thread.join(10)


@pytest.fixture
def broker(redis_url: str) -> Iterator[tuple[Flask, Callable[[], list[list[int]]]]]:
    """A Flask app whose Celery app queues on the test's Redis database, and a reader of the
    item lists queued there (oldest first)."""
    flask_app = Flask("gathering-test")
    celery = Celery("gathering-test", broker=redis_url)
    celery.conf.update(task_serializer="json", accept_content=["json"])
    flask_app.extensions["celery"] = celery
    client = redis.Redis.from_url(redis_url)

    def queued() -> list[list[int]]:
        messages = [json.loads(raw) for raw in reversed(client.lrange("celery", 0, -1))]
        assert all(message["headers"]["task"] == JOB for message in messages)
        return [json.loads(base64.b64decode(m["body"]))[0][0] for m in messages]

    try:
        yield flask_app, queued
    finally:
        celery.close()
        client.close()


@pytest.mark.redis
def test_a_request_alone_queues_its_item_when_it_ends(broker: Any) -> None:
    flask_app, queued = broker
    requests = Requests(flask_app)
    for item in (1, 2, 3):
        requests.run(item)
        assert queued()[-1] == [item]
    assert queued() == [[1], [2], [3]]


@pytest.mark.redis
def test_items_of_overlapping_requests_go_out_together_when_the_last_one_ends(
    broker: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(jobs, "GATHER_SECONDS", 30.0)  # only the requests' ends send here
    flask_app, queued = broker
    requests = Requests(flask_app)
    first = requests.hold(1)
    second = requests.hold(2)
    requests.run(3)
    assert queued() == [], "two requests still run"
    second.set()
    requests.threads[1].join(10)
    assert queued() == [], "one request still runs"
    first.set()
    requests.join()
    assert queued() == [[1, 2, 3]]
    requests.run(4)
    assert queued() == [[1, 2, 3], [4]]


def sent_while_one_runs(requests: Requests, queued: Any, meanwhile: Callable[[], None]) -> Any:
    """Hold a request running (item 1), do `meanwhile`, and return what went out while it
    still ran (the timer's message), before letting it end."""
    slow = requests.hold(1)
    try:
        meanwhile()
        return wait_until(queued, timeout=5, what="the gathered items")
    finally:
        slow.set()
        requests.join()


@pytest.mark.redis
def test_items_do_not_wait_long_for_a_request_that_keeps_running(broker: Any) -> None:
    flask_app, queued = broker
    requests = Requests(flask_app)

    def two_more() -> None:
        requests.run(2)
        requests.run(3)

    # The timer sends what the slow request and the others gathered, while it still runs.
    assert sent_while_one_runs(requests, queued, two_more) == [[1, 2, 3]]
    assert queued() == [[1, 2, 3]], "nothing is sent twice"


@pytest.mark.redis
def test_an_item_from_outside_the_running_requests_does_not_wait_for_them(broker: Any) -> None:
    flask_app, queued = broker
    requests = Requests(flask_app)

    def from_outside() -> None:
        # A request context no request of ours runs under (a socket handler, say).
        with flask_app.test_request_context():
            requests.gathering.add(JOB, 2)

    assert sent_while_one_runs(requests, queued, from_outside) == [[1, 2]]
    assert queued() == [[1, 2]]


@pytest.mark.redis
def test_a_full_gathering_goes_out_at_once(broker: Any, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(jobs, "GATHER_SECONDS", 30.0)
    monkeypatch.setattr(jobs, "GATHER_MOST", 3)
    flask_app, queued = broker
    requests = Requests(flask_app)
    running = requests.hold(1)
    try:
        requests.run(2)
        assert queued() == []
        requests.run(3)
        assert queued() == [[1, 2, 3]]
        requests.run(4)
    finally:
        running.set()
        requests.join()
    assert queued() == [[1, 2, 3], [4]]


@pytest.mark.redis
def test_outside_a_request_an_item_goes_out_at_once(broker: Any) -> None:
    flask_app, queued = broker
    gathering = jobs.Gathering(flask_app, None)
    with flask_app.app_context():
        gathering.add(JOB, 7)
    assert queued() == [[7]]
    with flask_app.test_request_context():  # a request context no request runs under
        gathering.add(JOB, 8)
    assert queued() == [[7], [8]]


@pytest.mark.redis
def test_a_broker_that_refuses_loses_only_what_it_refused(
    broker: Any, caplog: pytest.LogCaptureFixture
) -> None:
    flask_app, queued = broker
    working = flask_app.extensions["celery"]
    gone = Celery("gathering-gone", broker="redis://127.0.0.1:1/0")
    gone.conf.update(task_publish_retry=False, broker_connection_timeout=1)
    requests = Requests(flask_app)
    flask_app.extensions["celery"] = gone
    try:
        requests.run(1)  # the request still ends: the failure is logged
    finally:
        flask_app.extensions["celery"] = working
        gone.close()
    assert "could not queue" in caplog.text
    requests.run(2)
    assert queued() == [[2]]
