"""A page of the alert list as the API answers it, written as JSON by PostgreSQL.

The page statement's rows (coordination.page) turned into AlertOut's JSON in SQL: keys sorted,
timestamps as orjson writes them with OPT_UTC_Z, nulls as null. The statement returns one row
(the items as one JSON text, whether more follow, and where the page ends), which the answer
embeds as it is (orjson.Fragment): no column is converted and no dict is built per alert.
SQLite keeps the Python path (page.alert_page); both answer byte for byte the same (tested)."""

from __future__ import annotations

import re
from collections.abc import Mapping
from datetime import datetime
from enum import Enum
from functools import lru_cache
from typing import Any

import orjson
import sqlalchemy as sa
from sqlalchemy.dialects.postgresql import aggregate_order_by

from network.accounts.models import Member
from network.alerts.queries import AlertFilters
from network.coordination import needs_sql, page
from network.coordination.needs_sql import constant
from network.db import UTCDateTime
from network.extensions import db
from network.vocabulary import ActionType

Expression = sa.ColumnElement[Any]
# A page's items: dicts (the Python path) or their JSON text (PostgreSQL's); orjson takes both.
Items = list[dict[str, Any]] | orjson.Fragment
# A value in an object: its place in the object's format (%s where the value goes), and its SQL.
Value = tuple[str, Expression]
Fields = Mapping[str, "Value | Fields"]
# The JSON punctuation, keys and formats this module writes into the SQL text: nothing else.
SYNTAX = re.compile(r'[a-zA-Z0-9_{}\[\]":,.%\-]*')
MOMENT = UTCDateTime()
# format() takes at most 99 values (PostgreSQL's 100 arguments).
MOST_VALUES = 99


def _syntax(text: str) -> Expression:
    """Return a fixed piece of SQL text (JSON punctuation and keys, a format) as a constant."""
    if not SYNTAX.fullmatch(text):
        raise ValueError(f"not plain JSON syntax: {text!r}")
    return sa.literal_column(f"'{text}'", sa.Text)


NULL = _syntax("null")


def _joined(*parts: Expression) -> Expression:
    joined = parts[0]
    for part in parts[1:]:
        joined = joined.op("||")(part)
    return joined


# Columns that are NOT NULL (and numbers computed from them) go into the format as they are;
# the others become "null" when empty, as orjson writes None.


def _number(value: Expression) -> Value:
    return "%s", value


def _maybe_number(value: Expression) -> Value:
    return "%s", sa.func.coalesce(sa.cast(value, sa.Text), NULL)


def _code(value: Expression) -> Value:
    # Our own codes (an enum column's CHECK constraint): letters and underscores, nothing to escape.
    return '"%s"', value


def _maybe_code(value: Expression) -> Value:
    return "%s", sa.func.coalesce(_joined(_syntax('"'), value, _syntax('"')), NULL)


def _text(value: Expression) -> Value:
    # to_json escapes exactly as orjson does: \" \\ \b \f \n \r \t, \u00xx below a space.
    return "%s", sa.func.to_json(value)


def _truth(value: Expression) -> Value:
    return "%s", sa.case((value, _syntax("true")), else_=_syntax("false"))


def _utc(value: Expression) -> Expression:
    """Return a timestamp's text as orjson writes it with OPT_UTC_Z, without the Z and quotes."""
    utc = sa.func.timezone(_syntax("UTC"), value)
    # Microseconds only when there are some: the date and time have no other full stop.
    written = sa.func.to_char(utc, _syntax('YYYY-MM-DD"T"HH24:MI:SS.US'))
    return sa.func.replace(written, _syntax(".000000"), _syntax(""))


def _moment(value: Expression) -> Value:
    return '"%sZ"', _utc(value)


def _maybe_moment(value: Expression) -> Value:
    return "%s", sa.func.coalesce(_joined(_syntax('"'), _utc(value), _syntax('Z"')), NULL)


def _format(fields: Fields) -> tuple[str, list[Expression]]:
    """Return an object's format and values, its keys sorted as orjson's OPT_SORT_KEYS sorts."""
    pieces: list[str] = []
    values: list[Expression] = []
    for key in sorted(fields):
        field = fields[key]
        if isinstance(field, Mapping):
            text, inner = _format(field)
        else:
            text, inner = field[0], [field[1]]
        pieces.append(f'"{key}":{text}')
        values += inner
    return "{" + ",".join(pieces) + "}", values


def _object(name: str, fields: Fields) -> Expression:
    """Return a JSON object written by one format(): one pass, no text copied per value."""
    text, values = _format(fields)
    if len(values) > MOST_VALUES:
        raise ValueError(f"{len(values)} values: format() takes at most {MOST_VALUES}")
    if not SYNTAX.fullmatch(text):
        raise ValueError(f"not plain JSON syntax: {text!r}")
    # Sent as a parameter: psycopg goes through a long statement's text at every run, a step
    # for each percent sign (about 0.3 ms for the fifty of a page's format in the SQL).
    return sa.func.format(sa.bindparam(name, text, type_=sa.Text, literal_execute=False), *values)


def _wishes(needs: sa.Subquery) -> Value:
    """Return the target's wishes the guidance allows, in their order (AlertOut.wanted_actions)."""
    wish = (
        sa.func.json_array_elements_text(needs.c.wanted_actions)
        .table_valued("code", with_ordinality="n")
        .render_derived()
        .alias("wish")
    )
    allowed = sa.or_(
        *(
            sa.and_(
                wish.c.code == constant(action.value),
                needs_sql.allowed(action, needs.c.category, needs.c.severity),
            )
            for action in ActionType
        )
    )
    code = sa.cast(sa.func.to_json(wish.c.code), sa.Text)
    listed = sa.func.string_agg(code, aggregate_order_by(_syntax(","), wish.c.n))
    shown = sa.select(listed).where(allowed).scalar_subquery()
    # Most targets choose nothing: no list to go through.
    nothing = sa.cast(needs.c.wanted_actions, sa.Text) == _syntax("[]")
    return "[%s]", sa.case((nothing, _syntax("")), else_=sa.func.coalesce(shown, _syntax("")))


