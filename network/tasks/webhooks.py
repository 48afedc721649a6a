"""Webhook jobs: one delivery to an organisation's endpoint, tried again with backoff."""

from __future__ import annotations

from celery import Task, shared_task
from celery.schedules import crontab

from network.webhooks import sending

SCHEDULE = {
    "webhook-lost-deliveries": {
        "task": "network.webhooks.requeue_lost",
        "schedule": crontab(minute="*/10"),
    },
}


@shared_task(name="network.webhooks.deliver", bind=True, max_retries=None)
def deliver(self: Task, delivery_id: int) -> str:
    """Send one webhook delivery; the delivery's own count of tries decides when to stop."""
    outcome = sending.attempt(delivery_id)
    if outcome.outcome == "retry":
        raise self.retry(countdown=outcome.countdown)
    return outcome.outcome


@shared_task(name="network.webhooks.requeue_lost")
def requeue_lost() -> list[int]:
    """Queue again the deliveries whose job was lost; sending twice is safer than never."""
    found = sending.lost()
    for delivery_id in found:
        deliver.delay(delivery_id)
    return found
