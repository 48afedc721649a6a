"""A member's answers to the practice scenarios."""

from __future__ import annotations

from datetime import datetime

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column

from network.db import Base, UTCDateTime, enum_column_type, utcnow
from network.vocabulary import ActionType


class PracticeAnswer(Base):
    """How one member judged one practice scenario, and whether the guide agrees."""

    __tablename__ = "practice_answer"
    __table_args__ = (
        sa.CheckConstraint("severity BETWEEN 1 AND 4", name="severity_range"),
        sa.Index("ix_practice_answer_member_created", "member_id", "created_at"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    member_id: Mapped[int] = mapped_column(sa.ForeignKey("member.id", ondelete="CASCADE"))
    scenario_code: Mapped[str] = mapped_column(sa.String(40))
    severity: Mapped[int]
    action_type: Mapped[ActionType] = mapped_column(
        enum_column_type(ActionType, "practice_action_type")
    )
    agreed: Mapped[bool]
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
