"""API resources: alerts, their review, abuse flags and resolution; member trust."""

from __future__ import annotations

from flask import Response, current_app, g, jsonify
from flask_login import current_user

from network.accounts.models import Member
from network.alerts import queries, services
from network.alerts.models import Alert
from network.alerts.queries import AlertFilters
from network.alerts.schemas import (
    AlertIn,
    AlertListQuery,
    AlertOut,
    AlertPage,
    FlagIn,
    ResolveIn,
    ReviewIn,
    TrustIn,
    TrustOut,
)
from network.api import operation
from network.api.pagination import decode_cursor, encode_cursor
from network.coordination import queries as coordination
from network.extensions import limiter
from network.moderation.services import set_trust_level


def alert_post_limit() -> str:
    """New members may post a few alerts a day; trusted members more."""
    trusted = current_user.is_authenticated and current_user.trust_level >= 1
    key = "ALERT_LIMIT_TRUSTED" if trusted else "ALERT_LIMIT_NEW_MEMBER"
    return str(current_app.config[key])


def member_key() -> str:
    """Key limits by member, so changing IP does not reset them."""
    if current_user.is_authenticated:
        return f"member:{current_user.id}"
    from flask_limiter.util import get_remote_address

    return f"ip:{get_remote_address()}"


def _counted(response: Response) -> bool:
    # Only posts that went through count, whether they came from the API or the page.
    return bool(g.get("limited_action_done"))


def count_against_limit() -> None:
    """Mark this request's alert post or flag as one that counts against the limit."""
    g.limited_action_done = True


POST_LIMIT = limiter.shared_limit(
    alert_post_limit, scope="alert-post", key_func=member_key, deduct_when=_counted
)
FLAG_LIMIT = limiter.shared_limit(
    lambda: str(current_app.config["FLAG_LIMIT"]),
    scope="alert-flag",
    key_func=member_key,
    deduct_when=_counted,
)


def _out(actor: Member, alert: Alert) -> AlertOut:
    return AlertOut.of(
        alert,
        reported_by_me=bool(queries.reported_by(actor, [alert.id])),
        needs=coordination.needs_of(alert),
    )


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
    # Posting (or merging into) an alert always records the actor's report of it.
    out = AlertOut.of(alert, reported_by_me=True, needs=coordination.needs_of(alert))
    response = jsonify(out.model_dump(mode="json"))
    response.status_code = 201 if created else 200
    return response


@operation("/alerts", "GET", tag="alerts", query=AlertListQuery, response=AlertPage)
def list_alerts(actor: Member, query: AlertListQuery) -> AlertPage:
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
    alerts = queries.list_alerts(
        actor, filters, after=decode_cursor(query.cursor), limit=query.limit + 1
    )
    page, more = alerts[: query.limit], len(alerts) > query.limit
    mine = queries.reported_by(actor, [alert.id for alert in page])
    needs = coordination.needs_for_many(page)
    return AlertPage(
        items=[
            AlertOut.of(alert, reported_by_me=alert.id in mine, needs=needs[alert.id])
            for alert in page
        ],
        next_cursor=encode_cursor(queries.position_of(page[-1])) if more else None,
    )


@operation("/alerts/<int:alert_id>", "GET", tag="alerts", response=AlertOut, errors=(404,))
def get_alert(actor: Member, alert_id: int) -> AlertOut:
    """Return one alert."""
    return _out(actor, queries.alert_for(actor, alert_id))


@operation(
    "/alerts/<int:alert_id>/review",
    "POST",
    tag="alerts",
    body=ReviewIn,
    response=AlertOut,
    errors=(403, 404, 409),
)
def review_alert(actor: Member, alert_id: int, body: ReviewIn) -> AlertOut:
    """Approve or reject a pending or hidden alert (organisers and trust-3 members)."""
    alert = services.review_alert(actor, alert_id, decision=body.decision, reason=body.reason)
    return _out(actor, alert)


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
    response = jsonify(_out(actor, alert).model_dump(mode="json"))
    response.status_code = 201 if created else 200
    return response


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
    return _out(actor, services.resolve_alert(actor, alert_id, outcome=body.outcome.value))


@operation(
    "/members/<int:member_id>/trust",
    "PUT",
    tag="members",
    body=TrustIn,
    response=TrustOut,
    errors=(403, 404),
)
def set_trust(actor: Member, member_id: int, body: TrustIn) -> TrustOut:
    """Set a member's trust level (organisers); audited."""
    member = set_trust_level(actor, member_id, trust_level=body.trust_level, reason=body.reason)
    return TrustOut(id=member.id, trust_level=member.trust_level)