def _item(needs: sa.Subquery) -> Expression:
    """Return one alert as AlertOut's JSON (page._item's dict, as orjson writes it)."""
    c = needs.c
    left = page.open_of(needs)
    wants: Fields = {
        action.value: {
            "wanted": _number(c[f"w_{action.value}"]),
            "claimed": _number(c[f"c_{action.value}"]),
            "done": _number(c[f"d_{action.value}"]),
            "open": _number(left[action]),
        }
        for action in page.ACTIONS
    }
    return _object(
        "item_format",
        {
            "id": _number(c.id),
            "url": _text(c.url),
            "canonical_url": _text(c.canonical_url),
            "platform": _code(c.platform),
            "category": _code(c.category),
            "severity": _number(c.severity),
            "summary": _text(c.summary),
            "language": _text(c.language),
            "target_requested_help": _truth(c.target_requested_help),
            "wanted_actions": _wishes(needs),
            "responder_goal": _number(c.goal_shown),
            "status": _code(c.status),
            "hidden": _truth(c.hidden_at.is_not(None)),
            "reporter_count": _number(c.reporter_count),
            "flag_count": _number(c.reporter_count),
            "outcome": _maybe_code(c.outcome),
            "campaign_id": _maybe_number(c.campaign_id),
            "team_id": _maybe_number(c.team_id),
            "reported_by_me": _truth(c.reported_by_me),
            "needs": wants,
            "created_at": _moment(c.created_at),
            "resolved_at": _maybe_moment(c.resolved_at),
        },
    )


@lru_cache(maxsize=256)
def statement(
    scope: str, status: bool, filters: tuple[str, ...], after: bool | None, limit: int
) -> sa.Select[Any]:
    """Return the statement writing a page of `limit` alerts as JSON (built once per shape).

    One row: the items' JSON array, whether more follow, and the last item's position."""
    needs = page.needs_table(scope, status, filters, after, limit + 1)
    numbered = sa.select(
        _item(needs).label("item"),
        sa.func.row_number().over(order_by=page.order(needs)).label("n"),
        needs.c.severity,
        needs.c.target_requested_help,
        needs.c.created_at,
        needs.c.id,
    ).subquery("numbered")
    shown, last = numbered.c.n <= constant(limit), numbered.c.n == constant(limit)
    items = sa.func.string_agg(numbered.c.item, aggregate_order_by(_syntax(","), numbered.c.n))
    return sa.select(
        _joined(_syntax("["), sa.func.coalesce(items.filter(shown), _syntax("")), _syntax("]")),
        sa.func.count() > constant(limit),
        sa.func.max(numbered.c.severity).filter(last),
        sa.func.bool_or(numbered.c.target_requested_help).filter(last),
        sa.func.max(numbered.c.created_at).filter(last),
        sa.func.max(numbered.c.id).filter(last),
    ).select_from(numbered)


@lru_cache(maxsize=256)
def driver_statement(dialect: sa.Dialect, shape: tuple[Any, ...]) -> tuple[str, dict[str, Any]]:
    """Return a shape's statement as the driver reads it, and its fixed parameters.

    Run as driver SQL: SQLAlchemy would hash the statement's whole cache key (thousands of
    elements, ~0.3 ms) at every run to find the compiled form this keeps."""
    compiled = statement(*shape).compile(dialect=dialect)
    return str(compiled), {
        name: value for name, value in compiled.params.items() if value is not None
    }


def _driver_value(value: Any, dialect: sa.Dialect) -> Any:
    """Return a parameter as the statement's types would hand it to the driver."""
    if isinstance(value, datetime):
        return MOMENT.process_bind_param(value, dialect)
    return value.value if isinstance(value, Enum) else value


def api_page(
    member: Member, filters: AlertFilters, *, after: dict[str, Any] | None, limit: int
) -> tuple[Items, dict[str, Any] | None]:
    """Return up to `limit` alerts for the API and the position after them if more follow."""
    connection = db.session.connection()
    dialect = connection.dialect
    if dialect.name != "postgresql":
        return python_page(member, filters, after=after, limit=limit)
    found = page.shape_and_parameters(member, filters, after, limit)
    if found is None:
        return [], None
    shape, parameters = found
    sql, fixed = driver_statement(dialect, shape)
    values = {**fixed, **{name: _driver_value(v, dialect) for name, v in parameters.items()}}
    items, more, severity, helped, created, last_id = connection.exec_driver_sql(sql, values).one()
    if not more:
        return orjson.Fragment(items), None
    moment = MOMENT.process_result_value(created, dialect)
    assert moment is not None
    position = {"s": severity, "h": bool(helped), "c": moment.isoformat(), "i": last_id}
    return orjson.Fragment(items), position


def python_page(
    member: Member, filters: AlertFilters, *, after: dict[str, Any] | None, limit: int
) -> tuple[Items, dict[str, Any] | None]:
    """Return api_page's answer built in Python from the page statement's rows (any database)."""
    items = page.alert_page(member, filters, after=after, limit=limit + 1)
    more = len(items) > limit
    del items[limit:]
    position = items[-1]["_position"] if more else None
    for item in items:
        del item["_position"]
    return items, position
