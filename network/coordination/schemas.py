"""Request and response schemas of actions and asks."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Literal

from pydantic import BaseModel, Field

from network.accounts.schemas import Strict
from network.coordination.models import Action, ActionStatus, AskAnswer, AskChannel
from network.text import MULTI_LINE
from network.vocabulary import ActionType


class ClaimIn(Strict):
    """Claim one upstander action on an alert."""

    type: ActionType
    anonymous: bool = Field(default=False, description='Shown as "a member" in the feed.')


class ActionUpdateIn(Strict):
    """Finish or give back a claimed action."""

    status: Literal["done", "released"]
    note: Annotated[str | None, MULTI_LINE] = Field(
        default=None, max_length=1000, description="Private; for done."
    )


class ActionOut(BaseModel):
    """One of your own actions."""

    id: int
    alert_id: int
    type: ActionType
    status: ActionStatus
    anonymous: bool
    claimed_at: datetime
    expires_at: datetime
    done_at: datetime | None
    note: str | None

    @classmethod
    def of(cls, action: Action) -> ActionOut:
        return cls.model_validate(action, from_attributes=True)


class PublicActionOut(BaseModel):
    """An action as other members see it: anonymous volunteers stay "a member"."""

    id: int
    type: ActionType
    status: ActionStatus
    volunteer: str | None
    claimed_at: datetime
    done_at: datetime | None


class PublicActionPage(BaseModel):
    """The live and completed actions on an alert."""

    items: list[PublicActionOut]
    next_cursor: str | None


class AskOut(BaseModel):
    """A personal ask to help with an alert."""

    id: int
    alert_id: int
    asked_at: datetime
    expires_at: datetime
    answer: AskAnswer
    delivered_at: datetime | None = Field(
        description="When the ask reached you; your time to answer starts then."
    )
    channel: AskChannel | None = Field(
        description="How it reached you: `push`, `email` or `feed` (null until delivered)."
    )


class AskPage(BaseModel):
    """Your unanswered asks."""

    items: list[AskOut]
    next_cursor: str | None


class AcceptAskIn(ClaimIn):
    """Accept an ask by claiming one of the actions the alert needs."""
