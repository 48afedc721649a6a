"""Marks on PostgreSQL go out without waiting: `settle` reads their answer, and only then may
the next message be accepted (see tests/digests/test_pipelining.py for the mailer's side).

Live tests: the marks run on a connection of their own, as in a worker, and commit for real."""

from __future__ import annotations

from collections.abc import Callable
from datetime import date

import psycopg
import pytest
import sqlalchemy as sa
from flask import Flask

from network.digests.marks import Marks, _numbered
from network.digests.models import Digest
from network.digests.periods import period_ending
from network.extensions import db


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
    """Each batch opens its own Marks; the pool lends the connection (and the statement
    prepared on it) again."""
    for digest_id in claimed:
        with app.app_context(), Marks() as marks:
            marks.sent(digest_id, f"<again-{digest_id}@example.org>")
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


@pytest.mark.parametrize(
    ("compiled", "names", "numbered"),
    [
        ("UPDATE t SET a=%(a)s WHERE id = %(id)s", ["a", "id"], "UPDATE t SET a=$1 WHERE id = $2"),
        ("SELECT %(x)s, %(x)s", ["x", "x"], "SELECT $1, $2"),
        ("SELECT 'a%%' || %(y_1)s", ["y_1"], "SELECT 'a%' || $1"),
        ("SELECT 1", [], "SELECT 1"),
    ],
)
def test_statements_are_numbered_for_libpq(compiled: str, names: list[str], numbered: str) -> None:
    assert _numbered(compiled) == (names, numbered)
