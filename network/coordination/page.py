"""A page of the alert list with its needs, in one statement, as plain dicts ready for JSON.

The same alerts, order, filters and cursors as alerts.queries.list_alerts, and the same numbers as
AlertOut.of with coordination.queries.needs_of, without building ORM objects: the hot read of the
feed. The statement of each shape of filters is built once and reused with new parameters, so
SQLAlchemy neither rebuilds nor re-keys it per request."""

from __future__ import annotations

from datetime import datetime
from functools import cache, lru_cache
from typing import Any

import orjson
import sqlalchemy as sa

from network.accounts.models import Member
from network.alerts import policy
from network.alerts.models import Alert, AlertReport, AlertStatus
from network.alerts.queries import AlertFilters, cursor_values
from network.coordination import needs_sql
from network.coordination.models import Action, ActionStatus
from network.coordination.needs_sql import ZERO, constant
from network.db import UTCDateTime, utcnow
from network.extensions import db
from network.guidance.rules import allowed_actions
from network.vocabulary import ActionType

# The alert's columns the API shows (and those its needs and cursor are computed from).
COLUMNS = (
    "id",
    "url",
    "canonical_url",
    "platform",
    "category",
    "severity",
    "summary",
    "language",
    "target_requested_help",
    "wanted_actions",
    "responder_goal",
    "status",
    "hidden_at",
    "reporter_count",
    "outcome",
    "campaign_id",
    "team_id",
    "created_at",
    "resolved_at",
)
WISHES = COLUMNS.index("wanted_actions")
# Where the numbers start: after the alert's columns, reported_by_me and the goal shown.
NEEDS_AT = len(COLUMNS) + 2
FILTERS = ("category", "platform", "min_severity", "campaign_id", "team_id")
ACTIONS = tuple(ActionType)
NEED_COLUMNS = tuple((action.value, NEEDS_AT + 4 * n) for n, action in enumerate(ACTIONS))


def _where(
    scope: str, status: bool, filters: tuple[str, ...], after: bool | None
) -> list[sa.ColumnElement[bool]]:
    """Return the list query's conditions with named parameters (alerts.queries.list_alerts)."""
    where: list[sa.ColumnElement[bool]] = []
    if scope == "mine":
        mine = sa.select(AlertReport.alert_id).where(
            AlertReport.member_id == sa.bindparam("member_id")
        )
        where.append(Alert.id.in_(mine))
        if status:
            where.append(Alert.status == sa.bindparam("status"))
    else:
        where.append(Alert.status == sa.bindparam("status"))
        if scope == "member":
            where.append(Alert.hidden_at.is_(None))
    if "category" in filters:
        where.append(Alert.category == sa.bindparam("category"))
    if "platform" in filters:
        where.append(Alert.platform == sa.bindparam("platform"))
    if "min_severity" in filters:
        where.append(Alert.severity >= sa.bindparam("min_severity"))
    if "campaign_id" in filters:
        where.append(Alert.campaign_id == sa.bindparam("campaign_id"))
    if "team_id" in filters:
        where.append(Alert.team_id == sa.bindparam("team_id"))
    if after is not None:
        severity: sa.BindParameter[int] = sa.bindparam("after_s")
        created = sa.bindparam("after_c", type_=UTCDateTime())
        same_severity = Alert.severity == severity
        same_help = sa.and_(same_severity, Alert.target_requested_help.is_(after))
        same_time = sa.and_(same_help, Alert.created_at == created)
        where.append(
            sa.or_(
                Alert.severity < severity,
                # Asked-for-help sorts first: only "not asked" follows an alert that asked.
                sa.and_(same_severity, Alert.target_requested_help.is_(False))
                if after
                else sa.false(),
                sa.and_(same_help, Alert.created_at > created),
                sa.and_(same_time, Alert.id > sa.bindparam("after_i")),
            )
        )
    return where


