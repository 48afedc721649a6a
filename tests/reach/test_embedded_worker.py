"""The whole path with a real Celery worker: a committed alert queues the ask's delivery, the
embedded worker (threads, in-memory broker, as `make run`) pushes it to the push service."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
import sqlalchemy as sa
from flask import Flask

from network.coordination.models import Ask, AskChannel
from network.extensions import db
from tests.harness import embedded_worker, wait_until
from tests.support.push import Browser, Server, subscribe

Api = Callable[..., Any]


@pytest.mark.live
def test_the_embedded_worker_pushes_an_ask_after_the_alert_is_committed(
    app: Flask,
    api_as: Api,
    create_member: Any,
    post_alert: Api,
    push_service: Server,
    browser: Callable[[], Browser],
    tmp_path: Path,
) -> None:
    volunteer, reporter = create_member(trust_level=2), create_member(trust_level=1)
    phone = browser()
    subscribe(api_as, volunteer, phone, f"{push_service.origin}/push/live")
    with embedded_worker(app, tmp_path):
        alert = post_alert(reporter, severity=2, language="en").get_json()
        [pushed] = wait_until(
            push_service.requests, what=lambda: "the push of the ask, sent by the worker"
        )
        with app.app_context():

            def delivered() -> Ask | None:
                db.session.expire_all()
                return db.session.scalar(
                    sa.select(Ask).where(Ask.member_id == volunteer.id, Ask.channel.is_not(None))
                )

            ask = wait_until(delivered, what="the ask marked delivered")
            assert ask.channel == AskChannel.PUSH

    message = phone.read(pushed.body)
    assert message["kind"] == "ask" and message["path"] == f"/alerts/{alert['id']}"
