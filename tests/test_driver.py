"""`DriverStatement` (network/driver.py): the rows SQLAlchemy would give, through the driver;
several statements sent as one message (`rows_together`)."""

from __future__ import annotations

import logging
import os
import threading
from collections.abc import Callable, Iterator
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
import sqlalchemy as sa
from flask import Flask
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from network.accounts.models import Member, MemberStatus, Role
from network.db import as_loaded
from network.driver import DriverStatement, execute, rows_together
from network.extensions import create_engine, db
from tests.conftest import service_missing
from tests.harness import wait_until

FIXTURE_SETTINGS = settings(
    max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
# Columns of every kind the hot statements read: enums, UTC moments (also empty), JSON lists,
# text, numbers; a computed column; values bound by the caller (also repeated and empty) and by
# the statement itself.
SINCE = sa.bindparam("since", type_=Member.created_at.type)
STATEMENT = (
    sa.select(
        Member.id,
        Member.role,
        Member.status,
        Member.created_at,
        Member.last_login_at,
        Member.platforms,
        Member.display_name,
        (Member.trust_level + sa.bindparam("extra", type_=sa.Integer())).label("raised"),
        sa.case((Member.created_at > SINCE, 1), else_=0).label("recent"),
    )
    .where(
        Member.id >= sa.bindparam("first", type_=sa.Integer()),
        Member.status == MemberStatus.ACTIVE,
        sa.or_(Member.created_at > SINCE, Member.role != Role.ORGANISER),
        sa.or_(sa.bindparam("name", type_=sa.String()).is_(None), Member.display_name == "x"),
    )
    .order_by(Member.id)
)
DRIVEN = DriverStatement(STATEMENT)


@pytest.fixture
def members(app: Flask, create_member: Callable[..., Any]) -> Iterator[list[int]]:
    made = [create_member(role="organiser" if n % 3 == 0 else "member") for n in range(7)]
    with app.app_context():
        for handle in made[::2]:
            member = db.session.get(Member, handle.id)
            assert member is not None
            member.last_login_at = datetime(2026, 11, 30, 12, tzinfo=UTC)
            member.platforms = ["instagram", "tiktok"]
        suspended = db.session.get(Member, made[1].id)
        assert suspended is not None
        suspended.status = MemberStatus.SUSPENDED
        db.session.flush()
        yield sorted(handle.id for handle in made)


@FIXTURE_SETTINGS
@given(
    first=st.integers(min_value=-3, max_value=12),
    extra=st.integers(min_value=-5, max_value=5),
    hours=st.integers(min_value=-48, max_value=48),
)
def test_the_rows_sqlalchemy_gives(members: list[int], first: int, extra: int, hours: int) -> None:
    since = datetime.now(UTC) + timedelta(hours=hours)
    values = {"first": members[0] + first, "extra": extra, "since": since, "name": None}
    expected = [tuple(row) for row in db.session.execute(STATEMENT, values)]
    found = [tuple(row) for row in DRIVEN.rows(db.session.connection(), values)]
    assert found == expected
    for row in found:
        # As SQLAlchemy reads them: enums, aware UTC moments, lists.
        assert isinstance(row[1], Role) and isinstance(row[2], MemberStatus)
        assert row[3].tzinfo is not None and row[3].utcoffset() == timedelta(0)
        assert row[4] is None or row[4] == datetime(2026, 11, 30, 12, tzinfo=UTC)
        assert isinstance(row[5], list)


def test_heard_by_the_engine_listeners_as_one_statement(
    app: Flask, members: list[int], backend: str
) -> None:
    sent: list[tuple[str, Any]] = []

    def record(_conn: Any, _cursor: Any, statement: str, parameters: Any, *_args: Any) -> None:
        if statement.startswith("SELECT"):  # not the test's savepoint
            sent.append((statement, parameters))

    engine = db.engine_for(app)
    values = {"first": members[0], "extra": 0, "since": datetime.now(UTC), "name": None}
    sa.event.listen(engine, "before_cursor_execute", record)
    try:
        rows = DRIVEN.rows(db.session.connection(), values)
    finally:
        sa.event.remove(engine, "before_cursor_execute", record)
    assert 0 < len(rows) < len(members)  # not the suspended member
    assert len(sent) == 1
    statement, parameters = sent[0]
    if backend == "postgresql":
        # The text SQLAlchemy would send, the statement's own values with the caller's.
        assert statement == str(STATEMENT.compile(dialect=engine.dialect))
        assert parameters["first"] == members[0] and parameters["status_1"] == "active"


def test_a_read_in_autocommit_stays_one(app: Flask, backend: str) -> None:
    """Sent through the driver in a read that runs in autocommit, a write is refused as any
    statement of such a read is (network/extensions.py), before it reaches the server."""
    if backend != "postgresql":
        pytest.skip("SQLite reads in a transaction")
    reads = app.extensions["database_reads"]
    with reads.connect() as connection, pytest.raises(RuntimeError, match="tried to write"):
        execute(connection, "UPDATE member SET trust_level = 4", ())
    with db.engine_for(app).connect() as connection:
        assert (
            connection.exec_driver_sql("SELECT count(*) FROM member WHERE trust_level = 4").scalar()
            == 0
        )


def _own_engine(connections: int = 2) -> sa.Engine:
    url = os.environ.get("TEST_DATABASE_URL")
    if not url:
        service_missing("PostgreSQL (TEST_DATABASE_URL)")
    assert url is not None
    return create_engine(url, pool_size=connections)


def test_errors_are_sqlalchemys_with_their_values_hidden() -> None:
    engine = _own_engine()
    failing = DriverStatement(
        sa.select(sa.func.div(10, sa.bindparam("zero", type_=sa.Integer()), type_=sa.Integer()))
    )
    try:
        with engine.connect() as connection:
            with pytest.raises(sa.exc.DataError) as raised:
                failing.rows(connection, {"zero": 0})
            assert "division by zero" in str(raised.value)
            assert "SQL parameters hidden" in str(raised.value)
            assert not connection.invalidated
            connection.rollback()
            assert [tuple(row) for row in failing.rows(connection, {"zero": 5})] == [(2,)]
    finally:
        engine.dispose()


def test_a_lost_connection_is_invalidated_and_the_pool_connects_anew() -> None:
    engine = _own_engine()
    try:
        with engine.connect() as connection:
            backend_pid = connection.exec_driver_sql("SELECT pg_backend_pid()").scalar()
            with engine.connect() as other:
                other.exec_driver_sql("SELECT pg_terminate_backend(%s)", (backend_pid,))
            with pytest.raises(sa.exc.OperationalError) as raised:
                execute(connection, "SELECT 1", ())
            assert raised.value.connection_invalidated
            assert connection.invalidated
        with engine.connect() as connection:
            assert execute(connection, "SELECT 1", ()) == [(1,)]
    finally:
        engine.dispose()


def test_as_loaded_holds_the_values_without_history(app: Flask) -> None:
    member = as_loaded(Member, {"id": 5, "display_name": "Noor", "role": Role.MEMBER}.items())
    assert (member.id, member.display_name, member.role) == (5, "Noor", Role.MEMBER)
    state = sa.inspect(member)
    assert state.transient
    assert not state.attrs.display_name.history.has_changes()


def test_a_column_read_by_its_server_type_goes_through_sqlalchemy(app: Flask) -> None:
    """Numbers whose reading depends on the server's type (numeric, float) are left to
    SQLAlchemy, which knows it from the result: the same values either way."""
    halves = DriverStatement(
        sa.select(
            (sa.literal(1, sa.Integer()) / sa.bindparam("n", type_=sa.Integer())).label("q"),
            sa.cast(sa.bindparam("f", type_=sa.Float()), sa.Float()).label("f"),
        )
    )
    with app.app_context():
        values = {"n": 4, "f": 0.5}
        rows = halves.rows(db.session.connection(), values)
        assert [tuple(row) for row in rows] == [
            tuple(row) for row in db.session.execute(halves.statement, values)
        ]


# A write that returns rows, then a read of what it wrote: the pair a claim sends under its lock.
RAISE = DriverStatement(
    sa.update(Member)
    .where(Member.id == sa.bindparam("member", type_=sa.Integer()))
    .values(trust_level=sa.bindparam("level", type_=sa.Integer()))
    .returning(Member.id, Member.role, Member.created_at, Member.trust_level)
)
RAISED = DriverStatement(
    sa.select(Member.id, Member.trust_level, Member.status)
    .where(Member.trust_level >= sa.bindparam("least", type_=sa.Integer()))
    .order_by(Member.id)
)


@FIXTURE_SETTINGS
@given(pick=st.integers(min_value=0, max_value=6), level=st.integers(min_value=0, max_value=3))
def test_statements_sent_together_give_each_ones_rows(
    app: Flask, members: list[int], backend: str, pick: int, level: int
) -> None:
    """Each statement's rows as SQLAlchemy gives them one after the other; the read sees the
    write before it. On PostgreSQL the engine's listeners hear one message, elsewhere each."""
    sent: list[str] = []

    def record(_conn: Any, _cursor: Any, statement: str, *_args: Any) -> None:
        if not statement.startswith(("SAVEPOINT", "RELEASE", "ROLLBACK")):
            sent.append(statement)

    member = members[pick]
    engine = db.engine_for(app)
    sa.event.listen(engine, "before_cursor_execute", record)
    try:
        raised, read = rows_together(
            db.session.connection(),
            (RAISE, {"member": member, "level": level}),
            (RAISED, {"least": 0}),
        )
    finally:
        sa.event.remove(engine, "before_cursor_execute", record)
    [(member_id, role, created_at, trust_level)] = raised
    assert (member_id, trust_level) == (member, level) and isinstance(role, Role)
    assert created_at.tzinfo is not None and created_at.utcoffset() == timedelta(0)
    expected = db.session.execute(RAISED.statement, {"least": 0}).all()
    assert [tuple(row) for row in read] == [tuple(row) for row in expected]
    assert (member, trust_level) in [(row[0], row[1]) for row in read]
    assert len(sent) == (1 if backend == "postgresql" else 2)
    if backend == "postgresql":
        assert sent[0].count(";") == 1 and "RETURNING" in sent[0]


PROBE = sa.Table(
    "driver_lock_probe",
    sa.MetaData(),
    sa.Column("id", sa.Integer, primary_key=True),
    sa.Column("n", sa.Integer, nullable=False),
)
BUMP = DriverStatement(
    sa.update(PROBE)
    .where(PROBE.c.id == 1)
    .values(n=PROBE.c.n + sa.bindparam("by", type_=sa.Integer()))
    .returning(PROBE.c.n)
)
SUM = DriverStatement(sa.select(sa.func.count(PROBE.c.id)).where(PROBE.c.id > 1))


def test_a_statement_after_a_lock_in_one_message_reads_what_the_lock_waited_for() -> None:
    """The second statement of a message begins after the first one got its lock: it sees
    what the lock's holder committed meanwhile (READ COMMITTED), as a claim under the alert's
    lock must see the claims made while it waited."""
    engine = _own_engine(connections=3)  # the holder, the waiter and a watcher
    PROBE.drop(engine, checkfirst=True)
    PROBE.create(engine)
    try:
        with engine.begin() as setup:
            setup.execute(PROBE.insert().values(id=1, n=0))
        with engine.connect() as holder, engine.connect() as waiter:
            # The holder locks the row, raises it and adds a row, all uncommitted.
            holder.execute(BUMP.statement, {"by": 2})
            holder.execute(PROBE.insert().values(id=2, n=0))
            answers: list[Any] = []
            failures: list[BaseException] = []

            def wait_for_the_lock() -> None:
                try:
                    answers.append(rows_together(waiter, (BUMP, {"by": 1}), (SUM, {})))
                except BaseException as error:  # handed to the test
                    failures.append(error)

            thread = threading.Thread(target=wait_for_the_lock)
            thread.start()

            def waiting_for_the_lock() -> bool:
                with engine.connect() as watcher:
                    return bool(
                        watcher.exec_driver_sql(
                            "SELECT count(*) FROM pg_stat_activity WHERE wait_event_type = "
                            "'Lock' AND query LIKE 'UPDATE driver_lock_probe%%'"
                        ).scalar()
                    )

            wait_until(waiting_for_the_lock, what="the message to wait for the holder's lock")
            holder.commit()
            thread.join(10)
            assert not failures, failures
            [(bumped, counted)] = answers
            # The write waited and built on the holder's; the read, begun after it, sees the
            # holder's row, which a snapshot from before the wait would not.
            assert [tuple(row) for row in bumped] == [(3,)]
            assert [tuple(row) for row in counted] == [(1,)]
            waiter.rollback()
    finally:
        PROBE.drop(engine, checkfirst=True)
        engine.dispose()


def test_statements_together_fail_as_sqlalchemys_with_their_values_hidden() -> None:
    engine = _own_engine()
    failing = DriverStatement(
        sa.select(sa.func.div(10, sa.bindparam("zero", type_=sa.Integer()), type_=sa.Integer()))
    )
    one = DriverStatement(sa.select(sa.bindparam("one", type_=sa.Integer())))
    try:
        with engine.connect() as connection:
            with pytest.raises(sa.exc.DataError) as raised:
                rows_together(connection, (one, {"one": 1}), (failing, {"zero": 0}))
            assert "division by zero" in str(raised.value)
            assert "SQL parameters hidden" in str(raised.value)
            connection.rollback()
            assert rows_together(connection, (one, {"one": 1}), (failing, {"zero": 5})) == [
                [(1,)],
                [(2,)],
            ]
    finally:
        engine.dispose()


def test_the_sql_log_shows_the_drivers_statements_without_their_values(
    caplog: pytest.LogCaptureFixture,
) -> None:
    """With the engine's SQL log on (debugging), a statement sent through the driver is logged
    as SQLAlchemy logs its own: its text, never its values."""
    engine = _own_engine()
    secret = "swimmer-secret@example.org"
    echo = DriverStatement(sa.select(sa.bindparam("word", type_=sa.String()).label("word")))
    one = DriverStatement(sa.select(sa.bindparam("n", type_=sa.Integer()).label("n")))
    try:
        with (
            caplog.at_level(logging.INFO, logger="sqlalchemy.engine.Engine"),
            engine.connect() as connection,
        ):
            found = echo.rows(connection, {"word": secret})
            together = rows_together(connection, (one, {"n": 7}), (echo, {"word": secret}))
        assert [tuple(row) for row in found] == [(secret,)]
        assert together == [[(7,)], [(secret,)]]
        logged = "\n".join(record.getMessage() for record in caplog.records)
        assert logged.count("[driver] [SQL parameters hidden]") == 2
        assert "SELECT %(word)s" in logged and "SELECT %(n)s" in logged
        assert secret not in logged
    finally:
        engine.dispose()


def test_statements_binding_one_name_to_different_values_run_one_by_one(
    app: Flask, backend: str
) -> None:
    """Compiled on their own, two statements may both name a value `id_1`: sent as one text
    they would share one value. They run one by one instead, each with its own."""
    if backend != "postgresql":
        pytest.skip("SQLite runs them one by one anyway")
    first = DriverStatement(sa.select(sa.literal_column("1").label("n")).where(sa.literal(1) == 1))
    second = DriverStatement(sa.select(sa.literal_column("2").label("n")).where(sa.literal(5) == 5))
    with app.app_context():
        connection = db.session.connection()
        assert rows_together(connection, (first, {}), (second, {})) == [[(1,)], [(2,)]]


def test_statements_are_not_sent_together_in_autocommit(app: Flask, backend: str) -> None:
    """In autocommit each statement of a message would commit on its own, and a read-only
    connection's guard sees only a message's first statement: refused before anything is sent."""
    if backend != "postgresql":
        pytest.skip("SQLite reads in a transaction")
    one = DriverStatement(sa.select(sa.bindparam("one", type_=sa.Integer())))
    with (
        app.extensions["database_reads"].connect() as connection,
        pytest.raises(RuntimeError, match="autocommit"),
    ):
        rows_together(connection, (one, {"one": 1}), (one, {"one": 1}))
