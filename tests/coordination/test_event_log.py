"""The feed-event log: every event of a commit is written with it, in order, and ids become
visible in id order, so a client replaying `since` never skips one."""

from __future__ import annotations

import random
import threading
from typing import Any

import pytest
import sqlalchemy as sa
from flask import Flask
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

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


def _lock_holders(app: Flask) -> int:
    """Sessions holding the feed-event log's lock, seen from a connection of its own."""
    with db.engine_for(app).connect() as other:
        return int(
            other.scalar(
                sa.text(
                    "SELECT count(*) FROM pg_locks WHERE locktype = 'advisory' "
                    "AND objid = 7310001 AND granted AND pid <> pg_backend_pid() "
                    # pg_locks shows every database's: other test processes have their own.
                    "AND database = "
                    "(SELECT oid FROM pg_database WHERE datname = current_database())"
                )
            )
            or 0
        )


@pytest.mark.live
@pytest.mark.parametrize("count", [1, 3, log.MANY_EVENTS])
def test_the_lock_is_released_before_the_insert_answers(
    app: Flask, backend: str, count: int
) -> None:
    """The lock that orders ids is held for the insert and the commit alone, never while the
    answer travels back (the insert and its COMMIT go out together): by the time the writer
    hears of its ids, nobody holds the lock, and the events are committed."""
    if backend != "postgresql":
        pytest.skip("SQLite takes no lock")
    seen: list[tuple[int, int]] = []
    engine = db.engine_for(app)

    def after(_connection: Any, _cursor: Any, statement: str, *_rest: Any) -> None:
        if "pg_advisory_xact_lock" in statement:
            with engine.connect() as other:
                committed = other.scalar(
                    sa.select(sa.func.count()).where(FeedEvent.event == "test.quick")
                )
            seen.append((_lock_holders(app), int(committed or 0)))

    sa.event.listen(engine, "after_cursor_execute", after)
    try:
        with app.app_context():
            records = [log.publish("test.quick", {"n": n}, ["feed"]) for n in range(count)]
            db.session.commit()
            ids = [record.id for record in records]
    finally:
        sa.event.remove(engine, "after_cursor_execute", after)
    assert seen == [(0, count)]
    assert ids == sorted(ids) and len(set(ids)) == count


@pytest.mark.live
def test_what_the_session_holds_commits_with_the_events(
    app: Flask, backend: str, create_member: Any
) -> None:
    """A change not yet sent when the commit starts is written in the same transaction as the
    events, and the session goes on as usual afterwards."""
    from network.accounts.models import Member

    member = create_member()
    with app.app_context():
        row = db.session.get(Member, member.id)
        assert row is not None
        row.display_name = "Renamed at commit"
        log.publish("test.together", {"member": member.id}, ["feed"])
        db.session.commit()
        # The next transaction starts afresh on the same session.
        log.publish("test.together", {"member": member.id, "again": True}, ["feed"])
        db.session.commit()
    with db.engine_for(app).connect() as other:
        assert other.scalar(sa.select(Member.display_name).where(Member.id == member.id)) == (
            "Renamed at commit"
        )
        assert (
            other.scalar(sa.select(sa.func.count()).where(FeedEvent.event == "test.together")) == 2
        )


