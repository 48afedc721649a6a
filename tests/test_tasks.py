"""Celery jobs run for real: on a worker process over Redis, and embedded in memory."""

from __future__ import annotations

import threading
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import sqlalchemy as sa
from celery import Celery
from celery.signals import task_success
from flask import Flask, current_app

from network import embedded
from network.accounts.models import Member
from network.extensions import db
from network.tasks.broker import transport_for
from network.tasks.health import heartbeat
from tests.harness import standalone_app, upstander, wait_until, worker_process


def test_celery_speaks_json_only_and_acknowledges_after_the_job(app: Flask) -> None:
    conf = app.extensions["celery"].conf
    assert conf.task_serializer == "json"
    assert conf.result_serializer == "json"
    assert conf.event_serializer == "json"
    assert list(conf.accept_content) == ["json"]
    # A job that dies with its worker is put back, not lost.
    assert conf.task_acks_late is True
    assert conf.task_reject_on_worker_lost is True
    assert conf.worker_prefetch_multiplier == 1


def test_jobs_queued_from_new_threads_share_one_result_backend(app: Flask) -> None:
    # Requests are threads (greenlets under gevent) of their own: the backend Celery needs to
    # queue a job is built once per process, not once per request.
    celery = app.extensions["celery"]
    seen = [celery.backend]

    def queue_from_a_new_thread() -> None:
        seen.append(celery.backend)

    for _ in range(3):
        thread = threading.Thread(target=queue_from_a_new_thread)
        thread.start()
        thread.join()
    assert len({id(backend) for backend in seen}) == 1
    assert celery.conf.task_ignore_result is True  # and it keeps no results: nothing to share


@pytest.mark.parametrize(
    ("broker", "ours"),
    [
        ("redis://127.0.0.1:6379/0", True),
        ("redis://:secret@cache.internal:6380/2", True),
        ("rediss://cache.internal:6380/0", False),  # TLS: kombu's own, as it sets TLS up
        ("sentinel://cache.internal:26379", False),
        ("redis+socket:///run/redis.sock", False),
        ("memory://", False),
        ("", False),
    ],
)
def test_only_a_plain_redis_broker_gets_the_shared_client_transport(
    broker: str, ours: bool
) -> None:
    assert (transport_for(broker) is not None) is ours


@pytest.mark.redis
def test_jobs_sent_over_redis_share_one_client_and_every_one_arrives(
    tmp_path: Path, redis_url: str
) -> None:
    # kombu built a Redis client per message; the channel's one client sends them all, from
    # any thread, and a channel whose pool was replaced (a lost connection) sends with a new one.
    import redis

    app = standalone_app(
        tmp_path / "web", REDIS_URL=redis_url, CELERY_EMBEDDED=False, SOCKETIO_MESSAGE_QUEUE=None
    )
    celery_app: Celery = app.extensions["celery"]
    with celery_app.producer_or_acquire() as producer:
        channel = producer.channel
        first = channel._create_client()
        assert channel._create_client() is first
        clients: list[Any] = []
        sent_by: list[tuple[Any, Any]] = []

        def send_on_a_producer_of_its_own() -> None:
            # kombu does not promise a producer is safe to share between threads: each thread
            # takes its own from the pool, and reads the shared channel's client meanwhile.
            clients.append(channel._create_client())
            with celery_app.producer_or_acquire() as own:
                celery_app.send_task("network.heartbeat", queue="sent-once", producer=own)
                sent_by.append((own.channel, own.channel._create_client()))

        threads = [threading.Thread(target=send_on_a_producer_of_its_own) for _ in range(8)]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()
        assert len(clients) == len(sent_by) == 8
        assert all(client is first for client in clients)
        assert all(client is own_channel._sending for own_channel, client in sent_by)
        channel._pool = None  # what kombu does with a pool whose connection it lost
        replaced = channel._create_client()
        assert replaced is not first and replaced.connection_pool is channel.pool
        celery_app.send_task("network.heartbeat", queue="sent-once", producer=producer)
    assert redis.Redis.from_url(redis_url).llen("sent-once") == 9


