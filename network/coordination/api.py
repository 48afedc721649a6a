"""API resources: claiming actions, finishing them, and answering personal asks."""

from __future__ import annotations

import sqlalchemy as sa
from flask import current_app
from flask_babel import gettext as _

from network.accounts.models import Member
from network.alerts.api import member_key
from network.alerts.queries import alert_for
from network.api import operation
from network.coordination import asks, queries, services
from network.coordination.models import Action, ActionStatus, Ask, AskAnswer
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
from network.errors import Conflict, NotFound
from network.extensions import db, limiter

CLAIM_LIMIT = limiter.shared_limit(
    lambda: str(current_app.config["CLAIM_LIMIT"]), scope="claim", key_func=member_key
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
)
def claim_action(actor: Member, alert_id: int, body: ClaimIn) -> ActionOut:
    """Claim an upstander action; 409 when its cap is reached or the target did not ask for it."""
    action = services.claim_action(
        actor, alert_id, action_type=body.type.value, anonymous=body.anonymous
    )
    return ActionOut.of(action)


@operation(
    "/alerts/<int:alert_id>/actions", "GET", tag="actions", response=PublicActionPage, errors=(404,)
)
def list_actions(actor: Member, alert_id: int) -> PublicActionPage:
    """List the live and completed actions on an alert."""
    alert = alert_for(actor, alert_id)
    rows = db.session.execute(
        sa.select(Action, Member.display_name)
        # Outer: the actions of members who erased their account still count, without a name.
        .outerjoin(Member, Member.id == Action.member_id)
        .where(
            Action.alert_id == alert.id,
            Action.status.in_([ActionStatus.CLAIMED, ActionStatus.DONE]),
        )
        .order_by(Action.id)
    )
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
def accept_ask(actor: Member, ask_id: int, body: AcceptAskIn) -> ActionOut:
    """Accept a personal ask by claiming one of the actions the alert needs."""
    ask = db.session.get(Ask, ask_id)
    if ask is None or ask.member_id != actor.id:
        raise NotFound(_("This ask does not exist."))
    if ask.answer != AskAnswer.PENDING:
        raise Conflict(_("You already answered this ask."), code="ask_answered")
    action = services.claim_action(
        actor, ask.alert_id, action_type=body.type.value, anonymous=body.anonymous
    )
    return ActionOut.of(action)


@operation("/asks/<int:ask_id>/decline", "POST", tag="asks", response=AskOut, errors=(404, 409))
def decline_ask(actor: Member, ask_id: int) -> AskOut:
    """Decline a personal ask; the next suitable member is asked."""
    return AskOut.model_validate(asks.decline_ask(actor, ask_id), from_attributes=True)