def order(table: sa.FromClause) -> tuple[sa.ColumnElement[Any], ...]:
    """Return the list's order over a table of the page's columns: most urgent first."""
    return (
        table.c.severity.desc(),
        table.c.target_requested_help.desc(),
        table.c.created_at.asc(),
        table.c.id.asc(),
    )


# Bounded: filters, cursors and page sizes combine into many shapes, each a statement to keep.
@lru_cache(maxsize=256)
def needs_table(
    scope: str, status: bool, filters: tuple[str, ...], after: bool | None, limit: int
) -> sa.Subquery:
    """Return the page's alerts with what each wants, has claimed and has done per action.

    Columns: the alert's (COLUMNS), reported_by_me, goal_shown, then w_, c_ and d_<action>."""
    page = (
        sa.select(*(getattr(Alert, name) for name in COLUMNS))
        .where(*_where(scope, status, filters, after))
        .order_by(*order(Alert.__table__))
        # Written into the statement (one per page size): with a parameter PostgreSQL would
        # plan the statement again on every run instead of keeping one plan for it.
        .limit(constant(limit))
        .cte("page", nesting=True)
    )
    done, claimed = constant(ActionStatus.DONE.value), constant(ActionStatus.CLAIMED.value)
    live = sa.or_(
        Action.status == done,
        sa.and_(Action.status == claimed, Action.expires_at > sa.bindparam("now")),
    )

    def number(action: ActionType, status: ActionStatus) -> Any:
        kind, state = constant(action.value), constant(status.value)
        mark = sa.and_(Action.type == kind, Action.status == state)
        total = sa.func.sum(sa.case((mark, constant(1)), else_=ZERO))
        return total.label(f"{action.value}_{status.value}")

    counts = (
        sa.select(
            Action.alert_id,
            *(number(action, ActionStatus.CLAIMED) for action in ACTIONS),
            *(number(action, ActionStatus.DONE) for action in ACTIONS),
        )
        .where(Action.alert_id.in_(sa.select(page.c.id)), live)
        .group_by(Action.alert_id)
        .subquery("counts")
    )
    claimed_of = {a: sa.func.coalesce(counts.c[f"{a.value}_claimed"], ZERO) for a in ACTIONS}
    done_of = {a: sa.func.coalesce(counts.c[f"{a.value}_done"], ZERO) for a in ACTIONS}
    mine = AlertReport.member_id == sa.bindparam("member_id")
    reported = sa.exists().where(AlertReport.alert_id == page.c.id, mine).label("reported_by_me")
    return (
        sa.select(
            page,
            reported,
            needs_sql.public_goal(page.c).label("goal_shown"),
            *(claimed_of[a].label(f"c_{a.value}") for a in ACTIONS),
            *(done_of[a].label(f"d_{a.value}") for a in ACTIONS),
            *(needs_sql.wanted(a, page.c).label(f"w_{a.value}") for a in ACTIONS),
        )
        .select_from(page.outerjoin(counts, counts.c.alert_id == page.c.id))
        # A fence: without it PostgreSQL inlines each wanted count (JSON and all) everywhere the
        # open counts below repeat it, and plans and evaluates the statement many times over.
        .offset(constant(0))
        .subquery("needs")
    )


def open_of(needs: sa.Subquery) -> dict[ActionType, sa.ColumnElement[Any]]:
    """Return how many of each action are still open, over needs_table's columns."""
    return needs_sql.open_counts(
        needs.c.status,
        {a: needs.c[f"w_{a.value}"] for a in ACTIONS},
        {a: needs.c[f"c_{a.value}"] for a in ACTIONS},
        {a: needs.c[f"d_{a.value}"] for a in ACTIONS},
    )


