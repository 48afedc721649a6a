"""`DriverStatement` (network/driver.py): the rows SQLAlchemy would give, through the driver."""

from __future__ import annotations

import os
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
from network.driver import DriverStatement, execute
from network.extensions import create_engine, db
from tests.conftest import service_missing

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


def _own_engine() -> sa.Engine:
    url = os.environ.get("TEST_DATABASE_URL")
    if not url:
        service_missing("PostgreSQL (TEST_DATABASE_URL)")
    assert url is not None
    return create_engine(url, pool_size=2)


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