@pytest.mark.live
@pytest.mark.parametrize("failure", ["in the insert", "at the commit", "the connection lost"])
def test_a_failed_commit_keeps_neither_the_change_nor_its_events(
    app: Flask, backend: str, create_member: Any, failure: str
) -> None:
    """Whether the events' insert fails, the COMMIT itself (a deferred constraint) or the
    connection, the caller gets SQLAlchemy's error (a lost connection said so), the session
    refuses to go on until it is rolled back, nothing of the transaction stays, and the session
    works again after its rollback."""
    from network.accounts.models import Member

    if backend != "postgresql":
        pytest.skip("the insert that commits is PostgreSQL's")
    member = create_member()
    engine = db.engine_for(app)
    with engine.begin() as setup:
        setup.execute(sa.text("DROP TABLE IF EXISTS test_deferred"))
        setup.execute(
            sa.text(
                "CREATE TABLE test_deferred (member_id integer REFERENCES member (id) "
                "DEFERRABLE INITIALLY DEFERRED)"
            )
        )
    try:
        with app.app_context():
            before = db.session.scalar(sa.select(sa.func.count()).select_from(FeedEvent))
            row = db.session.get(Member, member.id)
            assert row is not None
            row.display_name = "Never saved"
            if failure == "in the insert":
                log.publish("x" * 41, {"n": 1}, ["feed"])  # longer than the column allows
            elif failure == "at the commit":
                db.session.execute(sa.text("INSERT INTO test_deferred VALUES (-1)"))
                log.publish("test.deferred", {"n": 1}, ["feed"])
            else:
                db.session.flush()
                backend_pid = db.session.scalar(sa.text("SELECT pg_backend_pid()"))
                with engine.connect() as other:
                    other.execute(sa.text(f"SELECT pg_terminate_backend({int(backend_pid)})"))
                log.publish("test.lost", {"n": 1}, ["feed"])
            with pytest.raises(sa.exc.DBAPIError) as failed:
                db.session.commit()
            assert failed.value.connection_invalidated == (failure == "the connection lost")
            with pytest.raises(sa.exc.SQLAlchemyError):
                db.session.commit()  # not before a rollback
            db.session.rollback()
            assert db.session.scalar(sa.select(sa.func.count()).select_from(FeedEvent)) == before
            log.publish("test.after", {"n": 2}, ["feed"])
            db.session.commit()
        with engine.connect() as other:
            assert other.scalar(sa.select(Member.display_name).where(Member.id == member.id)) != (
                "Never saved"
            )
            assert other.scalar(sa.text("SELECT count(*) FROM test_deferred")) == 0
            assert (
                other.scalar(sa.select(sa.func.count()).where(FeedEvent.event == "test.after")) == 1
            )
    finally:
        with engine.begin() as setup:
            setup.execute(sa.text("DROP TABLE test_deferred"))


_TRICKY = st.text(
    st.characters(codec="utf-8", exclude_characters="\x00"), max_size=40
) | st.sampled_from(["'", "''", "\\", "\\'", "$$", "'); COMMIT; --", "%s", "%(x)s", "é\u2028𝄞"])


@pytest.mark.live
@settings(max_examples=60, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(
    events=st.lists(
        st.tuples(
            _TRICKY.map(lambda text: text[:40]),
            st.lists(_TRICKY, max_size=3),
            st.dictionaries(
                _TRICKY, _TRICKY | st.integers(-(2**63), 2**63 - 1) | st.none(), max_size=4
            ),
        ),
        min_size=1,
        max_size=5,
    )
)
def test_events_are_stored_exactly_as_published(
    app: Flask, backend: str, events: list[tuple[str, list[str], dict[str, Any]]]
) -> None:
    """Whatever an event's name, rooms and payload hold (quotes, backslashes, statement-like
    text, any Unicode), the insert that commits stores them exactly and nothing else runs."""
    with app.app_context():
        records = [log.publish(name, payload, rooms) for name, rooms, payload in events]
        db.session.commit()
        stored = db.session.execute(
            sa.select(FeedEvent.event, FeedEvent.rooms, FeedEvent.payload)
            .where(FeedEvent.id.in_([record.id for record in records]))
            .order_by(FeedEvent.id)
        ).all()
        db.session.rollback()
    assert [tuple(row) for row in stored] == [
        (name, rooms, payload) for name, rooms, payload in events
    ]


@pytest.mark.live
@pytest.mark.parametrize("raises", [False, True])
def test_a_later_commit_listener_writes_in_the_same_transaction(
    app: Flask, backend: str, raises: bool
) -> None:
    """With another before_commit listener after the log's, the log leaves the commit to
    SQLAlchemy: what that listener writes commits with the events, or nothing does."""
    engine = db.engine_for(app)

    def later(session: Any) -> None:
        if session.info.get("pending_events"):
            session.execute(
                sa.insert(FeedEvent).values(
                    created_at=log.utcnow(), event="test.later", rooms=[], payload={}
                )
            )
            if raises:
                raise RuntimeError("a later listener failed")

    sa.event.listen(db.session, "before_commit", later)
    try:
        with app.app_context():
            log.publish("test.first", {"n": 1}, ["feed"])
            if raises:
                with pytest.raises(RuntimeError):
                    db.session.commit()
                db.session.rollback()
            else:
                db.session.commit()
    finally:
        sa.event.remove(db.session, "before_commit", later)
    with engine.connect() as other:
        stored = other.scalars(
            sa.select(FeedEvent.event)
            .where(FeedEvent.event.in_(["test.first", "test.later"]))
            .order_by(FeedEvent.id)
        ).all()
    assert stored == ([] if raises else ["test.first", "test.later"])
