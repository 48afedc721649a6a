"""Two members posting the same thread at the same instant still make one alert."""

from __future__ import annotations

import threading
from collections.abc import Callable
from typing import Any

import pytest
import sqlalchemy as sa
from flask import Flask

from network.alerts.models import Alert, AlertReport
from network.extensions import db
from tests.alerts.conftest import alert_body
from tests.harness import free_port, live_server, post_json

pytestmark = pytest.mark.live


def test_simultaneous_posts_of_one_thread_make_one_alert(
    app: Flask, create_member: Callable[..., Any], create_token: Callable[..., str]
) -> None:
    posters = [create_member(trust_level=1) for _ in range(6)]
    tokens = [create_token(member) for member in posters]
    variants = [
        "https://www.instagram.com/p/SameThread/",
        "https://instagram.com/p/SameThread?igshid=1",
        "http://m.instagram.com/p/SameThread#x",
        "https://instagram.com/p/SameThread/?utm_source=a",
        "https://www.instagram.com/p/SameThread",
        "https://instagram.com/p/SameThread",
    ]
    start = threading.Barrier(len(posters))
    answers: list[tuple[int, Any]] = []
    lock = threading.Lock()

    def post(index: int, origin: str) -> None:
        start.wait()
        answer = post_json(origin, "/api/v1/alerts", tokens[index], alert_body(url=variants[index]))
        with lock:
            answers.append(answer)

    with live_server(app, free_port()) as origin:
        threads = [threading.Thread(target=post, args=(i, origin)) for i in range(len(posters))]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join(timeout=60)

    statuses = sorted(status for status, _body in answers)
    assert statuses == [200] * 5 + [201], answers
    assert len({body["id"] for _status, body in answers}) == 1
    with app.app_context():
        alerts = db.session.scalars(sa.select(Alert)).all()
        assert len(alerts) == 1
        assert alerts[0].reporter_count == len(posters)
        reports = db.session.scalar(sa.select(sa.func.count()).select_from(AlertReport))
        assert reports == len(posters)


def test_the_same_member_posting_twice_at_once_counts_once(
    app: Flask, create_member_with_token: Callable[..., Any]
) -> None:
    token = create_member_with_token(trust_level=1).token
    body = alert_body(url="https://x.com/someone/status/424242")
    start = threading.Barrier(4)
    answers: list[tuple[int, Any]] = []

    def post(origin: str) -> None:
        start.wait()
        answers.append(post_json(origin, "/api/v1/alerts", token, body))

    with live_server(app, free_port()) as origin:
        threads = [threading.Thread(target=post, args=(origin,)) for _ in range(4)]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join(timeout=60)

    assert sorted(status for status, _ in answers) == [200, 200, 200, 201]
    with app.app_context():
        assert db.session.scalar(sa.select(Alert.reporter_count)) == 1
