"""Personal asks come from a job after the alert went live: once per alert, however often the job
runs, by one worker or two at once."""

from __future__ import annotations

import re
from collections.abc import Callable, Iterator
from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest
import redis
import sqlalchemy as sa
from celery import Celery
from flask import Flask

from network.alerts.models import Alert, AlertStatus
from network.coordination.models import Ask, AskChannel
from network.db import utcnow
from network.extensions import db
from network.settings import replace_settings
from tests.alerts.conftest import alert_body
from tests.conftest import ask_members_job, run_job
from tests.digests.conftest import Sink, smtp_sink
from tests.harness import (
    CommandProcess,
    wait_for_redelivery,
    wait_until,
    with_worker_processes,
    worker_process,
)
from tests.support.push import Server, chat_webhook

__all__ = ["chat_webhook", "smtp_sink"]

Api = Callable[..., Any]
ASK_MEMBERS = "network.coordination.ask_members"


@pytest.fixture(autouse=True)
def two_asks_per_alert(app: Flask) -> Iterator[None]:
    replace_settings(app, asks_per_alert=2)
    yield
    replace_settings(app, asks_per_alert=3)


def asks_of(app: Flask, alert_id: int) -> list[int]:
    with app.app_context():
        return sorted(
            db.session.scalars(sa.select(Ask.member_id).where(Ask.alert_id == alert_id)).all()
        )


def post(api_as: Api, member: Any) -> dict[str, Any]:
    """Post over the API without running the job (the request no longer asks anyone)."""
    response = api_as(member, "POST", "/api/v1/alerts", json=alert_body(language="en"))
    assert response.status_code == 201, response.get_data(as_text=True)
    alert: dict[str, Any] = response.get_json()
    return alert


def test_the_request_asks_nobody_and_the_job_asks_once_however_often_it_runs(
    app: Flask, api_as: Api, create_member: Any
) -> None:
    helpers = {create_member().id for _ in range(4)}
    alert = post(api_as, create_member(trust_level=1))
    assert asks_of(app, alert["id"]) == [], "the request only announces the alert"

    assert ask_members_job(alert["id"]) == 2
    first = asks_of(app, alert["id"])
    assert len(first) == 2 and set(first) <= helpers
    # Run again (a second worker, or the job delivered again after a worker died after its commit).
    assert ask_members_job(alert["id"]) == 0
    assert asks_of(app, alert["id"]) == first
    with app.app_context():
        marked = db.session.get(Alert, alert["id"])
        assert marked is not None and marked.asks_sent_at is not None


def test_an_alert_waiting_for_review_is_asked_about_once_it_is_approved(
    app: Flask, api_as: Api, create_member: Any
) -> None:
    create_member(), create_member()
    organiser = create_member(role="organiser", asks_per_week=0)
    pending = post(api_as, create_member(trust_level=0))
    assert pending["status"] == "pending_review"
    assert ask_members_job(pending["id"]) == 0, "not live: nobody is asked yet"

    approved = api_as(
        organiser, "POST", f"/api/v1/alerts/{pending['id']}/review", json={"decision": "approve"}
    )
    assert approved.status_code == 200, approved.get_data(as_text=True)
    assert asks_of(app, pending["id"]) == [], "the approval only announces the alert"
    assert ask_members_job(pending["id"]) == 2
    assert ask_members_job(pending["id"]) == 0
    assert len(asks_of(app, pending["id"])) == 2


def test_a_job_that_failed_before_its_commit_asks_when_it_runs_again(
    app: Flask, api_as: Api, create_member: Any
) -> None:
    create_member(), create_member()
    alert = post(api_as, create_member(trust_level=1))
    with app.app_context():
        # A worker killed in the middle of the job: its transaction never commits.
        from network.coordination import asks

        locked = asks._locked(alert["id"])
        assert locked is not None
        asks.ask_members(locked)
        db.session.rollback()
    assert asks_of(app, alert["id"]) == []
    assert ask_members_job(alert["id"]) == 2


def test_the_job_delivers_its_asks_and_a_run_again_delivers_what_a_killed_worker_left(
    app: Flask, api_as: Api, create_member: Any
) -> None:
    create_member(), create_member()
    alert = post(api_as, create_member(trust_level=1))
    with app.app_context():
        # A worker killed after the asks' commit, before it delivered them.
        from network.coordination import asks

        assert asks.ask_after_going_live(alert["id"]) == 2
    assert [ask.delivered_at for ask in asks_rows(app, alert["id"])] == [None, None]

    assert ask_members_job(alert["id"]) == 0, "nobody more is asked"
    delivered = asks_rows(app, alert["id"])
    assert all(ask.delivered_at is not None for ask in delivered)
    assert {ask.channel for ask in delivered} == {AskChannel.EMAIL}  # no push: the outbox
    assert ask_members_job(alert["id"]) == 0
    assert [ask.delivered_at for ask in asks_rows(app, alert["id"])] == [
        ask.delivered_at for ask in delivered
    ], "delivered once"


