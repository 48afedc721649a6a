"""Marks on PostgreSQL go out without waiting: `settle` reads their answer, and only then may
the next message be accepted (see tests/digests/test_pipelining.py for the mailer's side).

Live tests: the marks run on a connection of their own, as in a worker, and commit for real."""

from __future__ import annotations

import threading
import time
from collections.abc import Callable
from datetime import date

import psycopg
import pytest
import sqlalchemy as sa
from flask import Flask

from network.digests import services
from network.digests.marks import Marks, _numbered
from network.digests.models import Digest
from network.digests.periods import period_ending
from network.extensions import db
from tests.digests.conftest import Dropping, email_of


@pytest.fixture
def claimed(app: Flask, backend: str, add_members: Callable[..., list[int]]) -> list[int]:
    """Five claimed digests, committed; their ids (PostgreSQL: on SQLite a mark is written in
    the session's transaction and waits for its answer)."""
    if backend != "postgresql":
        pytest.skip("marks go out without waiting on PostgreSQL only")
    members = add_members(5, frequency="daily")
    period = period_ending("daily", "Europe/Amsterdam", date(2026, 11, 27), 8)
    with app.app_context():
        digests = [
            Digest(
                member_id=member,
                period_key=period.key,
                period_start=period.start,
                period_end=period.end,
                claimed_by="job",
            )
            for member in members
        ]
        db.session.add_all(digests)
        db.session.commit()
        return [digest.id for digest in digests]


def states(app: Flask, ids: list[int]) -> list[tuple[str, str | None, int]]:
    """The digests' status, Message-ID and attempts, read on a connection of its own."""
    with db.engine_for(app).connect() as other:
        rows = other.execute(
            sa.select(Digest.id, Digest.status, Digest.message_id, Digest.attempts).where(
                Digest.id.in_(ids)
            )
        ).all()
    by_id = {row.id: (str(row.status), row.message_id, row.attempts) for row in rows}
    return [by_id[digest_id] for digest_id in ids]


@pytest.mark.live
def test_a_mark_is_committed_once_settled(app: Flask, claimed: list[int]) -> None:
    with app.app_context(), Marks() as marks:
        for number, digest_id in enumerate(claimed):
            marks.sent(digest_id, f"<digest-{number}@example.org>")
            marks.settle()
            # Seen by everyone else as soon as settle returns: the next message may go.
            assert states(app, [digest_id]) == [("sent", f"<digest-{number}@example.org>", 1)]
    assert [state[0] for state in states(app, claimed)] == ["sent"] * len(claimed)
    assert_lent_as_found(marks)


def assert_lent_as_found(marks: Marks) -> None:
    """The marks' connection goes back to the pool as it came (commits wait for the disk, the
    batch's statement deallocated), or not at all."""
    if marks.driver.closed:
        return
    try:
        assert marks.driver.execute("SHOW synchronous_commit").fetchone() == ("on",)
        prepared = marks.driver.execute(
            "SELECT count(*) FROM pg_prepared_statements WHERE name LIKE 'upstander_digest_sent_%'"
        ).fetchone()
        assert prepared == (0,)
    finally:
        marks.driver.rollback()  # idle again in the pool, as the pool left it


@pytest.mark.live
def test_marks_of_later_batches_use_the_pooled_connection_again(
    app: Flask, claimed: list[int]
) -> None:
    """Each batch opens its own Marks, on the connection the pool lends again (its statement
    prepared anew, the one before deallocated)."""
    db.engine_for(app).dispose()  # a pool of one connection from here: each batch gets it
    backends = set()
    for digest_id in claimed:
        with app.app_context(), Marks() as marks:
            marks.sent(digest_id, f"<again-{digest_id}@example.org>")
            backends.add(marks.pgconn.backend_pid)
        assert_lent_as_found(marks)
    assert len(backends) == 1
    assert states(app, claimed) == [
        ("sent", f"<again-{digest_id}@example.org>", 1) for digest_id in claimed
    ]


@pytest.mark.live
def test_a_mark_on_its_way_when_the_batch_stops_still_counts(
    app: Flask, claimed: list[int]
) -> None:
    stopped = pytest.raises(RuntimeError, match="the batch stopped")
    with stopped, app.app_context(), Marks() as marks:
        marks.sent(claimed[0], "<stopped@example.org>")
        raise RuntimeError("the batch stopped")
    assert states(app, claimed[:2]) == [
        ("sent", "<stopped@example.org>", 1),
        ("claimed", None, 0),
    ]
    assert_lent_as_found(marks)


@pytest.mark.live
def test_a_batch_that_stops_while_its_failing_mark_is_on_its_way_keeps_its_own_error(
    app: Flask, claimed: list[int]
) -> None:
    stopped = pytest.raises(RuntimeError, match="the batch stopped")
    with stopped, app.app_context(), Marks() as marks:
        marks.sent(claimed[0], "<" + "x" * 300 + "@example.org>")
        raise RuntimeError("the batch stopped")
    assert states(app, claimed[:1]) == [("claimed", None, 0)]
    assert_lent_as_found(marks)


