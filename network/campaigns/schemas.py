"""Request and response schemas of campaigns."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Any

from pydantic import AwareDatetime, BaseModel, Field, StringConstraints

from network.accounts.schemas import Strict
from network.alerts.models import Category
from network.campaigns.models import Campaign, CampaignStatus, CampaignTemplate
from network.ids import Id
from network.text import MULTI_LINE
from network.vocabulary import ActionType, Platform

Title = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=120)]


class CampaignIn(Strict):
    """Draft or change a campaign (organisers)."""

    title: Title
    hashtag: str = Field(default="", max_length=50)
    description: Annotated[str, MULTI_LINE] = Field(default="", max_length=4000)
    starts_at: AwareDatetime
    ends_at: AwareDatetime
    goal: int = Field(ge=1, le=1_000_000, description="Completed actions to reach.")
    focus_categories: list[Category] = Field(default_factory=list, max_length=8)
    focus_platforms: list[Platform] = Field(default_factory=list, max_length=10)
    recommended_actions: list[ActionType] = Field(default_factory=list, max_length=7)
    notify_by_email: bool = False


class LaunchMailOut(BaseModel):
    """How a campaign's launch email went: sent, failed, and why nothing went when it could not."""

    sent: int
    failed: int
    error: str | None = None


class CampaignOut(BaseModel):
    """A campaign with its progress toward the goal."""

    id: int
    title: str
    hashtag: str
    description: str
    starts_at: datetime
    ends_at: datetime
    goal: int
    done: int
    progress: float
    focus_categories: list[str]
    focus_platforms: list[str]
    recommended_actions: list[str]
    status: CampaignStatus
    joined: bool
    member_count: int
    launch_mail: LaunchMailOut | None = Field(
        default=None,
        description="Organisers: how the launch email went (null before it ran, or for others).",
    )

    @classmethod
    def of(
        cls,
        campaign: Campaign,
        *,
        done: int,
        joined: bool,
        member_count: int,
        launch_mail: dict[str, Any] | None = None,
    ) -> CampaignOut:
        return cls(
            id=campaign.id,
            title=campaign.title,
            hashtag=campaign.hashtag,
            description=campaign.description,
            starts_at=campaign.starts_at,
            ends_at=campaign.ends_at,
            goal=campaign.goal,
            done=done,
            progress=min(1.0, done / campaign.goal),
            focus_categories=campaign.focus_categories,
            focus_platforms=campaign.focus_platforms,
            recommended_actions=campaign.recommended_actions,
            status=campaign.status,
            joined=joined,
            member_count=member_count,
            launch_mail=LaunchMailOut.model_validate(launch_mail) if launch_mail else None,
        )


class CampaignPage(BaseModel):
    """A page of campaigns, newest first."""

    items: list[CampaignOut]
    next_cursor: str | None


class CampaignListQuery(Strict):
    """Filter and page campaigns."""

    status: CampaignStatus | None = None
    cursor: str | None = Field(default=None, max_length=200)
    limit: int = Field(default=20, ge=1, le=100)


class AttachAlertIn(Strict):
    """Put an alert into a live campaign."""

    alert_id: Id


class TemplateIn(Strict):
    """A campaign's own message template."""

    action_type: ActionType
    language: str = Field(max_length=8)
    body: Annotated[str, MULTI_LINE] = Field(min_length=1, max_length=1000)


class TemplateOut(BaseModel):
    """A campaign message template."""

    id: int
    action_type: ActionType
    language: str
    body: str

    @classmethod
    def of(cls, template: CampaignTemplate) -> TemplateOut:
        return cls.model_validate(template, from_attributes=True)
