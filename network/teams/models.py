"""Teams and who belongs to them."""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column, relationship

from network.accounts.models import Member
from network.db import Base, UTCDateTime, enum_column_type, utcnow


class TeamRole(StrEnum):
    """A member's place in a team."""

    OWNER = "owner"
    MEMBER = "member"


class Team(Base):
    """A circle of people who know each other; joined with its invite code."""

    __tablename__ = "team"

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(sa.String(80))
    description: Mapped[str] = mapped_column(sa.String(500), default="")
    invite_code: Mapped[str] = mapped_column(sa.String(32), unique=True)
    created_by_id: Mapped[int | None] = mapped_column(
        sa.ForeignKey("member.id", ondelete="SET NULL")
    )
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)

    memberships: Mapped[list[TeamMembership]] = relationship(
        back_populates="team", cascade="all, delete-orphan", passive_deletes=True
    )


class TeamMembership(Base):
    """One member in one team."""

    __tablename__ = "team_membership"

    team_id: Mapped[int] = mapped_column(
        sa.ForeignKey("team.id", ondelete="CASCADE"), primary_key=True
    )
    member_id: Mapped[int] = mapped_column(
        sa.ForeignKey("member.id", ondelete="CASCADE"), primary_key=True, index=True
    )
    role: Mapped[TeamRole] = mapped_column(
        enum_column_type(TeamRole, "team_role"), default=TeamRole.MEMBER
    )
    joined_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)

    team: Mapped[Team] = relationship(back_populates="memberships")
    member: Mapped[Member] = relationship()
