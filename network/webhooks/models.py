"""Webhook endpoints organisers register, and each delivery of an event to one of them."""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column

from network.db import Base, UTCDateTime, enum_column_type, json_list, utcnow


class WebhookEvent(StrEnum):
    """What an endpoint can be told of."""

    ALERT_LIVE = "alert.live"
    ALERT_RESOLVED = "alert.resolved"
    CAMPAIGN_LAUNCHED = "campaign.launched"
    CAMPAIGN_ENDED = "campaign.ended"
    CHECKIN_RETALIATION = "checkin.retaliation"


class DeliveryStatus(StrEnum):
    """Where one delivery stands."""

    PENDING = "pending"  # queued, or waiting for its next try
    DELIVERED = "delivered"  # the receiver answered 2xx
    FAILED = "failed"  # refused for good, or out of tries
    WITHHELD = "withheld"  # what it was about may not be sent any more (e.g. the alert was hidden)


class WebhookEndpoint(Base):
    """An organisation's HTTPS address that is sent the events it chose, signed with its secret."""

    __tablename__ = "webhook_endpoint"

    id: Mapped[int] = mapped_column(primary_key=True)
    url: Mapped[str] = mapped_column(sa.String(1024))
    description: Mapped[str] = mapped_column(sa.String(80), default="")
    events: Mapped[list[str]] = mapped_column(json_list(), default=list)
    # The signing secret, encrypted with a key derived from SECRET_KEY (webhooks/signing.py).
    sealed_secret: Mapped[str] = mapped_column(sa.String(400))
    enabled: Mapped[bool] = mapped_column(default=True)
    created_by: Mapped[int | None] = mapped_column(sa.ForeignKey("member.id", ondelete="SET NULL"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    secret_rotated_at: Mapped[datetime | None] = mapped_column(UTCDateTime())


class WebhookDelivery(Base):
    """One event sent (or to be sent) to one endpoint, with how its tries went."""

    __tablename__ = "webhook_delivery"
    __table_args__ = (sa.Index("ix_webhook_delivery_endpoint_id_id", "endpoint_id", "id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    endpoint_id: Mapped[int] = mapped_column(
        sa.ForeignKey("webhook_endpoint.id", ondelete="CASCADE")
    )
    # The event's id: the same for every endpoint, try and resend, so receivers can drop repeats.
    event_id: Mapped[str] = mapped_column(sa.String(36))
    event: Mapped[WebhookEvent] = mapped_column(enum_column_type(WebhookEvent, "webhook_event"))
    # The alert, campaign or check-in the event is about; read again at every try.
    subject_id: Mapped[int]
    occurred_at: Mapped[datetime] = mapped_column(UTCDateTime())
    status: Mapped[DeliveryStatus] = mapped_column(
        enum_column_type(DeliveryStatus, "webhook_delivery_status"), default=DeliveryStatus.PENDING
    )
    attempts: Mapped[int] = mapped_column(default=0)
    response_code: Mapped[int | None]
    # Why the last try failed without an answer (timeout, refused address, ...): a short code.
    error: Mapped[str | None] = mapped_column(sa.String(40))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    last_attempt_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    next_attempt_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    finished_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    resent_from: Mapped[int | None]
