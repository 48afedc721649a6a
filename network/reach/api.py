"""API resources: your push subscriptions and what is pushed or mailed to you."""

from __future__ import annotations

from network.accounts.models import Member
from network.api import operation
from network.reach import services
from network.reach.schemas import (
    PushSubscriptionIn,
    PushSubscriptionOut,
    PushSubscriptionPage,
    ReachSettingsIn,
    ReachSettingsOut,
)
from network.reach.vapid import application_server_key


@operation("/me/push-subscriptions", "GET", tag="push", response=PushSubscriptionPage)
def my_push_subscriptions(actor: Member) -> PushSubscriptionPage:
    """List your browsers that get push notifications, and the key to subscribe with."""
    return PushSubscriptionPage(
        items=[PushSubscriptionOut.of(s) for s in services.subscriptions_of(actor)],
        application_server_key=application_server_key(),
    )


@operation(
    "/me/push-subscriptions",
    "POST",
    tag="push",
    body=PushSubscriptionIn,
    response=PushSubscriptionOut,
    status=201,
    errors=(409,),
)
def subscribe_push(actor: Member, body: PushSubscriptionIn) -> PushSubscriptionOut:
    """Subscribe a browser to push (https endpoints of known push services only)."""
    subscription = services.subscribe(
        actor,
        endpoint=body.endpoint,
        p256dh=body.keys.p256dh,
        auth=body.keys.auth,
        device=body.device,
    )
    return PushSubscriptionOut.of(subscription)


@operation(
    "/me/push-subscriptions/<int:subscription_id>", "DELETE", tag="push", status=204, errors=(404,)
)
def unsubscribe_push(actor: Member, subscription_id: int) -> None:
    """Remove one of your push subscriptions."""
    services.unsubscribe(actor, subscription_id)


@operation("/me/reach-settings", "GET", tag="push", response=ReachSettingsOut)
def my_reach_settings(actor: Member) -> ReachSettingsOut:
    """Return what is pushed or mailed to you, and your quiet hours."""
    return ReachSettingsOut.of(services.settings_of(actor.id))


@operation(
    "/me/reach-settings", "PATCH", tag="push", body=ReachSettingsIn, response=ReachSettingsOut
)
def change_reach_settings(actor: Member, body: ReachSettingsIn) -> ReachSettingsOut:
    """Change what is pushed or mailed to you, and your quiet hours."""
    return ReachSettingsOut.of(services.update_settings(actor, **body.model_dump()))
