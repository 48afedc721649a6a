"""Real-time events: persisted in the feed-event log with the change, emitted after the commit.

Services call publish() inside their transaction. The FeedEvent row is written just before the
commit and commits (or rolls back) with the change it describes; only after the commit is the
event emitted to Socket.IO — through the Redis message queue when configured, so web processes
and Celery workers reach every client.
"""

from __future__ import annotations

import functools
import logging
from typing import Any

import orjson
import sqlalchemy as sa
from flask import Flask
from sqlalchemy.orm import Session

from network.db import utcnow
from network.driver import execute
from network.extensions import db, socketio
from network.realtime.fanout import PublishFirst
from network.realtime.models import FeedEvent
from network.realtime.rooms import NAMESPACE

log = logging.getLogger(__name__)
# Up to this many events of one commit are written by one statement that also takes the lock.
MANY_EVENTS = 64


def publish(event: str, payload: dict[str, Any], rooms: list[str]) -> FeedEvent:
    """Record an event in the current transaction; it is emitted once the transaction commits."""
    record = FeedEvent(event=event, rooms=rooms, payload=payload)
    db.session.info.setdefault("pending_events", []).append(record)
    return record


def init_app(app: Flask) -> None:
    """Hook the log into the application's session: write before, emit after the commit.

    The listeners go on the app's own session factory (not on every SQLAlchemy Session), once
    per process however many apps are built."""
    for name, listener in (
        ("before_commit", _log_before_commit),
        ("after_commit", _emit_after_commit),
        ("after_rollback", _forget_after_rollback),
    ):
        if not sa.event.contains(db.session, name, listener):
            sa.event.listen(db.session, name, listener)


def _log_before_commit(session: Session) -> None:
    if not session.info.get("pending_events"):
        return
    bind = session.get_bind()
    postgresql = bind.dialect.name == "postgresql"
    # Event ids must commit in id order, or a client replaying "since" could skip one. The lock
    # is taken only now, so it is held for the insert and the commit alone: held from the first
    # event on, a web process's other requests (gevent) stretched it out and concurrent posts
    # queued behind it. It is taken in the insert's own statement: every row's id is drawn
    # after it, in the order of the events.
    closing = postgresql and _commits_its_connection(session, bind)
    if closing:
        # What the session still holds goes first, in this transaction. Should the flush leave
        # it dirty (a hook that changes objects), SQLAlchemy's own flushes follow this hook:
        # the commit is then left to SQLAlchemy, so that they are in the transaction too.
        session.flush()
        closing = not (session.new or session.dirty or session.deleted)
    pending: list[FeedEvent] = session.info.get("pending_events", [])
    now = utcnow()
    rows = [
        {"created_at": now, "event": record.event, "rooms": record.rooms, "payload": record.payload}
        for record in pending
    ]
    if postgresql and len(rows) <= MANY_EVENTS:
        connection = session.connection()
        values = _values(now, rows)
        if closing:
            ids = _insert_and_commit(connection, len(rows), values)
        else:
            # The driver's own statement on the session's connection: no ORM, no compiling.
            found = connection.exec_driver_sql(_locked_insert(len(rows)), tuple(values))
            ids = list(found.scalars())
    else:
        if postgresql:
            session.execute(sa.text("SELECT pg_advisory_xact_lock(7310001)"))
        ids = list(
            session.scalars(
                sa.insert(FeedEvent).returning(FeedEvent.id, sort_by_parameter_order=True), rows
            )
        )
    for record, event_id in zip(pending, sorted(ids), strict=True):
        record.id, record.created_at = event_id, now


@functools.lru_cache(maxsize=MANY_EVENTS)
def _locked_insert(count: int) -> str:
    """The statement that takes the lock and inserts `count` events, for the driver (psycopg's
    positional placeholders; the values from _values)."""
    values = ", ".join(f"({n}, %s, CAST(%s AS JSON), CAST(%s AS JSON))" for n in range(count))
    # Only numbers are formatted into the text; every value is a parameter.
    rows = f"(VALUES {values}) AS v(n, event, rooms, payload)"
    return (
        "WITH ordered AS (SELECT pg_advisory_xact_lock(7310001)) "
        "INSERT INTO feed_event (created_at, event, rooms, payload) "
        "SELECT CAST(%s AS timestamptz), v.event, v.rooms, v.payload "
        "FROM ordered, " + rows + " ORDER BY v.n RETURNING id"
    )


