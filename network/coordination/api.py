"""API resources: claiming actions, finishing them, and answering personal asks."""

from __future__ import annotations

import orjson
from flask import Response

from network.accounts.models import Member
from network.alerts.queries import alert_for
from network.api import operation
from network.coordination import asks, queries, services
from network.coordination.limits import CLAIM_LIMIT
from network.coordination.models import Action
from network.coordination.schemas import (
    AcceptAskIn,
    ActionOut,
    ActionUpdateIn,
    AskOut,
    AskPage,
    ClaimIn,
    PublicActionOut,
    PublicActionPage,
)


@operation(
    "/alerts/<int:alert_id>/actions",
    "POST",
    tag="actions",
    body=ClaimIn,
    response=ActionOut,
    status=201,
    errors=(404, 409),
    decorators=(CLAIM_LIMIT,),
    # Most claims on a busy alert are refused by the rules before the lock: in autocommit
    # those send no BEGIN and ROLLBACK (services.claim_action starts the transaction).
    reads_first=True,
)
def claim_action(actor: Member, alert_id: int, body: ClaimIn) -> Response:
    """Claim an upstander action; 409 when its cap is reached or the target did not ask for it."""
    action = services.claim_action(
        actor, alert_id, action_type=body.type.value, anonymous=body.anonymous
    )
    return action_answer(action, 201)


def action_answer(action: Action, status: int) -> Response:
    """Answer with ActionOut's JSON, written straight from the action (claims are a hot path)."""
    body = {
        "id": action.id,
        "alert_id": action.alert_id,
        "type": action.type.value,
        "status": action.status.value,
        "anonymous": action.anonymous,
        "claimed_at": action.claimed_at,
        "expires_at": action.expires_at,
        "done_at": action.done_at,
        "note": action.note,
    }
    return Response(
        orjson.dumps(body, option=orjson.OPT_UTC_Z | orjson.OPT_SORT_KEYS),
        status,
        mimetype="application/json",
    )


@operation(
    "/alerts/<int:alert_id>/actions", "GET", tag="actions", response=PublicActionPage, errors=(404,)
)
def list_actions(actor: Member, alert_id: int) -> PublicActionPage:
    """List the live and completed actions on an alert."""
    alert = alert_for(actor, alert_id)
    rows = queries.public_actions(alert.id)
    return PublicActionPage(
        items=[
            PublicActionOut(
                id=action.id,
                type=action.type,
                status=action.status,
                volunteer=None if action.anonymous else name,
                claimed_at=action.claimed_at,
                done_at=action.done_at,
            )
            for action, name in rows
        ],
        next_cursor=None,
    )


@operation(
    "/actions/<int:action_id>",
    "PATCH",
    tag="actions",
    body=ActionUpdateIn,
    response=ActionOut,
    errors=(404, 409),
)
def update_action(actor: Member, action_id: int, body: ActionUpdateIn) -> ActionOut:
    """Mark your claimed action done (with an optional private note) or release it."""
    return ActionOut.of(
        services.update_action(actor, action_id, status=body.status, note=body.note)
    )


@operation("/me/asks", "GET", tag="asks", response=AskPage)
def my_asks(actor: Member) -> AskPage:
    """List the personal asks to help that you have not answered yet."""
    return AskPage(
        items=[
            AskOut.model_validate(ask, from_attributes=True) for ask in queries.pending_asks(actor)
        ],
        next_cursor=None,
    )


@operation(
    "/asks/<int:ask_id>/accept",
    "POST",
    tag="asks",
    body=AcceptAskIn,
    response=ActionOut,
    status=201,
    errors=(404, 409),
    decorators=(CLAIM_LIMIT,),
)
def accept_ask(actor: Member, ask_id: int, body: AcceptAskIn) -> Response:
    """Accept a personal ask by claiming one of the actions the alert needs."""
    action = asks.accept_ask(actor, ask_id, action_type=body.type.value, anonymous=body.anonymous)
    return action_answer(action, 201)


@operation("/asks/<int:ask_id>/decline", "POST", tag="asks", response=AskOut, errors=(404, 409))
def decline_ask(actor: Member, ask_id: int) -> AskOut:
    """Decline a personal ask; the next suitable member is asked."""
    return AskOut.model_validate(asks.decline_ask(actor, ask_id), from_attributes=True)
