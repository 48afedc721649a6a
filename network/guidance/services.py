"""Use cases of guidance that write: storing a practice answer."""

from __future__ import annotations

from network.accounts.models import Member
from network.db import utcnow
from network.errors import NotFound, ValidationFailed
from network.extensions import db
from network.guidance.models import PracticeAnswer
from network.guidance.scenarios import scenario
from network.translation import gettext as _
from network.vocabulary import ActionType


def answer_scenario(
    member: Member, scenario_code: str, *, severity: int, action_type: str
) -> PracticeAnswer:
    """Store how the member judged a practice scenario, and whether the guide agrees."""
    found = scenario(scenario_code)
    if found is None:
        raise NotFound(_("This practice scenario does not exist."))
    problems: dict[str, str] = {}
    if severity not in (1, 2, 3, 4):
        problems["severity"] = _("Choose a severity from 1 to 4.")
    if action_type not in {action.value for action in ActionType}:
        problems["action_type"] = _("Choose what you would do.")
    if problems:
        raise ValidationFailed(_("Some fields are not valid."), fields=problems)
    answer = PracticeAnswer(
        member_id=member.id,
        scenario_code=found.code,
        severity=severity,
        action_type=ActionType(action_type),
        agreed=found.agrees(severity, action_type),
        created_at=utcnow(),
    )
    db.session.add(answer)
    db.session.commit()
    return answer