@pytest.mark.live
def test_a_mark_that_fails_raises_when_settled_and_marks_nothing(
    app: Flask, claimed: list[int]
) -> None:
    """A mark the database refuses (here a Message-ID past its column's 200 characters) fails
    the batch at `settle`, before another message could be accepted; the next batch's marks
    work on the same pooled connection."""
    refused = pytest.raises(psycopg.DatabaseError, match="value too long")
    with refused, app.app_context(), Marks() as marks:
        marks.sent(claimed[0], "<fine@example.org>")
        marks.sent(claimed[1], "<" + "x" * 300 + "@example.org>")
        marks.settle()
    assert states(app, claimed[:3]) == [
        ("sent", "<fine@example.org>", 1),
        ("claimed", None, 0),
        ("claimed", None, 0),
    ]
    assert_lent_as_found(marks)
    with app.app_context(), Marks() as marks:
        marks.sent(claimed[2], "<after@example.org>")
    assert states(app, [claimed[2]]) == [("sent", "<after@example.org>", 1)]


@pytest.mark.live
def test_failed_attempts_wait_for_the_mark_on_its_way(app: Flask, claimed: list[int]) -> None:
    with app.app_context(), Marks() as marks:
        marks.sent(claimed[0], "<first@example.org>")
        marks.failed({claimed[1]: "550 no such mailbox"})
    assert states(app, claimed[:2]) == [
        ("sent", "<first@example.org>", 1),
        ("claimed", None, 1),
    ]


@pytest.mark.live
def test_a_connection_lost_while_a_mark_is_on_its_way_is_never_lent_again(
    app: Flask, claimed: list[int]
) -> None:
    """The batch's own error stands; the marks' connection is closed, not returned to the
    pool mid-answer; the next batch marks on a fresh one."""
    stopped = pytest.raises(RuntimeError, match="the batch stopped")
    with stopped, app.app_context(), Marks() as marks:
        marks.sent(claimed[0], "<lost@example.org>")
        with db.engine_for(app).connect() as other:
            other.execute(
                sa.text("SELECT pg_terminate_backend(:pid)"), {"pid": marks.pgconn.backend_pid}
            )
        raise RuntimeError("the batch stopped")
    assert marks.driver.closed
    with app.app_context(), Marks() as again:
        again.sent(claimed[1], "<after@example.org>")
    assert states(app, [claimed[1]]) == [("sent", "<after@example.org>", 1)]


@pytest.mark.live
def test_the_next_digest_is_accepted_only_once_the_mark_before_is_committed(
    app: Flask,
    backend: str,
    dropping: Callable[..., Dropping],
    add_members: Callable[..., list[int]],
) -> None:
    """A batch's marks and its mailer together (services.send_batch): while the first digest's
    mark waits for its row (locked by another transaction), the server accepts nothing more."""
    if backend != "postgresql":
        pytest.skip("marks go out without waiting on PostgreSQL only")
    sink = dropping(set())  # offers PIPELINING
    members = add_members(3, frequency="daily")
    sink.refuse = len(members)  # the first attempt claims the rows for job-A and sends nothing
    with app.app_context():
        (batch,) = services.due_batches()
        assert sorted(services.send_batch(batch, "job-A").failed) == members
    engine = db.engine_for(app)
    results: list[services.BatchResult] = []

    def retry() -> None:
        with app.app_context():
            results.append(services.send_batch(batch, "job-A"))

    with engine.connect() as other:
        other.execute(sa.select(Digest.id).where(Digest.member_id == members[0]).with_for_update())
        sending = threading.Thread(target=retry)
        sending.start()
        deadline = time.monotonic() + 20
        while not sink.accepted and time.monotonic() < deadline:
            time.sleep(0.02)
        time.sleep(0.5)  # time enough for a dot written too early to be accepted
        accepted_while_locked = [message["To"] for message in sink.accepted]
        other.rollback()
    sending.join(timeout=120)
    assert accepted_while_locked == [email_of(app, members[0])]
    assert [sorted(result.sent) for result in results] == [members]
    assert sink.per_recipient() == {email_of(app, member): 1 for member in members}


@pytest.mark.parametrize(
    ("compiled", "names", "numbered"),
    [
        ("UPDATE t SET a=%(a)s WHERE id = %(id)s", ["a", "id"], "UPDATE t SET a=$1 WHERE id = $2"),
        ("SELECT %(x)s, %(x)s", ["x", "x"], "SELECT $1, $2"),
        ("SELECT 'a%%' || %(y_1)s", ["y_1"], "SELECT 'a%' || $1"),
        ("SELECT 1", [], "SELECT 1"),
        ("SELECT '%%(a)s', %(b)s", ["b"], "SELECT '%(a)s', $1"),
        ("SELECT %(my-col)s, 'x%%'", ["my-col"], "SELECT $1, 'x%'"),
    ],
)
def test_statements_are_numbered_for_libpq(compiled: str, names: list[str], numbered: str) -> None:
    assert _numbered(compiled) == (names, numbered)


def test_statements_with_expanding_parameters_are_refused() -> None:
    with pytest.raises(ValueError, match="expanding"):
        _numbered("SELECT 1 WHERE id IN (__[POSTCOMPILE_ids])")
