"""Request and response schemas of alerts and their flags."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime
from typing import Annotated, Any

from pydantic import BaseModel, Field, StringConstraints

from network.accounts.models import Member
from network.accounts.schemas import Strict
from network.alerts import queries as alert_queries
from network.alerts.models import Alert, AlertStatus, Category, FlagReason, Outcome
from network.coordination import queries as coordination
from network.coordination.needs import Need
from network.ids import Id
from network.text import MULTI_LINE
from network.vocabulary import ActionType, Platform

Summary = Annotated[
    str, StringConstraints(strip_whitespace=True, min_length=1, max_length=500), MULTI_LINE
]
Remark = Annotated[str, Field(max_length=500), MULTI_LINE]


class AlertIn(Strict):
    """Report a hurtful thread."""

    url: str = Field(max_length=2048, description="http(s) link to the thread; never fetched.")
    category: Category
    severity: int = Field(ge=1, le=4, description="1 unkind, 2 hurtful, 3 severe, 4 dangerous.")
    summary: Summary = Field(
        description=(
            "What is happening; no personal data of the target: email addresses, phone numbers, "
            "postcodes and street addresses are refused (422)."
        )
    )
    language: str = Field(default="nl", max_length=8)
    target_requested_help: bool = False
    wanted_actions: list[ActionType] = Field(default_factory=list, max_length=7)
    responder_goal: int = Field(default=3, ge=1, le=10, description="Public voices wanted.")
    campaign_id: Id | None = None
    team_id: Id | None = Field(
        default=None,
        description="A team you belong to with at least three members; smaller teams are "
        "refused (422), as the others could tell who posted it.",
    )


class NeedOut(BaseModel):
    """How many of one action an alert wants, has claimed, has done, and still has open.

    The two public voices (counter_speech, support_target_public) share one goal: their `open`
    is what is left of `responder_goal` after both together."""

    wanted: int
    claimed: int
    done: int
    open: int


class AlertOut(BaseModel):
    """An alert as members see it: the reporter's identity is never part of it."""

    id: int
    url: str
    canonical_url: str
    platform: Platform
    category: Category
    severity: int
    summary: str
    language: str
    target_requested_help: bool
    wanted_actions: list[str]
    responder_goal: int
    status: AlertStatus
    hidden: bool
    reporter_count: int = Field(description="How many members reported the thread.")
    flag_count: int = Field(
        description="Deprecated: the same number as reporter_count (it never counted abuse "
        "flags), served until the next release.",
        json_schema_extra={"deprecated": True},
    )
    outcome: Outcome | None
    campaign_id: int | None
    team_id: int | None
    reported_by_me: bool
    needs: dict[str, NeedOut]
    created_at: datetime
    resolved_at: datetime | None

    @classmethod
    def of(cls, alert: Alert, *, reported_by_me: bool, needs: Mapping[Any, Need]) -> AlertOut:
        return cls(
            id=alert.id,
            url=alert.url,
            canonical_url=alert.canonical_url,
            platform=alert.platform,
            category=alert.category,
            severity=alert.severity,
            summary=alert.summary,
            language=alert.language,
            target_requested_help=alert.target_requested_help,
            wanted_actions=list(alert.wanted_actions),
            responder_goal=alert.responder_goal,
            status=alert.status,
            hidden=alert.hidden_at is not None,
            reporter_count=alert.reporter_count,
            flag_count=alert.reporter_count,
            outcome=alert.outcome,
            campaign_id=alert.campaign_id,
            team_id=alert.team_id,
            reported_by_me=reported_by_me,
            needs={str(action): NeedOut(**need.as_dict()) for action, need in needs.items()},
            created_at=alert.created_at,
            resolved_at=alert.resolved_at,
        )


class AlertPage(BaseModel):
    """A page of alerts, most urgent first."""

    items: list[AlertOut]
    next_cursor: str | None


class AlertListQuery(Strict):
    """Filters and paging of the alert list."""

    status: AlertStatus | None = None
    category: Category | None = None
    platform: Platform | None = None
    min_severity: int | None = Field(default=None, ge=1, le=4)
    campaign_id: Id | None = None
    team_id: Id | None = None
    mine: bool = False
    cursor: str | None = Field(default=None, max_length=500)
    limit: int = Field(default=25, ge=1, le=100)


class FlagIn(Strict):
    """Flag an alert as misleading or abusive."""

    reason: FlagReason
    note: Remark = ""


class ResolveIn(Strict):
    """Close an alert with what happened."""

    outcome: Outcome


def alert_out(actor: Member, alert: Alert) -> AlertOut:
    """Return one alert as the API shows it to this member, with its live needs."""
    return AlertOut.of(
        alert,
        reported_by_me=bool(alert_queries.reported_by(actor, [alert.id])),
        needs=coordination.needs_of(alert),
    )
