"""The feed-event log: every event of a commit is written with it, in order, and ids become
visible in id order, so a client replaying `since` never skips one."""

from __future__ import annotations

import random
import threading
from typing import Any

import pytest
import sqlalchemy as sa
from flask import Flask

from network.extensions import db
from network.realtime import log
from network.realtime.models import FeedEvent


def _payload(n: int) -> dict[str, Any]:
    return {"n": n, "text": f"Één “event” {n}", "nested": {"list": [n, None, True, 1.5]}}


@pytest.mark.parametrize("count", [1, 2, 7, log.MANY_EVENTS, log.MANY_EVENTS + 1, 150])
def test_every_event_of_a_commit_is_written_in_order(app: Flask, count: int) -> None:
    with app.app_context():
        before = int(db.session.scalar(sa.select(sa.func.count()).select_from(FeedEvent)) or 0)
        records = [
            log.publish(f"test.{n % 3}", _payload(n), [f"room-{n % 2}", "feed"])
            for n in range(count)
        ]
        db.session.commit()
        ids = [record.id for record in records]
        assert ids == sorted(ids) and len(set(ids)) == count
        rows = db.session.execute(
            sa.select(FeedEvent.id, FeedEvent.event, FeedEvent.rooms, FeedEvent.payload)
            .where(FeedEvent.id.in_(ids))
            .order_by(FeedEvent.id)
        ).all()
        assert [tuple(row) for row in rows] == [
            (record.id, f"test.{n % 3}", [f"room-{n % 2}", "feed"], _payload(n))
            for n, record in enumerate(records)
        ]
        assert db.session.scalar(sa.select(sa.func.count()).select_from(FeedEvent)) == (
            before + count
        )
        assert all(record.created_at is not None for record in records)


def test_events_of_a_rolled_back_transaction_are_not_written(app: Flask) -> None:
    with app.app_context():
        before = db.session.scalar(sa.select(sa.func.max(FeedEvent.id)))
        log.publish("test.gone", {"n": 1}, ["feed"])
        db.session.rollback()
        db.session.commit()
        assert db.session.scalar(sa.select(sa.func.max(FeedEvent.id))) == before


@pytest.mark.live
def test_concurrent_commits_make_their_ids_visible_in_id_order(app: Flask, backend: str) -> None:
    """Writers commit events at once; a reader that keeps asking for what came after the
    highest id it saw must, in the end, have seen every id."""
    if backend != "postgresql":
        pytest.skip("SQLite has one writer at a time")
    writers, commits = 6, 25
    done = threading.Event()
    seen: list[int] = []
    failures: list[BaseException] = []

    def write(number: int) -> None:
        rng = random.Random(number)
        try:
            with app.app_context():
                for commit in range(commits):
                    for n in range(rng.randint(1, 3)):
                        log.publish("test.race", {"w": number, "c": commit, "n": n}, ["feed"])
                    db.session.commit()
        except BaseException as error:
            failures.append(error)

    def read() -> None:
        with app.app_context():
            last = 0
            while True:
                finished = done.is_set()
                found = db.session.scalars(
                    sa.select(FeedEvent.id).where(FeedEvent.id > last).order_by(FeedEvent.id)
                ).all()
                db.session.rollback()
                seen.extend(found)
                last = found[-1] if found else last
                if finished:
                    return

    reader = threading.Thread(target=read)
    reader.start()
    threads = [threading.Thread(target=write, args=(n,)) for n in range(writers)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=120)
    done.set()
    reader.join(timeout=60)
    assert not failures, failures
    with app.app_context():
        every = db.session.scalars(
            sa.select(FeedEvent.id).where(FeedEvent.event == "test.race").order_by(FeedEvent.id)
        ).all()
    assert sorted(seen) == list(every), "an id became visible after a higher one was read"
