"""A notice shown to one member in the app until they have read it."""

from __future__ import annotations

from datetime import datetime

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column

from network.db import Base, UTCDateTime, utcnow


class Notice(Base):
    """Something the network tells one member: what happened, about which alert, and why."""

    __tablename__ = "notice"
    __table_args__ = (sa.Index("ix_notice_member_read", "member_id", "read_at"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    member_id: Mapped[int] = mapped_column(sa.ForeignKey("member.id", ondelete="CASCADE"))
    # What happened, e.g. "alert_approved", "alert_rejected"; the page words it per locale.
    kind: Mapped[str] = mapped_column(sa.String(40))
    alert_id: Mapped[int | None] = mapped_column(
        sa.ForeignKey("alert.id", ondelete="SET NULL"), index=True
    )
    # A reason given by a person (e.g. an organiser's review reason); never a reporter's name.
    body: Mapped[str] = mapped_column(sa.String(500), default="")
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    read_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
