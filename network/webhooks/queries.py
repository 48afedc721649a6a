"""Reads of webhooks (organisers): the endpoints, and one endpoint's recent deliveries."""

from __future__ import annotations

import sqlalchemy as sa

from network.accounts.models import Member
from network.accounts.policy import require_organiser
from network.errors import NotFound
from network.extensions import db
from network.translation import gettext as _
from network.webhooks.models import WebhookDelivery, WebhookEndpoint


def endpoints(actor: Member) -> list[WebhookEndpoint]:
    """Return every endpoint, oldest first (organisers)."""
    require_organiser(actor)
    return list(db.session.scalars(sa.select(WebhookEndpoint).order_by(WebhookEndpoint.id)))


def deliveries(
    endpoint: WebhookEndpoint, *, before_id: int | None = None, limit: int = 20
) -> list[WebhookDelivery]:
    """Return an endpoint's deliveries, newest first, from below `before_id` on."""
    query = sa.select(WebhookDelivery).where(WebhookDelivery.endpoint_id == endpoint.id)
    if before_id is not None:
        query = query.where(WebhookDelivery.id < before_id)
    return list(db.session.scalars(query.order_by(WebhookDelivery.id.desc()).limit(limit)))


def delivery_count(endpoint: WebhookEndpoint) -> int:
    """Count an endpoint's deliveries (for the page numbers)."""
    found = db.session.scalar(
        sa.select(sa.func.count())
        .select_from(WebhookDelivery)
        .where(WebhookDelivery.endpoint_id == endpoint.id)
    )
    return int(found or 0)


def delivery_page(endpoint: WebhookEndpoint, *, page: int, per_page: int) -> list[WebhookDelivery]:
    """Return one numbered page of an endpoint's deliveries, newest first."""
    return list(
        db.session.scalars(
            sa.select(WebhookDelivery)
            .where(WebhookDelivery.endpoint_id == endpoint.id)
            .order_by(WebhookDelivery.id.desc())
            .offset((page - 1) * per_page)
            .limit(per_page)
        )
    )


def delivery_of(endpoint: WebhookEndpoint, delivery_id: int) -> WebhookDelivery:
    """Return one of an endpoint's deliveries."""
    found = db.session.get(WebhookDelivery, delivery_id)
    if found is None or found.endpoint_id != endpoint.id:
        raise NotFound(_("This delivery does not exist."))
    return found