@pytest.mark.redis
def test_heartbeat_sent_with_delay_runs_on_a_real_worker(tmp_path: Path, redis_url: str) -> None:
    app = standalone_app(
        tmp_path / "web", REDIS_URL=redis_url, CELERY_EMBEDDED=False, SOCKETIO_MESSAGE_QUEUE=None
    )
    celery_app: Celery = app.extensions["celery"]
    with worker_process(
        tmp_path / "worker", database_url=app.config["DATABASE_URL"], redis_url=redis_url
    ) as worker:
        worker.wait_for_log("ready.")

        # A pickled message must never be executed: the worker accepts JSON only.
        refused = celery_app.send_task("network.heartbeat", serializer="pickle")
        sent = heartbeat.delay()

        log = worker.wait_for_log(f"Task network.heartbeat[{sent.id}] succeeded")
        assert f"Task network.heartbeat[{sent.id}] succeeded" in log and ": 'ok'" in log
        assert "ContentDisallowed" in log or "Refusing to deserialize" in log, log
        assert f"network.heartbeat[{refused.id}] succeeded" not in log


@pytest.mark.redis
def test_beat_keeps_its_schedule_in_the_instance_folder(tmp_path: Path, redis_url: str) -> None:
    instance, elsewhere = tmp_path / "instance", tmp_path / "started-here"
    elsewhere.mkdir()
    with upstander(instance, "beat", cwd=elsewhere, REDIS_URL=redis_url) as beat:
        wait_until(
            lambda: list(instance.glob("celerybeat-schedule*")),
            what=lambda: f"beat's schedule file in the instance folder; log:\n{beat.log()}",
        )
    assert list(elsewhere.iterdir()) == []


@pytest.fixture
def succeeded() -> Iterator[list[tuple[str, Any]]]:
    """Record (task name, result) of every task that succeeds, via Celery's own signal."""
    results: list[tuple[str, Any]] = []

    def record(sender: Any = None, result: Any = None, **_: Any) -> None:
        results.append((sender.name, result))

    task_success.connect(record, weak=False)
    yield results
    task_success.disconnect(record)


def ours(results: list[tuple[str, Any]]) -> list[tuple[str, Any]]:
    """Keep the results of the tasks the embedded-worker test sent itself."""
    return [r for r in results if r[0] in {"network.heartbeat", "tests.members_seen_by_task"}]


def test_embedded_worker_runs_sent_tasks_inside_the_app(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, succeeded: list[tuple[str, Any]]
) -> None:
    monkeypatch.chdir(tmp_path)
    app = standalone_app(tmp_path / "instance")
    celery_app: Celery = app.extensions["celery"]
    assert celery_app.conf.broker_url == "memory://"

    @celery_app.task(name="tests.members_seen_by_task")
    def members_seen_by_task() -> list[Any]:
        """Answer from inside the app: which database, and what it holds."""
        count = db.session.scalar(sa.select(sa.func.count()).select_from(Member))
        return [current_app.config["DATABASE_URL"], count]

    schedule = str(tmp_path / "instance" / "celerybeat-schedule")
    # The in-memory broker is one per process: drop what earlier tests queued without a worker.
    celery_app.control.purge()
    threads = embedded.start(celery_app, schedule_filename=schedule)
    try:
        heartbeat.delay()
        members_seen_by_task.delay()
        # The in-memory broker is one per process: jobs queued by earlier tests (a notice's
        # mail, say) may run here too; only these two are this test's.
        wait_until(lambda: len(ours(succeeded)) >= 2, what=lambda: f"two tasks, got {succeeded}")
    finally:
        for thread in threads:
            thread.stop()  # type: ignore[attr-defined]
        for thread in threads:
            thread.join(timeout=10)

    assert sorted(ours(succeeded)) == [
        ("network.heartbeat", "ok"),
        ("tests.members_seen_by_task", [app.config["DATABASE_URL"], 0]),
    ]
    assert not any(thread.is_alive() for thread in threads)
    assert list(tmp_path.glob("celerybeat-schedule*")) == []
    assert list((tmp_path / "instance").glob("celerybeat-schedule*"))
