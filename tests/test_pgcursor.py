"""The lazily described cursor (network/pgcursor.py) says exactly what psycopg's own says."""

from __future__ import annotations

import os
from collections.abc import Iterator

import psycopg
import pytest
import sqlalchemy as sa
from hypothesis import given, settings
from hypothesis import strategies as st

from network.extensions import create_engine, normalise_database_url
from network.pgcursor import Cursor
from tests.conftest import service_missing

# Statements of every shape: rows, no rows, no columns, unnamed and repeated columns, arrays,
# JSON, enums of the schema's kind (text), timestamps, a statement that returns nothing.
STATEMENTS = [
    "SELECT 1 AS a, 'x'::text AS b, timestamptz '2026-11-28 12:00Z' AS c",
    "SELECT generate_series(1, 30) AS n, 'ü'::varchar(12) AS v",
    "SELECT 1 WHERE false",
    "SELECT",
    "SELECT 1, 2, 3",
    "SELECT 1 AS same, 2 AS same",
    "SELECT ARRAY[1, 2]::int[] AS numbers, '{\"k\": 1}'::jsonb AS doc, 1.5::numeric(5, 2) AS d",
    "SELECT NULL AS nothing, true AS yes, '\\x00'::bytea AS raw, interval '1 day' AS span",
    "SELECT * FROM (VALUES (1, 'a'), (2, 'b')) AS t(id, name)",
    "SET TIME ZONE 'UTC'",
    "CREATE TEMPORARY TABLE IF NOT EXISTS scratch (id int)",
    "INSERT INTO scratch VALUES (1) RETURNING id, id * 2 AS twice",
    "INSERT INTO scratch VALUES (2)",
    "DELETE FROM scratch",
]


def _url() -> str:
    url = os.environ.get("TEST_DATABASE_URL")
    if not url:
        service_missing("PostgreSQL (TEST_DATABASE_URL)")
    assert url is not None
    return normalise_database_url(url).replace("postgresql+psycopg://", "postgresql://")


@pytest.fixture(scope="module")
def connections() -> Iterator[tuple[psycopg.Connection, psycopg.Connection]]:
    url = _url()
    try:
        stock = psycopg.connect(url, autocommit=True)
    except psycopg.OperationalError:
        service_missing("PostgreSQL")
    lazy = psycopg.connect(url, autocommit=True, cursor_factory=Cursor)
    with stock, lazy:
        yield stock, lazy


def _described(description: object) -> list[tuple[object, ...]] | None:
    if description is None:
        return None
    return [tuple(column) for column in description]  # type: ignore[attr-defined]


def _compare(connections: tuple[psycopg.Connection, psycopg.Connection], sql: str) -> None:
    stock, lazy = (connection.cursor() for connection in connections)
    stock.execute(sql)
    lazy.execute(sql)
    assert isinstance(lazy, Cursor)
    expected, found = stock.description, lazy.description
    assert (found is None) == (expected is None)
    if found is not None:
        assert len(found) == len(expected)
        assert bool(found) == bool(expected)
        assert _described(found) == _described(expected)
        assert [column.name for column in found] == [column.name for column in expected]
        assert [c.type_display for c in found] == [c.type_display for c in expected]
        assert _described(found[1:]) == _described(expected[1:])
    assert (stock.fetchall() if stock.description else None) == (
        lazy.fetchall() if lazy.description else None
    )


@pytest.mark.parametrize("sql", STATEMENTS)
def test_describes_as_psycopg_does(connections: tuple, sql: str) -> None:
    _compare(connections, sql)


def test_a_description_keeps_describing_its_own_result(connections: tuple) -> None:
    # Looked at only after the cursor ran the next statement: still the first result's columns.
    _stock, lazy = connections
    cursor = lazy.cursor()
    cursor.execute("SELECT 1 AS first, 2 AS second")
    first = cursor.description
    cursor.execute("SELECT 'x' AS other")
    assert [column.name for column in first] == ["first", "second"]
    assert [column.name for column in cursor.description] == ["other"]
    cursor.execute("SET TIME ZONE 'UTC'")
    assert cursor.description is None
    assert [column.type_code for column in first] == [23, 23]


@settings(max_examples=40, deadline=None)
@given(
    st.lists(st.sampled_from(["int", "text", "jsonb", "timestamptz", "bool", "int[]"]), max_size=60)
)
def test_any_shape_of_columns(connections: tuple, types: list[str]) -> None:
    columns = ", ".join(f"NULL::{kind} AS c{n}" for n, kind in enumerate(types))
    _compare(connections, f"SELECT {columns}")


def test_the_app_engine_uses_it_and_reads_rows_as_before() -> None:
    engine = create_engine(os.environ.get("TEST_DATABASE_URL") or _url())
    try:
        with engine.connect() as connection:
            assert isinstance(connection.connection.driver_connection.cursor(), Cursor)
            # The same statement twice: SQLAlchemy describes it the first time and reuses its
            # cached columns the second; textual SQL is described every time.
            statement = sa.select(sa.literal(1).label("a"), sa.literal("b").label("b"))
            for _ in range(2):
                assert connection.execute(statement).mappings().one() == {"a": 1, "b": "b"}
                assert connection.execute(sa.text("SELECT 2 AS n, 'm' AS w")).one() == (2, "m")
    finally:
        engine.dispose()
