"""Request and response schemas of moderation: reviews, the queue, trust and suspension."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Literal

from pydantic import BaseModel, Field, StringConstraints

from network.accounts.models import MemberStatus
from network.accounts.schemas import Strict
from network.alerts.models import FlagReason
from network.alerts.schemas import AlertOut, Remark

Reason = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=500)]


class FlagOut(BaseModel):
    """A flag as reviewers see it: why, the note, and its weight; never who flagged."""

    reason: FlagReason
    note: str
    trust_level: int = Field(description="The flagger's trust level when flagging.")
    weight: int = Field(description="How much it counts toward hiding; 0 for new members.")
    counts: bool = Field(description="False for flags of new members: shown, never hiding.")
    created_at: datetime


class ReviewItemOut(BaseModel):
    """An alert waiting for review, with the reporter's trust level (not their name) and flags."""

    alert: AlertOut
    waiting: Literal["pending", "hidden", "flagged"] = Field(
        description="pending: a new member's alert; hidden: by flags; flagged: flags not yet "
        "weighed, the alert is still in the feed."
    )
    reporter_trust_level: int | None
    flags: list[FlagOut]


class ReviewQueueOut(BaseModel):
    """Alerts waiting for review, most severe first."""

    items: list[ReviewItemOut]


class SuspendIn(Strict):
    """Suspend a member; the reason is audited."""

    reason: Reason


class ReinstateIn(Strict):
    """Reinstate a suspended member; the reason is audited."""

    reason: str = Field(default="", max_length=500)


class MemberStatusOut(BaseModel):
    """A member's status after a suspension or reinstatement."""

    id: int
    status: MemberStatus


class ReviewIn(Strict):
    """An organiser's decision on a pending or hidden alert."""

    decision: Literal["approve", "reject"]
    reason: Remark = ""


class TrustIn(Strict):
    """Set a member's trust level (organisers)."""

    trust_level: int = Field(ge=0, le=3)
    reason: Remark = ""


class TrustOut(BaseModel):
    """A member's trust level after a change."""

    id: int
    trust_level: int