def connect_a_chat(app: Flask, organiser: Any, chat_webhook: Server) -> None:
    """The organiser connects the network's group chat (its webhook: `chat_webhook`)."""
    from network.accounts.models import Member
    from network.reach import chats

    with app.test_request_context():
        member = db.session.get(Member, organiser.id)
        assert member is not None
        port = chat_webhook.origin.rsplit(":", 1)[1]
        chats.connect_chat(member, name="Volunteers", url=f"json://127.0.0.1:{port}/hook")


def killed_worker_settings(sink: Sink, visibility: int) -> dict[str, str]:
    """Worker settings for the killed-worker tests: two asks an alert, mail to `sink`, and
    Redis handing an unacknowledged job out again after `visibility` seconds."""
    return {
        "ASKS_PER_ALERT": "2",
        "SMTP_HOST": "127.0.0.1",
        "SMTP_PORT": str(sink.port),
        "BROKER_VISIBILITY_TIMEOUT": str(visibility),
    }


def asks_rows(app: Flask, alert_id: int) -> list[Ask]:
    with app.app_context():
        return list(
            db.session.scalars(sa.select(Ask).where(Ask.alert_id == alert_id).order_by(Ask.id))
        )


def succeeded(workers: list[CommandProcess]) -> list[str]:
    task = re.escape(ASK_MEMBERS)
    pattern = re.compile(rf"Task {task}\[[0-9a-f-]+\] succeeded in [0-9.]+s: (.*)")
    return [match for worker in workers for match in pattern.findall(worker.log())]


@with_worker_processes
@pytest.mark.parametrize("gathered", [False, True], ids=["one alert a job", "gathered alerts"])
def test_two_workers_running_the_same_job_at_once_ask_each_member_once(
    app: Flask,
    api_as: Api,
    create_member: Any,
    tmp_path: Path,
    redis_url: str,
    gathered: bool,
) -> None:
    helpers = {create_member().id for _ in range(4)}
    alerts = [post(api_as, create_member(trust_level=1, asks_per_week=0)) for _ in range(3)]
    url = app.config["DATABASE_URL"]
    broker = Celery("tests", broker=redis_url)
    broker.conf.update(task_serializer="json", accept_content=["json"])
    environment = {"ASKS_PER_ALERT": "2"}
    try:
        with (
            worker_process(
                tmp_path / "w1", database_url=url, redis_url=redis_url, **environment
            ) as w1,
            worker_process(
                tmp_path / "w2", database_url=url, redis_url=redis_url, **environment
            ) as w2,
        ):
            w1.wait_for_log("ready.")
            w2.wait_for_log("ready.")
            ids = [alert["id"] for alert in alerts]
            jobs = [[ids], [ids]] if gathered else [[i] for i in ids for _twice in range(2)]
            for args in jobs:
                broker.send_task(ASK_MEMBERS, args=args)
            done = wait_until(
                lambda: ran if len(ran := succeeded([w1, w2])) == len(jobs) else [],
                timeout=60,
                what=lambda: f"every run; logs:\n{w1.log()}\n{w2.log()}",
            )
    finally:
        broker.close()
    if gathered:  # each alert asked by whichever run locked it first
        assert sum(int(result) for result in done) == 6
    else:
        assert sorted(int(result) for result in done) == [0, 0, 0, 2, 2, 2]
    for alert in alerts:
        asked = asks_of(app, alert["id"])
        assert len(asked) == 2 and set(asked) <= helpers
        # Each ask delivered, once: one mail each (no push here), written to a worker's outbox.
        assert all(ask.delivered_at is not None for ask in asks_rows(app, alert["id"]))
    mailed = [path.name for path in tmp_path.glob("w[12]/outbox/*.eml")]
    assert len(mailed) == 6 and len(set(mailed)) == 6, mailed


