"""The audit log: one row per moderation or organiser action, never changed afterwards."""

from __future__ import annotations

from datetime import datetime
from typing import Any

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column

from network.db import Base, UTCDateTime, utcnow


class AuditEntry(Base):
    """An append-only record (database triggers refuse UPDATE and DELETE)."""

    __tablename__ = "audit_entry"

    id: Mapped[int] = mapped_column(primary_key=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow, index=True)
    # Plain ids, no foreign keys: the log outlives the rows it talks about.
    actor_id: Mapped[int | None]
    action: Mapped[str] = mapped_column(sa.String(64), index=True)
    subject_type: Mapped[str] = mapped_column(sa.String(32))
    subject_id: Mapped[int]
    details: Mapped[dict[str, Any]] = mapped_column(sa.JSON(), default=dict)
