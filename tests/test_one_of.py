"""`db.one_of(column, values)`: the rows an IN list would select, as one array on PostgreSQL."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from typing import Any

import pytest
import sqlalchemy as sa
from flask import Flask
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from network.accounts.models import Member
from network.extensions import db

FIXTURE_SETTINGS = settings(
    max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)


@pytest.fixture
def members(app: Flask, create_member: Callable[..., Any]) -> Iterator[dict[int, str]]:
    made = [create_member() for _ in range(12)]
    with app.app_context():
        yield {member.id: member.email for member in made}


def _ids(values: Any) -> set[int]:
    return set(db.session.scalars(sa.select(Member.id).where(db.one_of(Member.id, values))))


@FIXTURE_SETTINGS
@given(picks=st.lists(st.integers(min_value=0, max_value=40), max_size=30))
def test_the_same_rows_as_an_in_list(members: dict[int, str], picks: list[int]) -> None:
    known = sorted(members)
    # Ids of members that exist, repeated ones, and ids that belong to nobody.
    wanted = [known[pick] if pick < len(known) else -pick - 1 for pick in picks]
    assert _ids(wanted) == set(wanted) & set(known)
    expected = (
        set(db.session.scalars(sa.select(Member.id).where(Member.id.in_(wanted))))
        if wanted
        else set()
    )
    assert _ids(wanted) == expected


@pytest.mark.parametrize(
    "given_as", [list, tuple, set, iter], ids=["list", "tuple", "set", "iterator"]
)
def test_any_iterable_and_strings(members: dict[int, str], given_as: Any) -> None:
    some = sorted(members)[:5]
    assert _ids(given_as(some)) == set(some)
    emails = [members[member_id] for member_id in some] + ["nobody@example.org"]
    found = db.session.scalars(sa.select(Member.id).where(db.one_of(Member.email, emails)))
    assert set(found) == set(some)


def test_nothing_selects_nothing(members: dict[int, str]) -> None:
    assert _ids([]) == set()
    # Negated, nothing excludes nothing.
    rest = db.session.scalars(sa.select(Member.id).where(~db.one_of(Member.id, [])))
    assert set(rest) >= set(members)


def test_the_statement_does_not_grow_with_the_values(
    app: Flask, members: dict[int, str], backend: str
) -> None:
    """On PostgreSQL the values are one parameter: the same short statement for 2 or 2,000 ids
    (psycopg keeps it parsed, SQLAlchemy has nothing to expand)."""
    sent: list[str] = []

    def record(_conn: Any, _cursor: Any, statement: str, *_args: Any) -> None:
        if statement.startswith("SELECT"):  # not the test's savepoint
            sent.append(statement)

    engine = db.engine_for(app)
    sa.event.listen(engine, "before_cursor_execute", record)
    try:
        _ids(sorted(members)[:2])
        _ids(range(2_000))
    finally:
        sa.event.remove(engine, "before_cursor_execute", record)
    assert len(sent) == 2
    if backend == "postgresql":
        assert sent[0] == sent[1]
        assert "ANY" in sent[0]
    else:
        assert len(sent[1]) > len(sent[0])
