"""API resources: check-ins after actions, and the template an action used."""

from __future__ import annotations

from network.accounts.models import Member
from network.api import operation
from network.learning import checkins
from network.learning.schemas import (
    CheckInAnswerIn,
    CheckInOut,
    CheckInPage,
    TemplateUseIn,
    TemplateUseOut,
)


@operation("/me/check-ins", "GET", tag="check-ins", response=CheckInPage)
def my_check_ins(actor: Member) -> CheckInPage:
    """List your open check-ins: what happened after your done actions?"""
    return CheckInPage(items=[CheckInOut.of(found) for found in checkins.open_for(actor)])


@operation(
    "/check-ins/<int:check_in_id>",
    "POST",
    tag="check-ins",
    body=CheckInAnswerIn,
    response=CheckInOut,
    errors=(404, 409),
)
def answer_check_in(actor: Member, check_in_id: int, body: CheckInAnswerIn) -> CheckInOut:
    """Answer one of your check-ins (once; 409 when answered already)."""
    checkins.answer(
        actor,
        check_in_id,
        outcome=body.outcome.value if body.outcome else None,
        platform_decision=body.platform_decision.value if body.platform_decision else None,
        statement_of_reasons=body.statement_of_reasons,
    )
    return CheckInOut.of(checkins.one_of(actor, check_in_id))


@operation(
    "/actions/<int:action_id>/template",
    "PUT",
    tag="actions",
    body=TemplateUseIn,
    response=TemplateUseOut,
    errors=(404, 409),
)
def record_template(actor: Member, action_id: int, body: TemplateUseIn) -> TemplateUseOut:
    """Record which message template you copied for your claim (its id and tone, never text)."""
    action = checkins.record_template(
        actor, action_id, template_id=body.template_id, tone=body.tone
    )
    return TemplateUseOut(
        action_id=action.id, template_id=action.template_id, template_tone=action.template_tone
    )