@with_worker_processes
def test_a_worker_killed_while_delivering_leaves_each_ask_delivered_and_the_chat_told_once(
    app: Flask,
    api_as: Api,
    create_member: Any,
    tmp_path: Path,
    redis_url: str,
    smtp_sink: Callable[..., Sink],
    chat_webhook: Server,
) -> None:
    sink = smtp_sink(delay=0.5)  # a slow SMTP server: the kill lands among the asks' mails
    connect_a_chat(app, create_member(role="organiser", asks_per_week=0), chat_webhook)
    helpers = [create_member() for _ in range(2)]
    alert = post(api_as, create_member(trust_level=1, asks_per_week=0))
    visibility = 3
    environment = killed_worker_settings(sink, visibility)
    url = app.config["DATABASE_URL"]
    broker = Celery("tests", broker=redis_url)
    broker.conf.update(task_serializer="json", accept_content=["json"])
    queue = redis.Redis.from_url(redis_url)
    try:
        with worker_process(
            tmp_path / "w1", database_url=url, redis_url=redis_url, **environment
        ) as w1:
            w1.wait_for_log("ready.")
            broker.send_task(ASK_MEMBERS, args=(alert["id"],))
            wait_until(lambda: len(sink.accepted) >= 1, what=lambda: f"a mail; log:\n{w1.log()}")
            w1.process.kill()
            w1.process.wait(timeout=10)
        assert len(asks_of(app, alert["id"])) == 2, "the asks were committed before the mails"
        assert any(ask.delivered_at is None for ask in asks_rows(app, alert["id"]))
        assert chat_webhook.requests() == [], "killed before it told the chat"
        assert queue.hlen("unacked") == 1
        wait_for_redelivery(queue, visibility)
        with worker_process(
            tmp_path / "w2", database_url=url, redis_url=redis_url, **environment
        ) as w2:
            wait_until(
                lambda: chat_webhook.requests(),
                timeout=30,
                what=lambda: f"the chat told; log:\n{w2.log()}",
            )
            w2.wait_for_log(f"Task {ASK_MEMBERS}")
    finally:
        broker.close()
        queue.close()
    rows = asks_rows(app, alert["id"])
    assert {ask.member_id for ask in rows} == {helper.id for helper in helpers}, "asked once"
    assert all(ask.delivered_at is not None and ask.channel == AskChannel.EMAIL for ask in rows)
    for helper in helpers:
        # At most the mail the server accepted just before the kill goes twice (same Message-ID).
        assert 1 <= len(sink.to(helper.email)) <= 2
        assert len({message["Message-ID"] for message in sink.to(helper.email)}) == 1
    assert sum(len(sink.to(helper.email)) for helper in helpers) <= 3
    assert len(chat_webhook.requests()) == 1, "the chat is told once, by the job run again"


@with_worker_processes
def test_a_gathered_job_run_again_tells_only_the_alerts_its_killed_worker_had_not_told(
    app: Flask,
    api_as: Api,
    create_member: Any,
    tmp_path: Path,
    redis_url: str,
    smtp_sink: Callable[..., Sink],
    chat_webhook: Server,
) -> None:
    sink = smtp_sink(delay=0.5)  # slow mail: the kill lands among the second alert's mails
    connect_a_chat(app, create_member(role="organiser", asks_per_week=0), chat_webhook)
    helpers = [create_member() for _ in range(2)]
    first, second = (post(api_as, create_member(trust_level=1, asks_per_week=0)) for _ in "ab")
    visibility = 3
    environment = killed_worker_settings(sink, visibility)

    def told(alert: dict[str, Any]) -> int:
        link = f"/alerts/{alert['id']}".encode()
        return sum(link in request.body for request in chat_webhook.requests())

    url = app.config["DATABASE_URL"]
    broker = Celery("tests", broker=redis_url)
    broker.conf.update(task_serializer="json", accept_content=["json"])
    queue = redis.Redis.from_url(redis_url)
    try:
        with worker_process(
            tmp_path / "w1", database_url=url, redis_url=redis_url, **environment
        ) as w1:
            w1.wait_for_log("ready.")
            broker.send_task(ASK_MEMBERS, args=([first["id"], second["id"]],))
            wait_until(
                lambda: told(first) == 1 and len(sink.accepted) >= 3,
                timeout=30,
                what=lambda: f"the first alert told, a mail of the second; log:\n{w1.log()}",
            )
            w1.process.kill()
            w1.process.wait(timeout=10)
        assert all(ask.delivered_at for ask in asks_rows(app, first["id"]))
        assert not any(ask.delivered_at for ask in asks_rows(app, second["id"]))
        assert told(second) == 0
        wait_for_redelivery(queue, visibility)
        with worker_process(
            tmp_path / "w2", database_url=url, redis_url=redis_url, **environment
        ) as w2:
            wait_until(
                lambda: told(second), timeout=30, what=lambda: f"the second told; {w2.log()}"
            )
            w2.wait_for_log(f"Task {ASK_MEMBERS}")
    finally:
        broker.close()
        queue.close()
    assert (told(first), told(second)) == (1, 1), "each alert told once"
    for alert in (first, second):
        rows = asks_rows(app, alert["id"])
        assert {ask.member_id for ask in rows} == {helper.id for helper in helpers}
        assert all(ask.delivered_at is not None for ask in rows)
    for helper in helpers:
        # The second alert's mail accepted before the kill may go twice (same Message-ID).
        assert 2 <= len(sink.to(helper.email)) <= 3
        assert len({message["Message-ID"] for message in sink.to(helper.email)}) == 2


