"""The whole path with real Celery workers: a committed change queues its deliveries, a worker
sends them to the receiver and tries a failing one again."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
import sqlalchemy as sa
from celery import Celery
from flask import Flask

from network.extensions import db
from network.webhooks.models import DeliveryStatus, WebhookDelivery
from tests.harness import embedded_worker, wait_until, worker_process
from tests.webhooks.conftest import MAX_ATTEMPTS, Receiver, Registered

Api = Callable[..., Any]


def finished(app: Flask) -> Callable[[], list[WebhookDelivery]]:
    def probe() -> list[WebhookDelivery]:
        with app.app_context():
            db.session.expire_all()
            found = list(db.session.scalars(sa.select(WebhookDelivery)))
            done = [d for d in found if d.status != DeliveryStatus.PENDING]
            if found and len(done) == len(found):
                for delivery in found:
                    db.session.expunge(delivery)
                return found
            return []

    return probe


@pytest.mark.live
def test_the_embedded_worker_delivers_after_the_commit_and_tries_a_500_again(
    app: Flask,
    create_member: Any,
    post_alert: Api,
    receiver: Receiver,
    register: Callable[..., Registered],
    tmp_path: Path,
) -> None:
    receiver.answers = [500, 503, 200]
    endpoint = register(receiver.url())
    with embedded_worker(app, tmp_path):
        alert = post_alert(create_member(trust_level=1)).get_json()
        [sent] = wait_until(finished(app), what=lambda: f"the delivery; got {receiver.requests()}")
    assert (sent.status, sent.attempts, sent.response_code) == (DeliveryStatus.DELIVERED, 3, 200)
    requests = receiver.requests()
    assert len(requests) == 3 and all(r.signed_with(endpoint.secret) for r in requests)
    assert {r.payload()["data"]["alert"]["id"] for r in requests} == {alert["id"]}


@pytest.mark.live
@pytest.mark.redis
def test_a_worker_process_over_redis_retries_a_receiver_that_answers_500(
    app: Flask,
    redis_url: str,
    create_member: Any,
    post_alert: Api,
    receiver: Receiver,
    register: Callable[..., Registered],
    tmp_path: Path,
) -> None:
    receiver.answers = [500]
    register(receiver.url())
    post_alert(create_member(trust_level=1))
    with app.app_context():
        [delivery_id] = db.session.scalars(sa.select(WebhookDelivery.id)).all()
    # The web side of these tests queues in memory; here the job goes over Redis, as in production.
    broker = Celery("tests", broker=redis_url, task_serializer="json", accept_content=["json"])
    with worker_process(
        tmp_path / "worker",
        database_url=app.config["DATABASE_URL"],
        redis_url=redis_url,
        # The secrets are sealed with the site's SECRET_KEY: the worker needs the same one.
        SECRET_KEY=app.config["SECRET_KEY"],
        WEBHOOK_TEST_HOSTS="127.0.0.1",
        WEBHOOK_RETRY_SECONDS="0",
        WEBHOOK_MAX_ATTEMPTS=str(MAX_ATTEMPTS),
    ) as worker:
        worker.wait_for_log("ready.")
        broker.send_task("network.webhooks.deliver", args=[delivery_id], serializer="json")
        [sent] = wait_until(finished(app), what=lambda: f"the delivery; log:\n{worker.log()}")
    assert (sent.status, sent.attempts, sent.response_code) == (
        DeliveryStatus.FAILED,
        MAX_ATTEMPTS,
        500,
    )
    assert len(receiver.requests()) == MAX_ATTEMPTS
    assert "Retry in 0s" in worker.log()
