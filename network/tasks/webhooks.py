"""Webhook jobs: one delivery to an organisation's endpoint, tried again with backoff."""

from __future__ import annotations

from celery import Task, shared_task

from network.webhooks import sending


@shared_task(name="network.webhooks.deliver", bind=True, max_retries=None)
def deliver(self: Task, delivery_id: int) -> str:
    """Send one webhook delivery; the delivery's own count of tries decides when to stop."""
    outcome = sending.attempt(delivery_id)
    if outcome.outcome == "retry":
        raise self.retry(countdown=outcome.countdown)
    return outcome.outcome
