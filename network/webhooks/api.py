"""API resources: webhook endpoints and their deliveries (organisers)."""

from __future__ import annotations

from network.accounts.models import Member
from network.api import operation
from network.api.pagination import decode_cursor, encode_cursor
from network.webhooks import queries, services
from network.webhooks.limits import WEBHOOK_LIMIT
from network.webhooks.schemas import (
    WebhookDeliveryOut,
    WebhookDeliveryPage,
    WebhookDeliveryQuery,
    WebhookEndpointChange,
    WebhookEndpointIn,
    WebhookEndpointList,
    WebhookEndpointOut,
    WebhookEndpointWithSecret,
)


@operation("/webhooks", "GET", tag="webhooks", response=WebhookEndpointList, errors=(403,))
def list_webhooks(actor: Member) -> WebhookEndpointList:
    """List the webhook endpoints (organisers)."""
    return WebhookEndpointList(
        items=[WebhookEndpointOut.of(found) for found in queries.endpoints(actor)]
    )


@operation(
    "/webhooks",
    "POST",
    tag="webhooks",
    body=WebhookEndpointIn,
    response=WebhookEndpointWithSecret,
    status=201,
    errors=(403, 409),
    decorators=(WEBHOOK_LIMIT,),
)
def create_webhook(actor: Member, body: WebhookEndpointIn) -> WebhookEndpointWithSecret:
    """Register an https endpoint for some events; the answer holds its secret, shown once."""
    endpoint, secret = services.register_endpoint(
        actor,
        url=body.url,
        events=[event.value for event in body.events],
        description=body.description,
    )
    return WebhookEndpointWithSecret.made(endpoint, secret)


@operation(
    "/webhooks/<int:endpoint_id>",
    "PATCH",
    tag="webhooks",
    body=WebhookEndpointChange,
    response=WebhookEndpointOut,
    errors=(403,),
    decorators=(WEBHOOK_LIMIT,),
)
def change_webhook(
    actor: Member, endpoint_id: int, body: WebhookEndpointChange
) -> WebhookEndpointOut:
    """Switch a webhook endpoint off or on (organisers)."""
    return WebhookEndpointOut.of(services.set_enabled(actor, endpoint_id, body.enabled))


@operation(
    "/webhooks/<int:endpoint_id>",
    "DELETE",
    tag="webhooks",
    status=204,
    errors=(403,),
    decorators=(WEBHOOK_LIMIT,),
)
def delete_webhook(actor: Member, endpoint_id: int) -> None:
    """Delete a webhook endpoint and its deliveries (organisers)."""
    services.delete_endpoint(actor, endpoint_id)


@operation(
    "/webhooks/<int:endpoint_id>/secret",
    "POST",
    tag="webhooks",
    response=WebhookEndpointWithSecret,
    errors=(403,),
    decorators=(WEBHOOK_LIMIT,),
)
def rotate_webhook_secret(actor: Member, endpoint_id: int) -> WebhookEndpointWithSecret:
    """Give a webhook endpoint a new secret (shown once); the old one stops signing at once."""
    endpoint, secret = services.rotate_secret(actor, endpoint_id)
    return WebhookEndpointWithSecret.made(endpoint, secret)


@operation(
    "/webhooks/<int:endpoint_id>/deliveries",
    "GET",
    tag="webhooks",
    query=WebhookDeliveryQuery,
    response=WebhookDeliveryPage,
    errors=(403,),
)
def list_webhook_deliveries(
    actor: Member, endpoint_id: int, query: WebhookDeliveryQuery
) -> WebhookDeliveryPage:
    """List an endpoint's deliveries, newest first (organisers)."""
    endpoint = services.endpoint(actor, endpoint_id)
    position = decode_cursor(query.cursor)
    before = position.get("id") if position else None
    found = queries.deliveries(
        endpoint, before_id=before if isinstance(before, int) else None, limit=query.limit + 1
    )
    page, more = found[: query.limit], len(found) > query.limit
    return WebhookDeliveryPage(
        items=[WebhookDeliveryOut.of(delivery) for delivery in page],
        next_cursor=encode_cursor({"id": page[-1].id}) if more else None,
    )


@operation(
    "/webhooks/<int:endpoint_id>/deliveries/<int:delivery_id>/resend",
    "POST",
    tag="webhooks",
    response=WebhookDeliveryOut,
    status=202,
    errors=(403, 409),
    decorators=(WEBHOOK_LIMIT,),
)
def resend_webhook_delivery(
    actor: Member, endpoint_id: int, delivery_id: int
) -> WebhookDeliveryOut:
    """Send a delivery's event again (a new delivery with the same event id; organisers)."""
    return WebhookDeliveryOut.of(services.resend(actor, endpoint_id, delivery_id))
