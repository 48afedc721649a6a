"""Request and response schemas of check-ins and of the template an action used."""

from __future__ import annotations

from datetime import datetime

from pydantic import BaseModel, Field

from network.accounts.schemas import Strict
from network.learning.checkins import OpenCheckIn
from network.learning.models import CheckInOutcome, PlatformDecision
from network.vocabulary import ActionType


class CheckInOut(BaseModel):
    """A question after one of your done actions: what happened?"""

    id: int
    action_id: int
    alert_id: int
    action_type: ActionType
    asked_at: datetime | None
    answered_at: datetime | None
    outcome: CheckInOutcome | None
    platform_decision: PlatformDecision | None
    statement_of_reasons: bool | None
    asks_platform_decision: bool = Field(description="Report actions: what did the platform do?")
    asks_statement_of_reasons: bool = Field(
        description="Platform reports (DSA notices): did a statement of reasons come?"
    )

    @classmethod
    def of(cls, found: OpenCheckIn) -> CheckInOut:
        check_in = found.check_in
        return cls(
            id=check_in.id,
            action_id=found.action.id,
            alert_id=found.alert.id,
            action_type=found.action.type,
            asked_at=check_in.asked_at,
            answered_at=check_in.answered_at,
            outcome=check_in.outcome,
            platform_decision=check_in.platform_decision,
            statement_of_reasons=check_in.statement_of_reasons,
            asks_platform_decision=found.asks_decision,
            asks_statement_of_reasons=found.asks_statement,
        )


class CheckInPage(BaseModel):
    """Your open check-ins, newest first."""

    items: list[CheckInOut]


class CheckInAnswerIn(Strict):
    """One tap: what happened. Every field is optional, but give at least one."""

    outcome: CheckInOutcome | None = None
    platform_decision: PlatformDecision | None = Field(default=None, description="Reports only.")
    statement_of_reasons: bool | None = Field(
        default=None, description="Platform reports only: did a statement of reasons come?"
    )


class TemplateUseIn(Strict):
    """The message template you copied for this action: its id and tone, never its text."""

    template_id: str = Field(
        min_length=1,
        max_length=64,
        pattern=r"^[a-z0-9_-]+$",
        description="`<category>-<action>-<n>` for guide templates, `campaign-<id>` otherwise.",
    )
    tone: str = Field(
        min_length=1,
        max_length=32,
        pattern=r"^[a-z_]+$",
        description="`empathy`, `opinion`, `support`, `ask` or `campaign`.",
    )


class TemplateUseOut(BaseModel):
    """What the action records about the template used."""

    action_id: int
    template_id: str | None
    template_tone: str | None
