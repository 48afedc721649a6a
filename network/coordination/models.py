"""Actions volunteers claim and personal asks."""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column

from network.db import Base, UTCDateTime, enum_column_type, utcnow
from network.vocabulary import ActionType

PUBLIC_VOICE_CLAIM = (
    "type IN ('counter_speech', 'support_target_public') AND status IN ('claimed', 'done')"
)


class ActionStatus(StrEnum):
    """Where a claimed action is."""

    CLAIMED = "claimed"
    DONE = "done"
    RELEASED = "released"
    EXPIRED = "expired"


class Action(Base):
    """One member's response to one alert."""

    __tablename__ = "action"
    __table_args__ = (
        # One live claim per member, alert and type; released or expired ones may be claimed again.
        sa.Index(
            "uq_action_live_claim",
            "alert_id",
            "member_id",
            "type",
            unique=True,
            postgresql_where=sa.text("status IN ('claimed', 'done')"),
            sqlite_where=sa.text("status IN ('claimed', 'done')"),
        ),
        # Several distinct voices are what works: one member fills at most one public slot.
        sa.Index(
            "uq_action_public_voice",
            "alert_id",
            "member_id",
            unique=True,
            postgresql_where=sa.text(PUBLIC_VOICE_CLAIM),
            sqlite_where=sa.text(PUBLIC_VOICE_CLAIM),
        ),
        sa.Index("ix_action_alert_status", "alert_id", "status"),
        sa.Index("ix_action_status_expires_at", "status", "expires_at"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    alert_id: Mapped[int] = mapped_column(sa.ForeignKey("alert.id", ondelete="CASCADE"))
    # Null once the volunteer erased their account: the action still counts for the network.
    member_id: Mapped[int | None] = mapped_column(
        sa.ForeignKey("member.id", ondelete="SET NULL"), index=True
    )
    type: Mapped[ActionType] = mapped_column(enum_column_type(ActionType, "action_type"))
    status: Mapped[ActionStatus] = mapped_column(
        enum_column_type(ActionStatus, "action_status"), default=ActionStatus.CLAIMED
    )
    anonymous: Mapped[bool] = mapped_column(default=False)
    claimed_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    expires_at: Mapped[datetime] = mapped_column(UTCDateTime())
    done_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    ended_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    # Private: only the volunteer sees it.
    note: Mapped[str | None] = mapped_column(sa.String(1000))


class AskAnswer(StrEnum):
    """How a personal ask ended (pending while unanswered)."""

    PENDING = "pending"
    ACCEPTED = "accepted"
    DECLINED = "declined"
    EXPIRED = "expired"


class Ask(Base):
    """A personal request to one member to help with one alert."""

    __tablename__ = "ask"
    __table_args__ = (
        sa.UniqueConstraint("alert_id", "member_id", name="uq_ask_alert_member"),
        sa.Index("ix_ask_answer_expires_at", "answer", "expires_at"),
        sa.Index("ix_ask_member_asked_at", "member_id", "asked_at"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    alert_id: Mapped[int] = mapped_column(sa.ForeignKey("alert.id", ondelete="CASCADE"))
    member_id: Mapped[int] = mapped_column(sa.ForeignKey("member.id", ondelete="CASCADE"))
    asked_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    expires_at: Mapped[datetime] = mapped_column(UTCDateTime())
    answer: Mapped[AskAnswer] = mapped_column(
        enum_column_type(AskAnswer, "ask_answer"), default=AskAnswer.PENDING
    )
    answered_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
