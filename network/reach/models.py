"""Push subscriptions, a member's reach settings and the group chats organisers connect."""

from __future__ import annotations

from datetime import datetime

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column

from network.db import Base, UTCDateTime, utcnow

# Quiet hours unless the member chose others: minutes after local midnight.
QUIET_FROM = 22 * 60
QUIET_UNTIL = 8 * 60


class PushSubscription(Base):
    """One browser's Web Push endpoint and keys, belonging to one member."""

    __tablename__ = "push_subscription"

    id: Mapped[int] = mapped_column(primary_key=True)
    member_id: Mapped[int] = mapped_column(
        sa.ForeignKey("member.id", ondelete="CASCADE"), index=True
    )
    # The push service's address for this browser; unique, so a browser is subscribed once.
    endpoint: Mapped[str] = mapped_column(sa.String(1024), unique=True)
    p256dh: Mapped[str] = mapped_column(sa.String(128))
    auth: Mapped[str] = mapped_column(sa.String(64))
    device: Mapped[str] = mapped_column(sa.String(80), default="")
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    last_sent_at: Mapped[datetime | None] = mapped_column(UTCDateTime())


class ReachSettings(Base):
    """What a member wants pushed or mailed, and when they sleep (absent row: the defaults)."""

    __tablename__ = "reach_settings"

    member_id: Mapped[int] = mapped_column(
        sa.ForeignKey("member.id", ondelete="CASCADE"), primary_key=True
    )
    team_alerts: Mapped[bool] = mapped_column(default=True)
    severe_alerts: Mapped[bool] = mapped_column(default=False)
    campaign_launches: Mapped[bool] = mapped_column(default=False)
    reviews: Mapped[bool] = mapped_column(default=False)
    ask_mail: Mapped[bool] = mapped_column(default=True)
    # Show the alert's category and platform on the lock screen; off keeps it discreet.
    detailed: Mapped[bool] = mapped_column(default=False)
    quiet_from: Mapped[int] = mapped_column(default=QUIET_FROM)
    quiet_until: Mapped[int] = mapped_column(default=QUIET_UNTIL)


class GroupChat(Base):
    """A group chat an organiser connected to the network or one team, reached through Apprise."""

    __tablename__ = "group_chat"

    id: Mapped[int] = mapped_column(primary_key=True)
    # Null: the whole network's chat.
    team_id: Mapped[int | None] = mapped_column(
        sa.ForeignKey("team.id", ondelete="CASCADE"), index=True
    )
    name: Mapped[str] = mapped_column(sa.String(80))
    # The Apprise URL holds the chat's secret: never shown back in full, never logged.
    url: Mapped[str] = mapped_column(sa.String(1024))
    hint: Mapped[str] = mapped_column(sa.String(40))
    created_by: Mapped[int | None] = mapped_column(sa.ForeignKey("member.id", ondelete="SET NULL"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
