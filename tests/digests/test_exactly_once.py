"""Exactly one digest per member and period with real worker processes on Redis and PostgreSQL.

Two dispatchers at once, and a worker killed (SIGKILL) in the middle of a batch and started
again. The one thing that cannot be promised: a message the SMTP server accepted just before
the kill, while its row was not yet marked sent, is sent again by the redelivered job (with the
same Message-ID). Rows are exactly once; mail is at least once with at most that one duplicate.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
import redis
import sqlalchemy as sa
from celery import Celery
from flask import Flask

from network.digests.models import Digest, DigestStatus
from network.extensions import db
from tests.digests.conftest import Sink, digest_rows, email_of
from tests.harness import (
    WORKER_PROCESS_MARKS,
    CommandProcess,
    wait_for_redelivery,
    wait_until,
    worker_process,
)

pytestmark = list(WORKER_PROCESS_MARKS)
DISPATCH = "network.digests.dispatch"


@pytest.fixture
def broker(redis_url: str) -> Iterator[Celery]:
    """A plain Celery client on the test's Redis database, as beat would send the dispatcher."""
    client = Celery("tests", broker=redis_url)
    client.conf.update(task_serializer="json", accept_content=["json"])
    yield client
    client.close()


def sent_count(app: Flask) -> int:
    with app.app_context():
        return (
            db.session.scalar(
                sa.select(sa.func.count())
                .select_from(Digest)
                .where(Digest.status == DigestStatus.SENT)
            )
            or 0
        )


def succeeded(workers: list[CommandProcess], task: str) -> list[str]:
    """Return the results logged for every run of `task` that succeeded."""
    pattern = re.compile(rf"Task {re.escape(task)}\[[0-9a-f-]+\] succeeded in [0-9.]+s: (.*)")
    return [match for worker in workers for match in pattern.findall(worker.log())]


def assert_exactly_one_sent_digest_each(app: Flask, members: list[int]) -> list[dict[str, object]]:
    rows = digest_rows(app)
    assert sorted(row["member_id"] for row in rows) == sorted(members), "one row per member"
    assert {row["status"] for row in rows} == {DigestStatus.SENT}
    assert len({row["period_key"] for row in rows}) == 1
    return rows


def test_two_dispatchers_at_once_still_send_one_digest_per_member(
    on_postgresql: Flask,
    tmp_path: Path,
    redis_url: str,
    broker: Celery,
    smtp_sink: Callable[..., Sink],
    add_members: Callable[..., list[int]],
) -> None:
    app = on_postgresql
    sink = smtp_sink()
    members = add_members(30, frequency="daily")
    environment = {
        "SMTP_HOST": "127.0.0.1",
        "SMTP_PORT": str(sink.port),
        "DIGEST_BATCH_SIZE": "10",
    }
    url = app.config["DATABASE_URL"]
    with (
        worker_process(tmp_path / "w1", database_url=url, redis_url=redis_url, **environment) as w1,
        worker_process(tmp_path / "w2", database_url=url, redis_url=redis_url, **environment) as w2,
    ):
        w1.wait_for_log("ready.")
        w2.wait_for_log("ready.")
        broker.send_task(DISPATCH)
        broker.send_task(DISPATCH)

        dispatched = wait_until(
            lambda: (
                succeeded([w1, w2], DISPATCH) if len(succeeded([w1, w2], DISPATCH)) == 2 else []
            ),
            what=lambda: f"two dispatchers; logs:\n{w1.log()}\n{w2.log()}",
        )
        batches = sum(int(result) for result in dispatched)
        assert batches >= 3, "the first dispatcher found three batches of ten"
        wait_until(
            lambda: len(succeeded([w1, w2], "network.digests.send_batch")) == batches,
            what=lambda: f"{batches} batch jobs; logs:\n{w1.log()}\n{w2.log()}",
        )

    assert_exactly_one_sent_digest_each(app, members)
    assert sink.per_recipient() == {email_of(app, member): 1 for member in members}


def test_a_worker_killed_mid_batch_and_started_again_leaves_one_digest_per_member(
    on_postgresql: Flask,
    tmp_path: Path,
    redis_url: str,
    broker: Celery,
    smtp_sink: Callable[..., Sink],
    add_members: Callable[..., list[int]],
) -> None:
    app = on_postgresql
    sink = smtp_sink(delay=0.3)  # a slow SMTP server: the kill lands in the middle of the batch
    members = add_members(20, frequency="daily")
    visibility = 3
    environment = {
        "SMTP_HOST": "127.0.0.1",
        "SMTP_PORT": str(sink.port),
        "DIGEST_BATCH_SIZE": "200",
        # Redis hands an unacknowledged job to a worker again after this many seconds.
        "BROKER_VISIBILITY_TIMEOUT": str(visibility),
    }
    url = app.config["DATABASE_URL"]
    queue = redis.Redis.from_url(redis_url)
    with worker_process(
        tmp_path / "w1", database_url=url, redis_url=redis_url, **environment
    ) as w1:
        w1.wait_for_log("ready.")
        broker.send_task(DISPATCH)
        wait_until(lambda: len(sink.accepted) >= 4, what="the first messages of the batch")
        w1.process.kill()
        w1.process.wait(timeout=10)
    job = re.search(r"Task network\.digests\.send_batch\[([0-9a-f-]+)\] received", w1.log())
    assert job, w1.log()
    half_done = digest_rows(app)
    assert len(half_done) == 20, "the whole batch was claimed before sending"
    assert 0 < sum(row["status"] == DigestStatus.SENT for row in half_done) < 20
    # Late acknowledgement: the job the killed worker was running is still in Redis, unacked.
    assert queue.hlen("unacked") == 1
    wait_for_redelivery(queue, visibility)

    with worker_process(
        tmp_path / "w2", database_url=url, redis_url=redis_url, **environment
    ) as w2:
        wait_until(
            lambda: sent_count(app) == 20,
            timeout=30,
            what=lambda: f"every digest sent; worker log:\n{w2.log()}",
        )
        w2.wait_for_log(f"Task network.digests.send_batch[{job.group(1)}] succeeded")
    queue.close()

    rows = assert_exactly_one_sent_digest_each(app, members)
    assert {row["claimed_by"] for row in rows} == {job.group(1)}, "the same job resumed its rows"
    received = sink.per_recipient()
    assert set(received) == {email_of(app, member) for member in members}, "nobody missed"
    duplicates = {email: n for email, n in received.items() if n > 1}
    # At most the one message the SMTP server accepted just before the kill, before its row was
    # marked sent; it carries the same Message-ID, so mail clients can drop it.
    assert sum(n - 1 for n in duplicates.values()) <= 1, duplicates
    for email in duplicates:
        assert len({message["Message-ID"] for message in sink.to(email)}) == 1
