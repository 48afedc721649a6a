"""Ids at the edge: whole numbers from 1 up to what the database's integer columns hold.

A larger id can name nothing, yet SQLite cannot even bind it and PostgreSQL refuses it as out of
range: refused here, it is a 404 in a URL and a 422 in a body, never a server error."""

from __future__ import annotations

from typing import Annotated, TypeGuard

from pydantic import Field
from werkzeug.exceptions import NotFound
from werkzeug.routing import IntegerConverter

MAX_ID = 2**31 - 1  # PostgreSQL INTEGER, the type of every primary key

Id = Annotated[int, Field(ge=1, le=MAX_ID)]


def is_id(value: object) -> TypeGuard[int]:
    """Tell whether a value sent by a client can be an id (true and false are not)."""
    return isinstance(value, int) and not isinstance(value, bool) and 1 <= value <= MAX_ID


class IdConverter(IntegerConverter):
    """`<int:...>` in a URL: an id of at most ten digits; out of range, nothing is found."""

    regex = r"\d{1,10}"

    def to_python(self, value: str) -> int:
        number = super().to_python(value)
        if not 1 <= number <= MAX_ID:
            # Not werkzeug's ValidationError: after a sibling rule for another method had
            # matched, that would answer 405 Method Not Allowed instead.
            raise NotFound()
        return number
