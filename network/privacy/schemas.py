"""The shape of a member's data export (also its OpenAPI schema)."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from pydantic import BaseModel, Field

from network.accounts.models import MemberStatus
from network.accounts.schemas import MemberOut
from network.alerts.models import AlertStatus, Category, FlagReason, Outcome
from network.coordination.models import ActionStatus, AskAnswer
from network.digests.models import DigestStatus
from network.reach.schemas import ReachSettingsOut
from network.teams.models import TeamRole
from network.vocabulary import ActionType


class ProfileExport(MemberOut):
    """Your account, profile and preferences."""

    status: MemberStatus
    last_login_at: datetime | None


class TeamExport(BaseModel):
    """A team you belong to."""

    team_id: int
    name: str
    role: TeamRole
    joined_at: datetime


class ReportedAlertExport(BaseModel):
    """A thread you reported; the summary is there when you wrote it."""

    alert_id: int
    url: str
    category: Category
    severity: int
    language: str
    status: AlertStatus
    outcome: Outcome | None
    posted_by_you: bool = Field(description="You posted it; others may have reported it too.")
    summary: str | None = Field(description="Your summary; null when another member wrote it.")
    reported_at: datetime


class FlagExport(BaseModel):
    """An abuse flag you put on an alert."""

    alert_id: int
    reason: FlagReason
    note: str
    created_at: datetime


class ActionExport(BaseModel):
    """An action you claimed, with your private note."""

    id: int
    alert_id: int
    type: ActionType
    status: ActionStatus
    anonymous: bool
    claimed_at: datetime
    expires_at: datetime
    done_at: datetime | None
    ended_at: datetime | None
    note: str | None


class AskExport(BaseModel):
    """A personal ask to help with an alert."""

    id: int
    alert_id: int
    asked_at: datetime
    expires_at: datetime
    answer: AskAnswer
    answered_at: datetime | None
    delivered_at: datetime | None
    channel: str | None


class DigestExport(BaseModel):
    """A digest you were sent, with the numbers it showed."""

    period_key: str
    period_start: datetime
    period_end: datetime
    status: DigestStatus
    numbers: dict[str, Any]
    norm_kind: str | None
    norm_message: str | None
    sent_at: datetime | None


class CampaignMembershipExport(BaseModel):
    """A campaign you joined."""

    campaign_id: int
    title: str
    joined_at: datetime
    reminded_at: datetime | None


class PracticeAnswerExport(BaseModel):
    """How you judged a practice scenario."""

    scenario_code: str
    severity: int
    action_type: ActionType
    agreed: bool
    created_at: datetime


class TokenExport(BaseModel):
    """An API access token: its name and dates, never the token or its hash."""

    id: int
    name: str
    created_at: datetime
    revoked_at: datetime | None


class NoticeExport(BaseModel):
    """Something the network told you in the app, e.g. how your alert was reviewed."""

    id: int
    kind: str
    alert_id: int | None
    body: str
    created_at: datetime
    read_at: datetime | None


class PushSubscriptionExport(BaseModel):
    """One of your browsers that got push notifications."""

    id: int
    endpoint: str
    device: str
    created_at: datetime
    last_sent_at: datetime | None


class MemberExport(BaseModel):
    """Everything the network stores about you."""

    exported_at: datetime
    profile: ProfileExport
    teams: list[TeamExport]
    alerts_reported: list[ReportedAlertExport]
    abuse_flags: list[FlagExport]
    actions: list[ActionExport]
    asks: list[AskExport]
    digests: list[DigestExport]
    campaigns: list[CampaignMembershipExport]
    practice_answers: list[PracticeAnswerExport]
    tokens: list[TokenExport]
    notices: list[NoticeExport]
    push_subscriptions: list[PushSubscriptionExport]
    reach_settings: ReachSettingsOut
