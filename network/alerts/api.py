"""API resources: alerts, abuse flags and resolution."""

from __future__ import annotations

import orjson
from flask import Response

from network.accounts.models import Member
from network.alerts import queries, services
from network.alerts.limits import FLAG_LIMIT, POST_LIMIT, count_against_limit
from network.alerts.queries import AlertFilters
from network.alerts.schemas import (
    AlertIn,
    AlertListQuery,
    AlertOut,
    AlertPage,
    FlagIn,
    ResolveIn,
    alert_out,
)
from network.api import json_answer, operation
from network.api.pagination import decode_cursor, encode_cursor
from network.coordination import page_json
from network.coordination import queries as coordination


@operation(
    "/alerts",
    "POST",
    tag="alerts",
    body=AlertIn,
    response=AlertOut,
    status=201,
    errors=(409,),
    other_statuses=(200,),
    decorators=(POST_LIMIT,),
)
def create_alert(actor: Member, body: AlertIn) -> Response:
    """Post an alert; the same thread posted again merges (200 with the existing alert)."""
    draft = services.AlertDraft(**body.model_dump(mode="json"))
    alert, created = services.post_alert(actor, draft)
    count_against_limit()
    # A new alert has no claims yet: its needs are what it wants, without a query.
    needs = coordination.needs_of(alert, {} if created else None)
    # Posting (or merging into) an alert always records the actor's report of it.
    out = AlertOut.of(alert, reported_by_me=True, needs=needs)
    return json_answer(out, 201 if created else 200)


@operation("/alerts", "GET", tag="alerts", query=AlertListQuery, response=AlertPage)
def list_alerts(actor: Member, query: AlertListQuery) -> Response:
    """List alerts by urgency (severity, target asked for help, age), with filters."""
    filters = AlertFilters(
        status=query.status.value if query.status else None,
        category=query.category.value if query.category else None,
        platform=query.platform.value if query.platform else None,
        min_severity=query.min_severity,
        campaign_id=query.campaign_id,
        team_id=query.team_id,
        mine=query.mine,
    )
    # The feed's hot read: one statement; on PostgreSQL it writes the items' JSON itself.
    after = decode_cursor(query.cursor)
    items, position = page_json.api_page(actor, filters, after=after, limit=query.limit)
    next_cursor = encode_cursor(position) if position is not None else None
    body = orjson.dumps(
        {"items": items, "next_cursor": next_cursor},
        option=orjson.OPT_UTC_Z | orjson.OPT_SORT_KEYS,
    )
    return Response(body, mimetype="application/json")


@operation("/alerts/<int:alert_id>", "GET", tag="alerts", response=AlertOut, errors=(404,))
def get_alert(actor: Member, alert_id: int) -> AlertOut:
    """Return one alert."""
    return alert_out(actor, queries.alert_for(actor, alert_id))


@operation(
    "/alerts/<int:alert_id>/flags",
    "POST",
    tag="alerts",
    body=FlagIn,
    response=AlertOut,
    status=201,
    errors=(404, 409),
    other_statuses=(200,),
    decorators=(FLAG_LIMIT,),
)
def flag_alert(actor: Member, alert_id: int, body: FlagIn) -> Response:
    """Flag an alert as misleading or abusive (200 when you had flagged it already)."""
    alert, created = services.flag_alert(actor, alert_id, reason=body.reason.value, note=body.note)
    count_against_limit()
    return json_answer(alert_out(actor, alert), 201 if created else 200)


@operation(
    "/alerts/<int:alert_id>/resolve",
    "POST",
    tag="alerts",
    body=ResolveIn,
    response=AlertOut,
    errors=(403, 404, 409),
)
def resolve_alert(actor: Member, alert_id: int, body: ResolveIn) -> AlertOut:
    """Resolve an open alert with its outcome (its reporter or an organiser)."""
    return alert_out(actor, services.resolve_alert(actor, alert_id, outcome=body.outcome.value))
