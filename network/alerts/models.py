"""Alerts, the members who reported each thread, and abuse flags."""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column

from network.db import Base, UTCDateTime, enum_column_type, json_list, utcnow
from network.vocabulary import Platform


class Category(StrEnum):
    """What kind of hurtful behaviour the thread shows."""

    HATE = "hate"
    SHAMING = "shaming"
    CANCELING = "canceling"
    THREAT = "threat"
    SEXUAL_HARASSMENT = "sexual_harassment"
    EXCLUSION = "exclusion"
    DOXXING = "doxxing"
    OTHER = "other"


class AlertStatus(StrEnum):
    """Where an alert is in its life."""

    PENDING_REVIEW = "pending_review"
    OPEN = "open"
    RESOLVED = "resolved"
    REJECTED = "rejected"
    EXPIRED = "expired"


ACTIVE_STATUSES = (AlertStatus.PENDING_REVIEW, AlertStatus.OPEN)


class Outcome(StrEnum):
    """What happened to the thread, told when the alert is resolved."""

    CONTENT_REMOVED = "content_removed"
    THREAD_CALMED = "thread_calmed"
    NO_CHANGE = "no_change"
    UNKNOWN = "unknown"


class FlagReason(StrEnum):
    """Why a member thinks an alert misuses the network."""

    MISLEADING = "misleading"
    ABUSIVE = "abusive"


# The rows of the one-active-alert-per-thread index (also named in its ON CONFLICT).
ACTIVE_THREAD = sa.text("status IN ('pending_review', 'open')")


class Alert(Base):
    """A hurtful thread that members want the network to respond to."""

    __tablename__ = "alert"
    __table_args__ = (
        sa.CheckConstraint("severity BETWEEN 1 AND 4", name="severity_range"),
        sa.CheckConstraint("responder_goal BETWEEN 1 AND 20", name="responder_goal_range"),
        sa.CheckConstraint("reporter_count >= 1", name="reporter_count_positive"),
        # One active alert per thread: the database decides when two posts race.
        sa.Index(
            "uq_alert_active_thread",
            "canonical_hash",
            unique=True,
            postgresql_where=ACTIVE_THREAD,
            sqlite_where=ACTIVE_THREAD,
        ),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    url: Mapped[str] = mapped_column(sa.String(2048))
    canonical_url: Mapped[str] = mapped_column(sa.String(2048))
    canonical_hash: Mapped[str] = mapped_column(sa.String(64), index=True)
    platform: Mapped[Platform] = mapped_column(enum_column_type(Platform, "platform"))
    category: Mapped[Category] = mapped_column(enum_column_type(Category, "category"))
    severity: Mapped[int]
    summary: Mapped[str] = mapped_column(sa.String(500))
    language: Mapped[str] = mapped_column(sa.String(8))
    target_requested_help: Mapped[bool] = mapped_column(default=False)
    wanted_actions: Mapped[list[str]] = mapped_column(json_list(), default=list)
    responder_goal: Mapped[int] = mapped_column(default=3)
    status: Mapped[AlertStatus] = mapped_column(enum_column_type(AlertStatus, "alert_status"))
    reporter_id: Mapped[int | None] = mapped_column(
        sa.ForeignKey("member.id", ondelete="SET NULL"), index=True
    )
    campaign_id: Mapped[int | None] = mapped_column(
        sa.ForeignKey("campaign.id", ondelete="SET NULL"), index=True
    )
    team_id: Mapped[int | None] = mapped_column(
        sa.ForeignKey("team.id", ondelete="SET NULL"), index=True
    )
    # How many members reported the thread (posts of an active thread merge into its alert).
    reporter_count: Mapped[int] = mapped_column(default=1)
    hidden_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    reviewed_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    review_reason: Mapped[str | None] = mapped_column(sa.String(500))
    outcome: Mapped[Outcome | None] = mapped_column(enum_column_type(Outcome, "outcome"))
    resolved_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    last_activity_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    # For the impact pages: when it reached the feed, and when its first action was claimed.
    live_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    first_claim_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    # When the job that asks members personally after going live did so (it runs once).
    asks_sent_at: Mapped[datetime | None] = mapped_column(UTCDateTime())

    @property
    def is_active(self) -> bool:
        return self.status in ACTIVE_STATUSES


# In the feed's order (queries.urgency_order), so the first page is read from the index instead
# of sorting every open alert of the most urgent kind (8 ms at 100,000 alerts).
sa.Index(
    "ix_alert_urgency",
    Alert.status,
    Alert.severity.desc(),
    Alert.target_requested_help.desc(),
    Alert.created_at,
    Alert.id,
)


# Alerts live but never asked about (their asks job was lost): found by the sweep that asks
# about them late (network.coordination.asks.never_asked), a handful among all alerts.
NOT_ASKED = sa.and_(Alert.asks_sent_at.is_(None), Alert.live_at.is_not(None))
sa.Index(
    "ix_alert_not_asked",
    Alert.live_at,
    postgresql_where=NOT_ASKED,
    sqlite_where=NOT_ASKED,
)


class AlertReport(Base):
    """One member's report of a thread; the alert's flag count counts these."""

    __tablename__ = "alert_report"

    alert_id: Mapped[int] = mapped_column(
        sa.ForeignKey("alert.id", ondelete="CASCADE"), primary_key=True
    )
    member_id: Mapped[int] = mapped_column(
        sa.ForeignKey("member.id", ondelete="CASCADE"), primary_key=True, index=True
    )
    reported_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)


class AbuseFlag(Base):
    """A member's flag that an alert is misleading or abusive."""

    __tablename__ = "abuse_flag"

    alert_id: Mapped[int] = mapped_column(
        sa.ForeignKey("alert.id", ondelete="CASCADE"), primary_key=True
    )
    member_id: Mapped[int] = mapped_column(
        sa.ForeignKey("member.id", ondelete="CASCADE"), primary_key=True
    )
    reason: Mapped[FlagReason] = mapped_column(enum_column_type(FlagReason, "flag_reason"))
    note: Mapped[str] = mapped_column(sa.String(500), default="")
    # Trust when flagging: flags of trusted members hide an alert, others only inform review.
    trust_level: Mapped[int]
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
