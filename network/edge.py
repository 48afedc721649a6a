"""What a request may bring: JSON of bounded depth, and no text that cannot be stored anywhere."""

from __future__ import annotations

import json
import math
import re
from typing import Any

from flask import Flask, g, request
from flask.json.provider import DefaultJSONProvider

from network.errors import ValidationFailed
from network.extensions import db
from network.ids import MAX_ID
from network.text import unstorable_problem
from network.translation import gettext as _

# No request body of the API nests deeper than a few levels; this leaves room and stops
# bodies that exhaust the parser's (or a later walker's) recursion long before they do.
MAX_JSON_DEPTH = 32
NUMBER = re.compile(r"[+-]?[0-9]+")


class JSONTooDeep(ValueError):
    """A JSON document nests deeper than MAX_JSON_DEPTH."""


class JSONNotFinite(ValueError):
    """A JSON document holds NaN or Infinity, which JSON itself does not allow."""


def _not_finite(constant: str) -> Any:
    raise JSONNotFinite(constant)


def nesting_depth(value: Any) -> int:
    """Return how deeply lists and objects nest in a parsed JSON value (without recursion)."""
    deepest = 0
    stack: list[tuple[Any, int]] = [(value, 0)]
    while stack:
        item, depth = stack.pop()
        if isinstance(item, dict | list):
            depth += 1
            deepest = max(deepest, depth)
            stack.extend(
                (inner, depth) for inner in (item.values() if isinstance(item, dict) else item)
            )
    return deepest


def loads_bounded(data: str | bytes) -> Any:
    """Parse JSON, refusing documents nested too deeply, NaN and Infinity (all as ValueError)."""
    try:
        value = json.loads(data, parse_constant=_not_finite)
    except RecursionError:
        raise JSONTooDeep(f"nested deeper than {MAX_JSON_DEPTH}") from None
    if nesting_depth(value) > MAX_JSON_DEPTH:
        raise JSONTooDeep(f"nested deeper than {MAX_JSON_DEPTH}")
    if isinstance(value, float) and not math.isfinite(value):
        raise JSONNotFinite(str(value))
    return value


class BoundedJSONProvider(DefaultJSONProvider):
    """Flask's JSON, with request bodies parsed by loads_bounded (a ValueError when refused)."""

    def loads(self, s: str | bytes, **kwargs: Any) -> Any:
        return loads_bounded(s)


def refuse_unstorable_text() -> None:
    """Refuse any query, form or path value that no field may hold, before a view sees it."""
    # Most requests have no query string: its parse (a MultiDict) is then skipped.
    pairs: list[tuple[str, Any]] = (
        list(request.args.items(multi=True)) if request.query_string else []
    )
    pairs.extend((request.view_args or {}).items())
    if request.method not in ("GET", "HEAD") and request.mimetype in (
        "application/x-www-form-urlencoded",
        "multipart/form-data",
    ):
        pairs.extend(request.form.items(multi=True))
    fields: dict[str, str] = {}
    for name, value in pairs:
        for text in (name, value) if isinstance(value, str) else (name,):
            problem = unstorable_problem(text)
            if problem:
                fields.setdefault(name, problem)
    if fields:
        raise ValidationFailed(_("Some fields are not valid."), fields=fields)


def int_arg(name: str, *, low: int = 1, high: int = MAX_ID) -> int | None:
    """Return a whole-number query parameter (None when absent); anything else is refused."""
    raw = request.args.get(name, "").strip()
    if not raw:
        return None
    # Compare lengths before converting: a number of thousands of digits is simply out of range.
    if not NUMBER.fullmatch(raw) or len(raw.lstrip("+-")) > 12 or not low <= int(raw) <= high:
        raise ValidationFailed(
            _("Some fields are not valid."),
            fields={name: _("Use a whole number from %(low)s to %(high)s.", low=low, high=high)},
        )
    return int(raw)


def init_app(app: Flask) -> None:
    """Parse JSON bodies within bounds and refuse unstorable text at the edge."""
    app.json = BoundedJSONProvider(app)
    app.before_request(refuse_unstorable_text)
    # First of all hooks: anything before it (loading the member) already runs in a transaction.
    app.before_request_funcs.setdefault(None, []).insert(0, _declare_reading)
    app.teardown_request(_end_reading)


# Pages and API reads (GET, HEAD) are read use cases: they declare so, and on SQLite take no
# write lock. (The few GETs that write, such as confirming an address, write within it.)
READING_METHODS = ("GET", "HEAD")


def _declare_reading() -> None:
    if request.method in READING_METHODS:
        reading = db.reading()
        reading.__enter__()
        g.reading = reading


def _end_reading(_error: BaseException | None = None) -> None:
    reading = g.pop("reading", None)
    if reading is not None:
        reading.__exit__(None, None, None)