@lru_cache(maxsize=256)
def statement(
    scope: str, status: bool, filters: tuple[str, ...], after: bool | None, limit: int
) -> sa.Select[Any]:
    """Return the page statement of one shape of filters (built once, reused)."""
    inner = needs_table(scope, status, filters, after, limit)
    left = open_of(inner)
    # In the order _item reads them: the alert, then wanted, claimed, done, open per action.
    shown = [inner.c[name] for name in COLUMNS]
    shown[WISHES] = sa.cast(inner.c.wanted_actions, sa.Text).label("wanted_actions")
    numbers = [
        column
        for a in ACTIONS
        for column in (
            inner.c[f"w_{a.value}"],
            inner.c[f"c_{a.value}"],
            inner.c[f"d_{a.value}"],
            left[a].label(f"o_{a.value}"),
        )
    ]
    return sa.select(*shown, inner.c.reported_by_me, inner.c.goal_shown, *numbers).order_by(
        *order(inner)
    )


@cache
def _shown_actions(category: str, severity: int) -> frozenset[str]:
    return frozenset(action.value for action in allowed_actions(category, severity))


def shape_and_parameters(
    member: Member, filters: AlertFilters, after: dict[str, Any] | None, limit: int
) -> tuple[tuple[Any, ...], dict[str, Any]] | None:
    """Return the statement's shape and parameters; None when the member may see nothing."""
    parameters: dict[str, Any] = {"member_id": member.id, "now": utcnow()}
    if filters.mine:
        scope, status = "mine", filters.status
    else:
        scope = "organiser" if member.is_organiser else "member"
        status = filters.status or AlertStatus.OPEN
        if scope == "member" and status not in policy.PUBLIC_STATUSES:
            return None  # pending and rejected alerts of others do not exist for members
    if status:
        parameters["status"] = status
    used = tuple(
        name
        for name in FILTERS
        # As list_alerts: texts and the severity when given, ids when not None.
        if (getattr(filters, name) is not None if name.endswith("_id") else getattr(filters, name))
    )
    for name in used:
        parameters[name] = getattr(filters, name)
    helped: bool | None = None
    if after is not None:
        severity, helped, created, last_id = cursor_values(after)
        parameters.update(after_s=severity, after_c=created, after_i=last_id)
    return (scope, bool(status), used, helped, limit), parameters


def alert_page(
    member: Member, filters: AlertFilters, *, after: dict[str, Any] | None = None, limit: int = 25
) -> list[dict[str, Any]]:
    """Return up to `limit` alerts the member may see, most urgent first, as the API shows them.

    Each dict is AlertOut's fields (needs included) plus "_position", the cursor just after it."""
    found = shape_and_parameters(member, filters, after, limit)
    if found is None:
        return []
    shape, parameters = found
    # On the session's connection (its transaction), as Core: no ORM compilation or loading.
    rows = db.session.connection().execute(statement(*shape), parameters)
    return [_item(row) for row in rows]


def _item(row: Any) -> dict[str, Any]:
    (
        alert_id,
        url,
        canonical_url,
        platform,
        category,
        severity,
        summary,
        language,
        helped,
        wishes,
        _goal,
        status,
        hidden_at,
        reporter_count,
        outcome,
        campaign_id,
        team_id,
        created_at,
        resolved_at,
        reported_by_me,
        goal_shown,
    ) = row[:NEEDS_AT]
    shown = _shown_actions(category, severity)
    helped = bool(helped)
    created: datetime = created_at
    return {
        "id": alert_id,
        "url": url,
        "canonical_url": canonical_url,
        "platform": platform,
        "category": category,
        "severity": severity,
        "summary": summary,
        "language": language,
        "target_requested_help": helped,
        "wanted_actions": [code for code in orjson.loads(wishes) if code in shown],
        "responder_goal": goal_shown,
        "status": status,
        "hidden": hidden_at is not None,
        "reporter_count": reporter_count,
        "flag_count": reporter_count,
        "outcome": outcome,
        "campaign_id": campaign_id,
        "team_id": team_id,
        "reported_by_me": bool(reported_by_me),
        "needs": {
            code: {
                "wanted": row[at],
                "claimed": row[at + 1],
                "done": row[at + 2],
                "open": row[at + 3],
            }
            for code, at in NEED_COLUMNS
        },
        "created_at": created,
        "resolved_at": resolved_at,
        "_position": {"s": severity, "h": helped, "c": created.isoformat(), "i": alert_id},
    }
