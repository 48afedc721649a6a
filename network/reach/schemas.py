"""Request and response bodies of push subscriptions and reach settings."""

from __future__ import annotations

from datetime import datetime

from pydantic import BaseModel, Field

from network.accounts.schemas import Strict
from network.reach.models import PushSubscription, ReachSettings
from network.reach.quiet import clock

HHMM = Field(default=None, max_length=5, pattern=r"^[0-2][0-9]:[0-5][0-9]$")


class PushKeysIn(Strict):
    """The browser's keys from `PushSubscription.toJSON()`."""

    p256dh: str = Field(max_length=128, description="The browser's P-256 public key (base64url).")
    auth: str = Field(max_length=64, description="The browser's 16-byte auth secret (base64url).")


class PushSubscriptionIn(Strict):
    """Subscribe this browser to push: what `PushSubscription.toJSON()` gives, and a name."""

    endpoint: str = Field(
        max_length=1024,
        description="The push service's https address; only known push services are accepted "
        "(`PUSH_SERVICE_HOSTS`), anything else is refused with 422.",
    )
    keys: PushKeysIn
    device: str = Field(
        default="", max_length=80, description='Your name for the device, e.g. "Phone".'
    )


class PushSubscriptionOut(BaseModel):
    """One of your browsers that gets push notifications."""

    id: int
    endpoint: str
    device: str
    created_at: datetime
    last_sent_at: datetime | None

    @classmethod
    def of(cls, subscription: PushSubscription) -> PushSubscriptionOut:
        return cls.model_validate(subscription, from_attributes=True)


class PushSubscriptionPage(BaseModel):
    """Your push subscriptions, and the public key browsers subscribe with."""

    items: list[PushSubscriptionOut]
    next_cursor: str | None = None
    application_server_key: str | None = Field(
        description="The VAPID public key (base64url) for `pushManager.subscribe`; null when "
        "push is not set up on this installation."
    )


class ReachSettingsIn(Strict):
    """Change what is pushed or mailed to you, and your quiet hours (your local time)."""

    team_alerts: bool | None = Field(default=None, description="New alerts in your teams.")
    severe_alerts: bool | None = Field(
        default=None,
        description="New severe alerts (severity 3 and 4) on your platforms and languages.",
    )
    campaign_launches: bool | None = None
    reviews: bool | None = Field(default=None, description="Organisers: alerts waiting for review.")
    ask_mail: bool | None = Field(
        default=None, description="Personal asks by email when you have no push."
    )
    detailed: bool | None = Field(
        default=None, description="Name the alert's category on the lock screen too."
    )
    quiet_from: str | None = HHMM
    quiet_until: str | None = HHMM


class ReachSettingsOut(BaseModel):
    """What is pushed or mailed to you (personal asks always, while push is on)."""

    team_alerts: bool
    severe_alerts: bool
    campaign_launches: bool
    reviews: bool
    ask_mail: bool
    detailed: bool
    quiet_from: str = Field(description="Start of your quiet hours, HH:MM in your time zone.")
    quiet_until: str

    @classmethod
    def of(cls, settings: ReachSettings) -> ReachSettingsOut:
        return cls(
            team_alerts=settings.team_alerts,
            severe_alerts=settings.severe_alerts,
            campaign_launches=settings.campaign_launches,
            reviews=settings.reviews,
            ask_mail=settings.ask_mail,
            detailed=settings.detailed,
            quiet_from=clock(settings.quiet_from),
            quiet_until=clock(settings.quiet_until),
        )
