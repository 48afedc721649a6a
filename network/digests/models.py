"""One member's digest for one period, claimed before it is sent, so it is sent once."""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum
from typing import Any

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column

from network.db import Base, UTCDateTime, enum_column_type, utcnow


class DigestStatus(StrEnum):
    """Where a digest is on its way to the member."""

    CLAIMED = "claimed"
    SENT = "sent"
    FAILED = "failed"


class Digest(Base):
    """The numbers and norm message one member got for one period."""

    __tablename__ = "digest"
    __table_args__ = (
        sa.UniqueConstraint("member_id", "period_key", name="uq_digest_member_period"),
        sa.Index("ix_digest_status_claimed_at", "status", "claimed_at"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    member_id: Mapped[int] = mapped_column(sa.ForeignKey("member.id", ondelete="CASCADE"))
    # "daily:2026-11-27" or "weekly:2026-11-23": the local date the period ends on.
    period_key: Mapped[str] = mapped_column(sa.String(32))
    period_start: Mapped[datetime] = mapped_column(UTCDateTime())
    period_end: Mapped[datetime] = mapped_column(UTCDateTime())
    status: Mapped[DigestStatus] = mapped_column(
        enum_column_type(DigestStatus, "digest_status"), default=DigestStatus.CLAIMED
    )
    # The Celery task that claimed the row; a redelivered task finishes its own rows at once.
    claimed_by: Mapped[str] = mapped_column(sa.String(64))
    claimed_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    attempts: Mapped[int] = mapped_column(default=0)
    last_error: Mapped[str | None] = mapped_column(sa.String(500))
    numbers: Mapped[dict[str, Any]] = mapped_column(sa.JSON(), default=dict)
    norm_kind: Mapped[str | None] = mapped_column(sa.String(16))
    norm_message: Mapped[str | None] = mapped_column(sa.String(300))
    # The experiment this digest took part in and the arm (norm message code) it showed.
    experiment_id: Mapped[int | None] = mapped_column(
        sa.ForeignKey("experiment.id", ondelete="SET NULL"), index=True
    )
    experiment_arm: Mapped[str | None] = mapped_column(sa.String(32))
    message_id: Mapped[str | None] = mapped_column(sa.String(200))
    sent_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
