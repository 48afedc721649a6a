"""Twenty volunteers claiming a slot capped at three at the same instant: exactly three win."""

from __future__ import annotations

import threading
from collections.abc import Callable
from typing import Any

import pytest
import sqlalchemy as sa
from flask import Flask

from network.coordination.models import Action, ActionStatus
from network.extensions import db
from tests.alerts.conftest import alert_body
from tests.harness import free_port, live_server, post_json

pytestmark = pytest.mark.live


def test_twenty_simultaneous_claims_for_three_slots_give_three_successes(
    app: Flask, create_member: Callable[..., Any], create_token: Callable[..., str]
) -> None:
    reporter = create_member(trust_level=1)
    volunteers = [create_member() for _ in range(20)]
    tokens = [create_token(member) for member in volunteers]
    start = threading.Barrier(len(volunteers))
    answers: list[tuple[int, Any]] = []
    lock = threading.Lock()

    with live_server(app, free_port()) as origin:
        status, alert = post_json(
            origin, "/api/v1/alerts", create_token(reporter), alert_body(responder_goal=3)
        )
        assert status == 201, alert

        def claim(index: int) -> None:
            start.wait()
            kind = "counter_speech" if index % 2 else "support_target_public"
            answer = post_json(
                origin, f"/api/v1/alerts/{alert['id']}/actions", tokens[index], {"type": kind}
            )
            with lock:
                answers.append(answer)

        threads = [threading.Thread(target=claim, args=(i,)) for i in range(len(volunteers))]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join(timeout=120)

    statuses = sorted(status for status, _ in answers)
    assert statuses == [201] * 3 + [409] * 17, answers
    assert {body["error"]["code"] for status, body in answers if status == 409} == {"cap_reached"}
    with app.app_context():
        live = db.session.scalar(
            sa.select(sa.func.count())
            .select_from(Action)
            .where(Action.alert_id == alert["id"], Action.status == ActionStatus.CLAIMED)
        )
    assert live == 3
