"""The feed-event log: every real-time event, with a monotonic id."""

from __future__ import annotations

from datetime import datetime
from typing import Any

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column

from network.db import Base, UTCDateTime, utcnow


class FeedEvent(Base):
    """Every real-time event, kept so a reconnecting client gets what it missed."""

    __tablename__ = "feed_event"

    id: Mapped[int] = mapped_column(primary_key=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow, index=True)
    event: Mapped[str] = mapped_column(sa.String(40))
    rooms: Mapped[list[str]] = mapped_column(sa.JSON())
    payload: Mapped[dict[str, Any]] = mapped_column(sa.JSON())
