"""Impact figures kept ready for the periods organisers open most."""

from __future__ import annotations

from datetime import datetime
from typing import Any

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column

from network.db import Base, UTCDateTime, utcnow


class ImpactSnapshot(Base):
    """The figures of one period and filter as computed at `computed_at` (a cache, not a record)."""

    __tablename__ = "impact_snapshot"

    id: Mapped[int] = mapped_column(primary_key=True)
    # The period and filters, written out (network/impact/snapshots.py, key_of).
    key: Mapped[str] = mapped_column(sa.String(200), unique=True)
    figures: Mapped[dict[str, Any]] = mapped_column(sa.JSON)
    computed_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
