"""Campaigns, who joined them, and organisers' own message templates."""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column

from network.db import Base, UTCDateTime, enum_column_type, json_list, utcnow
from network.vocabulary import ActionType


class CampaignStatus(StrEnum):
    """Where a campaign is: drafted, running, or over."""

    DRAFT = "draft"
    LIVE = "live"
    ENDED = "ended"


class Campaign(Base):
    """A focused push, with a goal in completed actions."""

    __tablename__ = "campaign"
    __table_args__ = (
        sa.CheckConstraint("goal >= 1", name="goal_positive"),
        sa.CheckConstraint("ends_at > starts_at", name="ends_after_start"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    title: Mapped[str] = mapped_column(sa.String(120))
    hashtag: Mapped[str] = mapped_column(sa.String(50), default="")
    description: Mapped[str] = mapped_column(sa.String(4000), default="")
    starts_at: Mapped[datetime] = mapped_column(UTCDateTime())
    ends_at: Mapped[datetime] = mapped_column(UTCDateTime())
    goal: Mapped[int]
    focus_categories: Mapped[list[str]] = mapped_column(json_list(), default=list)
    focus_platforms: Mapped[list[str]] = mapped_column(json_list(), default=list)
    recommended_actions: Mapped[list[str]] = mapped_column(json_list(), default=list)
    notify_by_email: Mapped[bool] = mapped_column(default=False)
    status: Mapped[CampaignStatus] = mapped_column(
        enum_column_type(CampaignStatus, "campaign_status"), default=CampaignStatus.DRAFT
    )
    created_by_id: Mapped[int | None] = mapped_column(
        sa.ForeignKey("member.id", ondelete="SET NULL")
    )
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    launched_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    ended_at: Mapped[datetime | None] = mapped_column(UTCDateTime())


class CampaignMember(Base):
    """A member who joined a campaign; reminded at most once when they have not acted."""

    __tablename__ = "campaign_member"

    campaign_id: Mapped[int] = mapped_column(
        sa.ForeignKey("campaign.id", ondelete="CASCADE"), primary_key=True
    )
    member_id: Mapped[int] = mapped_column(
        sa.ForeignKey("member.id", ondelete="CASCADE"), primary_key=True, index=True
    )
    joined_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    reminded_at: Mapped[datetime | None] = mapped_column(UTCDateTime())


class CampaignTemplate(Base):
    """A message template an organiser wrote for a campaign."""

    __tablename__ = "campaign_template"

    id: Mapped[int] = mapped_column(primary_key=True)
    campaign_id: Mapped[int] = mapped_column(
        sa.ForeignKey("campaign.id", ondelete="CASCADE"), index=True
    )
    action_type: Mapped[ActionType] = mapped_column(
        enum_column_type(ActionType, "template_action_type")
    )
    language: Mapped[str] = mapped_column(sa.String(8))
    body: Mapped[str] = mapped_column(sa.String(1000))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