SWEPT = re.compile(
    r"Task network\.coordination\.ask_missed\[[0-9a-f-]+\] succeeded in [0-9.]+s: (.*)"
)


def lost_for(app: Flask, alert_id: int, minutes: float, **changes: Any) -> None:
    """Make the alert look live for `minutes` with its asks job never run (and `changes`)."""
    with app.app_context():
        alert = db.session.get(Alert, alert_id)
        assert alert is not None and alert.asks_sent_at is None
        alert.live_at = utcnow() - timedelta(minutes=minutes)
        for name, value in changes.items():
            setattr(alert, name, value)
        db.session.commit()


@pytest.mark.parametrize(
    ("minutes", "changes", "swept"),
    [
        (3, {}, True),
        (60 * 24, {}, True),
        (1, {}, False),  # its job may still be on its way
        (3, {"asks_sent_at": utcnow()}, False),  # asked already
        (3, {"hidden_at": utcnow()}, False),
        (3, {"status": AlertStatus.RESOLVED}, False),
        (3, {"status": AlertStatus.EXPIRED}, False),
    ],
)
def test_the_sweep_queues_the_asks_job_again_only_for_open_alerts_never_asked_about(
    app: Flask,
    api_as: Api,
    create_member: Any,
    minutes: float,
    changes: dict[str, Any],
    swept: bool,
) -> None:
    from network.tasks.coordination import ask_members, ask_missed

    helpers = {create_member().id for _ in range(3)}
    alert = post(api_as, create_member(trust_level=1))  # its job never runs here: lost
    lost_for(app, alert["id"], minutes, **changes)
    assert run_job(ask_missed) == ([alert["id"]] if swept else [])
    if swept:
        # The queued job, run as the worker would: asks once; the sweep then finds nothing.
        assert run_job(ask_members, [alert["id"]]) == 2
        assert set(asks_of(app, alert["id"])) <= helpers
        assert run_job(ask_missed) == []


@with_worker_processes
def test_a_worker_asks_about_an_alert_whose_job_was_lost_and_tells_the_chat_once(
    app: Flask,
    api_as: Api,
    create_member: Any,
    tmp_path: Path,
    redis_url: str,
    chat_webhook: Server,
) -> None:
    connect_a_chat(app, create_member(role="organiser", asks_per_week=0), chat_webhook)
    helpers = {create_member().id for _ in range(3)}
    # Posted here, its job went to this process's own broker: no worker on Redis ever sees it.
    alert = post(api_as, create_member(trust_level=1, asks_per_week=0))
    lost_for(app, alert["id"], 5)
    broker = Celery("tests", broker=redis_url)
    broker.conf.update(task_serializer="json", accept_content=["json"])
    try:
        with worker_process(
            tmp_path / "w1",
            database_url=app.config["DATABASE_URL"],
            redis_url=redis_url,
            ASKS_PER_ALERT="2",
        ) as w1:
            w1.wait_for_log("ready.")
            # What beat sends every minute; twice, as if the second came before the job ran.
            broker.send_task("network.coordination.ask_missed")
            broker.send_task("network.coordination.ask_missed")
            sweeps = wait_until(
                lambda: found if len(found := SWEPT.findall(w1.log())) == 2 else [],
                timeout=30,
                what=lambda: f"both sweeps; log:\n{w1.log()}",
            )
            queued = sum(result != "[]" for result in sweeps)
            assert queued >= 1
            wait_until(
                lambda: len(succeeded([w1])) == queued,
                timeout=30,
                what=lambda: f"the asks jobs the sweeps queued; log:\n{w1.log()}",
            )
    finally:
        broker.close()
    assert len(asks_of(app, alert["id"])) == 2 and set(asks_of(app, alert["id"])) <= helpers
    assert len(chat_webhook.requests()) == 1, "told once"
