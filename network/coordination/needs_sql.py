"""The needs of needs.py as SQL expressions, so a page of alerts comes with them in one statement.

Built from the same tables (network.guidance.rules.RULES, needs.PER_SEVERITY): what is allowed,
welcomed and wanted per category and severity is written out as CASE expressions once, when the
statement is built; tests compare every cell and claim state with the Python functions."""

from __future__ import annotations

import re
from collections.abc import Mapping
from typing import Any

import sqlalchemy as sa
from sqlalchemy.ext.compiler import compiles
from sqlalchemy.sql.compiler import SQLCompiler
from sqlalchemy.sql.functions import FunctionElement

from network.alerts.models import AlertStatus, Category
from network.coordination.needs import PER_SEVERITY, PUBLIC_VOICES
from network.guidance.rules import SEVERITIES, may_ask
from network.vocabulary import ActionType

Expression = sa.ColumnElement[Any]
# A page's columns by name (a CTE's or subquery's `.c`).
Columns = sa.ColumnCollection[str, Any]
# Our own codes and numbers only: safe to write into the SQL text.
PLAIN = re.compile(r'[a-z_%"]*')


def constant(value: str | int) -> Expression:
    """Return a code or number written into the statement (not one more bound parameter).

    The statement is built once and run for every page: hundreds of constant parameters would
    be processed and sent on every run, and would hide the plan's constants from PostgreSQL."""
    if isinstance(value, int):
        return sa.literal_column(str(int(value)), sa.Integer)
    if not PLAIN.fullmatch(value):
        raise ValueError(f"not a plain code: {value!r}")
    return sa.literal_column(f"'{value}'", sa.String)


ZERO = constant(0)


class found_at(FunctionElement[int]):
    """Where a text first appears in another, from 1; 0 when it does not (strpos, instr).

    Unlike LIKE, no wildcards (`_` is one) and the same case on both backends, and no percent
    sign in the statement: psycopg goes through the text of a long statement at every run, a
    step per percent sign."""

    type = sa.Integer()
    name = "found_at"
    inherit_cache = True


@compiles(found_at)
def _instr(element: found_at, compiler: SQLCompiler, **kw: Any) -> str:
    return f"instr({compiler.process(element.clause_expr, **kw)[1:-1]})"


@compiles(found_at, "postgresql")
def _strpos(element: found_at, compiler: SQLCompiler, **kw: Any) -> str:
    return f"strpos({compiler.process(element.clause_expr, **kw)[1:-1]})"


def _largest(first: Expression, second: Expression) -> Expression:
    # GREATEST on PostgreSQL is max() on SQLite: a CASE reads the same on both.
    return sa.case((first >= second, first), else_=second)


def allowed(action: ActionType, category: Expression, severity: Expression) -> Expression:
    """Return whether the guidance allows asking for the action (rules.may_ask, as SQL)."""
    # Group the categories by the severities they allow the action at: a few terms at most.
    by_severities: dict[tuple[int, ...], list[str]] = {}
    for kind in Category:
        levels = tuple(level for level in SEVERITIES if may_ask(action, kind, level))
        if levels:
            by_severities.setdefault(levels, []).append(kind.value)
    terms = []
    for levels, kinds in by_severities.items():
        every_kind, every_level = len(kinds) == len(Category), len(levels) == len(SEVERITIES)
        in_kinds = sa.true() if every_kind else category.in_([constant(k) for k in kinds])
        in_levels = sa.true() if every_level else severity.in_([constant(n) for n in levels])
        terms.append(sa.and_(in_kinds, in_levels))
    return sa.or_(*terms) if terms else sa.false()


def welcomed(action: ActionType, helped: Expression, wishes: Expression) -> Expression:
    """Return whether the target welcomes the action (needs.welcomed, as SQL)."""
    # Codes are plain words, so the quoted code appears in the JSON text exactly when listed, and
    # a list of codes without a quote is empty (cheaper than parsing the JSON, on both backends).
    text = sa.cast(wishes, sa.Text)
    return sa.or_(
        sa.not_(helped),
        found_at(text, constant('"')) == ZERO,
        found_at(text, constant(f'"{action.value}"')) > ZERO,
    )


def wanted(action: ActionType, alert: Columns) -> Expression:
    """Return how many of the action the alert wants (needs.wanted_counts, as SQL)."""
    if action in PUBLIC_VOICES:
        base: Expression = alert["responder_goal"]
    else:
        per_level = PER_SEVERITY[action]
        if len(set(per_level)) == 1:
            base = constant(per_level[0])
        else:
            levels = zip(SEVERITIES, per_level, strict=True)
            base = sa.case(
                *((alert["severity"] == constant(level), constant(n)) for level, n in levels),
                else_=ZERO,
            )
    condition = sa.and_(
        allowed(action, alert["category"], alert["severity"]),
        welcomed(action, alert["target_requested_help"], alert["wanted_actions"]),
    )
    return sa.case((condition, base), else_=ZERO)


def public_goal(alert: Columns) -> Expression:
    """Return the public voices the guide allows on the alert: its goal, or 0 when none."""
    category, severity = alert["category"], alert["severity"]
    condition = sa.or_(*(allowed(action, category, severity) for action in PUBLIC_VOICES))
    return sa.case((condition, alert["responder_goal"]), else_=ZERO)


def open_counts(
    status: Expression,
    wanted_of: Mapping[ActionType, Expression],
    claimed_of: Mapping[ActionType, Expression],
    done_of: Mapping[ActionType, Expression],
) -> dict[ActionType, Expression]:
    """Return how many of each action are still open (needs.compute_needs, as SQL).

    A closed alert needs nothing more; both public voices count toward one goal."""
    goal = _largest(*(wanted_of[action] for action in PUBLIC_VOICES))
    taken = sum((claimed_of[action] + done_of[action] for action in PUBLIC_VOICES), ZERO)
    public_left = _largest(goal - taken, ZERO)
    result: dict[ActionType, Expression] = {}
    for action in ActionType:
        left: Expression
        if action in PUBLIC_VOICES:
            left = sa.case((wanted_of[action] > ZERO, public_left), else_=ZERO)
        else:
            left = _largest(wanted_of[action] - claimed_of[action] - done_of[action], ZERO)
        result[action] = sa.case((status == constant(AlertStatus.OPEN.value), left), else_=ZERO)
    return result
