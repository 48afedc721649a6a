"""The whole path with a real Celery worker: a committed alert queues the ask's delivery, the
embedded worker (threads, in-memory broker, as `make run`) pushes it to the push service."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
import sqlalchemy as sa
from celery import Celery
from celery._state import _set_task_join_will_block
from flask import Flask

from network import embedded
from network.coordination.models import Ask, AskChannel
from network.extensions import db
from tests.harness import wait_until
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
    celery_app: Celery = app.extensions["celery"]
    # The in-memory broker is one per process: drop what earlier tests queued without a worker.
    celery_app.control.purge()
    volunteer, reporter = create_member(trust_level=2), create_member(trust_level=1)
    phone = browser()
    subscribe(api_as, volunteer, phone, f"{push_service.origin}/push/live")
    threads = embedded.start(celery_app, schedule_filename=str(tmp_path / "beat-schedule"))
    try:
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
    finally:
        for thread in threads:
            thread.stop()  # type: ignore[attr-defined]
        for thread in threads:
            thread.join(timeout=10)
        # A worker's pool marks the process as one where waiting on results would block; the
        # worker is gone, so later tests may wait on their own tasks' results again.
        _set_task_join_will_block(False)

    message = phone.read(pushed.body)
    assert message["kind"] == "ask" and message["path"] == f"/alerts/{alert['id']}"
