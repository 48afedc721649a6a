"""Check-ins after actions, and randomised experiments on the digest's norm message."""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum
from typing import Any

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column

from network.db import Base, UTCDateTime, enum_column_type, utcnow


class CheckInOutcome(StrEnum):
    """What the volunteer saw happen after their action (one tap, optional)."""

    CONTENT_REMOVED = "content_removed"
    AUTHOR_CALMED = "author_calmed"  # replied calmly or apologised
    TARGET_POSITIVE = "target_positive"
    OTHERS_JOINED = "others_joined"
    RETALIATION = "retaliation"  # I was targeted in return: shown to organisers at once
    NOTHING_VISIBLE = "nothing_visible"
    DONT_KNOW = "dont_know"


class PlatformDecision(StrEnum):
    """What the platform decided on a report."""

    REMOVED = "removed"
    RESTRICTED = "restricted"
    NO_ACTION = "no_action"
    NO_ANSWER_YET = "no_answer_yet"


class CheckIn(Base):
    """The one question after a done action: what happened? Asked once, answered at most once."""

    __tablename__ = "check_in"
    __table_args__ = (sa.Index("ix_check_in_due", "asked_at", "due_at"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    action_id: Mapped[int] = mapped_column(
        sa.ForeignKey("action.id", ondelete="CASCADE"), unique=True
    )
    # Null once the volunteer erased their account: the answer still counts for the network.
    member_id: Mapped[int | None] = mapped_column(
        sa.ForeignKey("member.id", ondelete="SET NULL"), index=True
    )
    due_at: Mapped[datetime] = mapped_column(UTCDateTime())
    asked_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    answered_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    outcome: Mapped[CheckInOutcome | None] = mapped_column(
        enum_column_type(CheckInOutcome, "check_in_outcome")
    )
    # Report actions only.
    platform_decision: Mapped[PlatformDecision | None] = mapped_column(
        enum_column_type(PlatformDecision, "platform_decision")
    )
    # DSA notices only: did the platform send a statement of reasons?
    statement_of_reasons: Mapped[bool | None] = mapped_column()
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)


class ExperimentStatus(StrEnum):
    """Whether an experiment assigns members now."""

    RUNNING = "running"
    STOPPED = "stopped"


class Experiment(Base):
    """An organiser's randomised test of digest norm messages: 2 to 4 arms, one the control."""

    __tablename__ = "experiment"
    __table_args__ = (
        # One running experiment at a time: the database decides when two organisers race.
        sa.Index(
            "uq_experiment_running",
            "status",
            unique=True,
            postgresql_where=sa.text("status = 'running'"),
            sqlite_where=sa.text("status = 'running'"),
        ),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(sa.String(120))
    # Codes of approved norm messages, e.g. ["descriptive", "invitation"]; the first is control.
    arms: Mapped[list[str]] = mapped_column(sa.JSON())
    # The smallest difference in the share who act that the organiser cares about (e.g. 0.05).
    minimum_effect: Mapped[float] = mapped_column(default=0.05)
    status: Mapped[ExperimentStatus] = mapped_column(
        enum_column_type(ExperimentStatus, "experiment_status"), default=ExperimentStatus.RUNNING
    )
    created_by_id: Mapped[int | None] = mapped_column(
        sa.ForeignKey("member.id", ondelete="SET NULL")
    )
    started_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    stopped_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    details: Mapped[dict[str, Any]] = mapped_column(sa.JSON(), default=dict)
