"""Where events happen, services announce them here, inside their own transaction.

One delivery row per enabled endpoint that chose the event is written with the change, so an
event commits (or rolls back) with what it describes; the deliveries are queued only after the
commit (network/reach/later.py). What the payload says is read at delivery time, not here."""

from __future__ import annotations

import uuid
from collections.abc import Sequence

import sqlalchemy as sa

from network import jobs
from network.db import utcnow
from network.extensions import db
from network.reach import later
from network.webhooks.models import WebhookDelivery, WebhookEndpoint, WebhookEvent

# Built once: every announcing use case (each post going live, each claim…) runs it.
_ENABLED_ROWS = sa.select(WebhookEndpoint.id, WebhookEndpoint.events).where(WebhookEndpoint.enabled)
# In the endpoints' order, so that an event's deliveries are made (and numbered) in it too.
ENABLED_ENDPOINTS = _ENABLED_ROWS.order_by(WebhookEndpoint.id)


# The enabled endpoints with their events as one JSON value, [[id, [event, …]], …] (PostgreSQL):
# a use case's own statement can carry it, sparing announce() a statement of its own.
_ENABLED = _ENABLED_ROWS.subquery()
ENABLED_ENDPOINTS_JSON = (
    sa.select(
        sa.func.coalesce(
            sa.func.json_agg(
                sa.func.json_build_array(_ENABLED.c.id, _ENABLED.c.events)
            ).aggregate_order_by(_ENABLED.c.id),
            sa.literal_column("'[]'::json"),
        )
    )
    .select_from(_ENABLED)
    .scalar_subquery()
)


def announce(
    event: WebhookEvent,
    subject_id: int,
    endpoints: Sequence[tuple[int, list[str] | None]] | None = None,
) -> list[WebhookDelivery]:
    """Record the event for every endpoint that wants it; each is queued after the commit.

    `endpoints`: the enabled endpoints and their events, when the caller's statement read them
    in this transaction (ENABLED_ENDPOINTS_JSON); else they are read here."""
    if endpoints is None:
        endpoints = [(row.id, row.events) for row in db.session.execute(ENABLED_ENDPOINTS)]
    chosen = [endpoint_id for endpoint_id, events in endpoints if event.value in (events or [])]
    if not chosen:
        return []
    event_id, now = str(uuid.uuid4()), utcnow()
    deliveries = [
        WebhookDelivery(
            endpoint_id=endpoint_id,
            event_id=event_id,
            event=event,
            subject_id=subject_id,
            occurred_at=now,
        )
        for endpoint_id in chosen
    ]
    db.session.add_all(deliveries)
    db.session.flush()
    for delivery in deliveries:
        later.after_commit(jobs.DELIVER_WEBHOOK, delivery.id)
    return deliveries
