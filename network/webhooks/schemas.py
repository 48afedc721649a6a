"""Request and response bodies of webhook endpoints and their deliveries."""

from __future__ import annotations

from datetime import datetime

from pydantic import BaseModel, Field

from network.accounts.schemas import Strict
from network.webhooks.models import DeliveryStatus, WebhookDelivery, WebhookEndpoint, WebhookEvent


class WebhookEndpointIn(Strict):
    """Register an endpoint for some events."""

    url: str = Field(
        max_length=1024,
        description="An https address on a public host; private, loopback and link-local "
        "addresses are refused (422), also after DNS resolution.",
    )
    events: list[WebhookEvent] = Field(min_length=1, max_length=len(WebhookEvent))
    description: str = Field(default="", max_length=80, description="Your name for it.")


class WebhookEndpointChange(Strict):
    """Switch an endpoint off or on."""

    enabled: bool


class WebhookEndpointOut(BaseModel):
    """A webhook endpoint; its secret is never shown again after it was made."""

    id: int
    url: str
    description: str
    events: list[WebhookEvent]
    enabled: bool
    created_at: datetime
    secret_rotated_at: datetime | None

    @classmethod
    def of(cls, endpoint: WebhookEndpoint) -> WebhookEndpointOut:
        return cls.model_validate(endpoint, from_attributes=True)


class WebhookEndpointWithSecret(WebhookEndpointOut):
    """A new endpoint, or one with a new secret: the only time the secret is shown."""

    secret: str = Field(
        description="Signs every delivery (HMAC-SHA256, header `Upstander-Signature`); "
        "keep it: it is not shown again."
    )

    @classmethod
    def made(cls, endpoint: WebhookEndpoint, secret: str) -> WebhookEndpointWithSecret:
        return cls(**WebhookEndpointOut.of(endpoint).model_dump(), secret=secret)


class WebhookEndpointList(BaseModel):
    """The organisation's webhook endpoints, oldest first."""

    items: list[WebhookEndpointOut]


class WebhookDeliveryOut(BaseModel):
    """One event sent to an endpoint, and how its tries went."""

    id: int
    event_id: str = Field(description="The payload's `id`: the same on every try and resend.")
    event: WebhookEvent
    status: DeliveryStatus
    attempts: int
    response_code: int | None = Field(description="The receiver's last HTTP status, if any.")
    error: str | None = Field(
        description="Why the last try got no answer: `timeout`, `connection`, "
        "`private_address`, `unresolvable`, `endpoint_disabled`, `secret_unreadable`."
    )
    created_at: datetime
    last_attempt_at: datetime | None
    next_attempt_at: datetime | None
    finished_at: datetime | None
    resent_from: int | None

    @classmethod
    def of(cls, delivery: WebhookDelivery) -> WebhookDeliveryOut:
        return cls.model_validate(delivery, from_attributes=True)


class WebhookDeliveryPage(BaseModel):
    """A page of an endpoint's deliveries, newest first."""

    items: list[WebhookDeliveryOut]
    next_cursor: str | None


class WebhookDeliveryQuery(Strict):
    """Page through deliveries."""

    cursor: str | None = Field(default=None, max_length=200)
    limit: int = Field(default=20, ge=1, le=100)
