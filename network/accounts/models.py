"""Members and their personal access tokens."""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column, relationship

from network.db import Base, UTCDateTime, enum_column_type, json_list, utcnow


class Role(StrEnum):
    """What a member may do beyond taking part."""

    MEMBER = "member"
    ORGANISER = "organiser"
    ADMIN = "admin"


class MemberStatus(StrEnum):
    """Whether a member can use the network."""

    PENDING = "pending"
    ACTIVE = "active"
    SUSPENDED = "suspended"


class DigestFrequency(StrEnum):
    """How often a member wants a digest."""

    OFF = "off"
    DAILY = "daily"
    WEEKLY = "weekly"


class Member(Base):
    """A person who signed up to the movement."""

    __tablename__ = "member"
    __table_args__ = (
        sa.CheckConstraint("trust_level BETWEEN 0 AND 3", name="trust_level_range"),
        sa.CheckConstraint("email = lower(email)", name="email_lower_case"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    # Stored lower-cased, so the unique index makes email addresses unique case-insensitively.
    email: Mapped[str] = mapped_column(sa.String(254), unique=True)
    password_hash: Mapped[str] = mapped_column(sa.String(255))
    display_name: Mapped[str] = mapped_column(sa.String(60))
    role: Mapped[Role] = mapped_column(enum_column_type(Role, "role"), default=Role.MEMBER)
    trust_level: Mapped[int] = mapped_column(default=0)
    status: Mapped[MemberStatus] = mapped_column(
        enum_column_type(MemberStatus, "status"), default=MemberStatus.ACTIVE
    )
    locale: Mapped[str] = mapped_column(sa.String(5), default="en")
    time_zone: Mapped[str] = mapped_column(sa.String(64), default="Europe/Amsterdam")
    digest_frequency: Mapped[DigestFrequency] = mapped_column(
        enum_column_type(DigestFrequency, "digest_frequency"), default=DigestFrequency.WEEKLY
    )
    pledge_accepted_at: Mapped[datetime] = mapped_column(UTCDateTime())
    platforms: Mapped[list[str]] = mapped_column(json_list(), default=list)
    languages: Mapped[list[str]] = mapped_column(json_list(), default=list)
    comfortable_actions: Mapped[list[str]] = mapped_column(json_list(), default=list)
    # How many personal asks to help the member accepts per week (0: none).
    asks_per_week: Mapped[int] = mapped_column(default=3)
    # Raised on logout and password change: sessions carrying an older value are refused.
    session_version: Mapped[int] = mapped_column(default=1)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    last_login_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    # Null until the member follows the link mailed to the address; only verification and
    # password-reset mail goes to an unverified address.
    email_verified_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    # When an organiser or the daily trust batch last changed the trust level: automatic
    # promotion counts only what happened after it.
    trust_changed_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    # Campaign launch and reminder mail; one-click unsubscribe turns it off.
    campaign_mail: Mapped[bool] = mapped_column(default=True, server_default=sa.true())
    # Kept by network/notices/services.py so every page shows the badge without a query.
    unread_notices: Mapped[int] = mapped_column(default=0, server_default="0")

    tokens: Mapped[list[AccessToken]] = relationship(
        back_populates="member", cascade="all, delete-orphan", passive_deletes=True
    )

    # Flask-Login protocol.
    @property
    def is_authenticated(self) -> bool:
        return True

    @property
    def is_active(self) -> bool:
        return self.status == MemberStatus.ACTIVE

    @property
    def is_anonymous(self) -> bool:
        return False

    def get_id(self) -> str:
        return f"{self.id}:{self.session_version}"

    @property
    def email_verified(self) -> bool:
        return self.email_verified_at is not None

    @property
    def is_organiser(self) -> bool:
        return self.role in (Role.ORGANISER, Role.ADMIN)

    def __repr__(self) -> str:
        return f"<Member {self.id}>"


class AccessToken(Base):
    """A personal access token for the API; only its SHA-256 digest is stored."""

    __tablename__ = "access_token"

    id: Mapped[int] = mapped_column(primary_key=True)
    member_id: Mapped[int] = mapped_column(
        sa.ForeignKey("member.id", ondelete="CASCADE"), index=True
    )
    name: Mapped[str] = mapped_column(sa.String(80))
    token_hash: Mapped[str] = mapped_column(sa.String(64), unique=True)
    # The first characters, shown so members can tell their tokens apart.
    prefix: Mapped[str] = mapped_column(sa.String(12))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    revoked_at: Mapped[datetime | None] = mapped_column(UTCDateTime())

    member: Mapped[Member] = relationship(back_populates="tokens")
