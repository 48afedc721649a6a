"""psycopg cursors that describe their result only when asked.

psycopg builds `cursor.description` anew at every access: a `Column` object per column, each
with its name decoded and its type looked up. SQLAlchemy reads the description after every
statement, but once it knows a statement (its compiled form is cached) it only checks that
there is one: the columns it needs come from the cache. So the hot paths paid for describing
every column of every statement — about 0.1 ms for the feed page's 49 columns — and used none
of it. Here the description is a sequence that builds psycopg's own `Column` objects the first
time anything looks inside it, from the result it was taken from."""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from typing import Any, overload

import psycopg
from psycopg import pq

# psycopg describes a result with tuples, also one without columns ("SELECT ;").
_DESCRIBED = (pq.ExecStatus.TUPLES_OK, pq.ExecStatus.SINGLE_TUPLE, pq.ExecStatus.TUPLES_CHUNK)


class _Result:
    """What psycopg's `Column` reads from its cursor, held for one result."""

    __slots__ = ("_encoding", "adapters", "pgresult")

    def __init__(self, cursor: psycopg.Cursor[Any], pgresult: pq.abc.PGresult) -> None:
        self.pgresult = pgresult
        self._encoding = cursor._encoding
        self.adapters = cursor.adapters


class Description(Sequence[psycopg.Column]):
    """A result's columns, as psycopg describes them, built when first looked at."""

    __slots__ = ("_columns", "_count", "_result")

    def __init__(self, result: _Result) -> None:
        self._result: _Result | None = result
        self._count = result.pgresult.nfields
        self._columns: list[psycopg.Column] = []

    def _built(self) -> list[psycopg.Column]:
        if self._result is not None:
            result, self._result = self._result, None
            self._columns = [psycopg.Column(result, n) for n in range(self._count)]  # type: ignore[arg-type]
        return self._columns

    def __len__(self) -> int:
        return self._count

    @overload
    def __getitem__(self, index: int) -> psycopg.Column: ...

    @overload
    def __getitem__(self, index: slice) -> list[psycopg.Column]: ...

    def __getitem__(self, index: int | slice) -> psycopg.Column | list[psycopg.Column]:
        return self._built()[index]

    def __iter__(self) -> Iterator[psycopg.Column]:
        return iter(self._built())

    def __repr__(self) -> str:
        return repr(self._built())


class Cursor(psycopg.Cursor[Any]):
    """psycopg's cursor, describing its result lazily (see the module's doc)."""

    __slots__ = ()

    @property
    def description(self) -> Description | None:  # type: ignore[override]
        result = self.pgresult
        if result is None or not (result.nfields or result.status in _DESCRIBED):
            return None
        return Description(_Result(self, result))