def _values(now: Any, rows: list[dict[str, Any]]) -> list[Any]:
    """_locked_insert's values: the time once, then each event's name, rooms and payload."""
    values: list[Any] = [now]
    for row in rows:
        values += (row["event"], orjson.dumps(row["rooms"]).decode())
        values.append(orjson.dumps(row["payload"]).decode())
    return values


def _commits_its_connection(session: Session, bind: Any) -> bool:
    """Whether this hook may end the transaction of the session's connection itself: the
    session opened the connection (it is bound to an engine, not to a caller's connection, as
    in the tests' rolled-back transactions), no savepoint is open, the commit is not two-phase,
    and no other before_commit listener runs after this one (its writes would miss the
    transaction)."""
    if not isinstance(bind, sa.Engine) or session.in_nested_transaction() or session.twophase:
        return False
    listeners = list(session.dispatch.before_commit)
    if not listeners or listeners[-1] is not _log_before_commit:
        return False
    return not session.connection().in_nested_transaction()


def _insert_and_commit(connection: sa.Connection, count: int, parameters: list[Any]) -> list[int]:
    """Send the locked insert and the COMMIT that releases its lock as one message; return
    the new ids.

    Sent one after the other, the lock stayed held while the insert's answer travelled back to
    this process and its request waited for its turn to run again (a web process runs many at
    once): under load, posts queued behind the lock and the machine's cores went to whatever
    else was running. Sent together, the lock is held for the insert and the commit's own
    write. One message of two statements is PostgreSQL's simple query, whose values psycopg
    writes into the text as quoted literals (`ClientCursor`): measured under gevent it costs
    this process less than the two round trips did, and less than psycopg's pipeline mode,
    which does the same in two protocol messages. SQLAlchemy's commit then finds the
    transaction ended and sends nothing more. The statement is announced to the engine's
    listeners like any other (statement counts stay true); a failure invalidates the connection
    and raises as SQLAlchemy's DBAPIError, its values hidden (the server's own error log may
    show them: they are in the statement's text)."""
    statement = _locked_insert(count) + "; COMMIT"
    # Whatever failed — the insert, the COMMIT (a deferred constraint), the connection — the
    # transaction is over on the server while SQLAlchemy still counts it open: the connection
    # is invalidated, so the session refuses further work until it is rolled back (as after any
    # failed commit) and the rollback itself cannot fail; the pool connects anew.
    rows = execute(connection, statement, parameters, literal=True, invalidate=True)
    return [row[0] for row in rows]


def as_message(record: FeedEvent) -> dict[str, Any]:
    """Return the event as clients receive it."""
    return {"event_id": record.id, **record.payload}


def _emit_after_commit(session: Session) -> None:
    pending: list[FeedEvent] = session.info.pop("pending_events", [])
    if not pending:
        return
    manager = getattr(socketio.server, "manager", None)
    if isinstance(manager, PublishFirst):
        # The commit's events in one message to the other web processes (fanout.py).
        try:
            manager.emit_together(
                [(record.event, as_message(record), record.rooms) for record in pending],
                NAMESPACE,
            )
        except Exception:  # the events are in the log; clients catch up through `since`
            log.exception("could not emit events %s", [record.id for record in pending])
        return
    for record in pending:
        try:
            socketio.emit(record.event, as_message(record), to=record.rooms, namespace=NAMESPACE)
        except Exception:  # the event is in the log; clients catch up through `since`
            log.exception("could not emit %s %s", record.event, record.id)


def _forget_after_rollback(session: Session) -> None:
    session.info.pop("pending_events", None)


def latest_event_id() -> int:
    """Return the id of the newest event in the log (0 when empty): where a fresh page starts."""
    return int(db.session.scalar(sa.select(sa.func.max(FeedEvent.id))) or 0)


def missed_events(since: int, rooms: set[str], limit: int) -> tuple[list[FeedEvent], bool]:
    """Return the events after `since` for these rooms, and whether more exist than `limit`."""
    scanned = list(
        db.session.scalars(
            sa.select(FeedEvent)
            .where(FeedEvent.id > since)
            .order_by(FeedEvent.id)
            .limit(limit * 4 + 1)
        )
    )
    mine = [record for record in scanned if rooms.intersection(record.rooms)]
    overflow = len(mine) > limit or len(scanned) > limit * 4
    return mine[:limit], overflow
