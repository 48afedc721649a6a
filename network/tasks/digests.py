"""Digest jobs: a dispatcher every 15 minutes fans out batches; each batch sends once."""

from __future__ import annotations

import logging
from typing import Any

from celery import shared_task
from celery.schedules import crontab

from network.digests import services

SCHEDULE = {
    "dispatch-digests": {"task": "network.digests.dispatch", "schedule": crontab(minute="*/15")},
}
MAX_RETRIES = 5
log = logging.getLogger(__name__)


@shared_task(name="network.digests.dispatch")
def dispatch() -> int:
    """Queue a batch job for every group of members whose digest is due; return how many."""

    def queue(batch: services.Batch) -> None:
        send_batch.delay(
            batch.member_ids, batch.frequency, batch.time_zone, batch.period_key, batch.numbers
        )

    return len(services.send_due_digests(queue))


@shared_task(bind=True, name="network.digests.send_batch", max_retries=MAX_RETRIES)
def send_batch(
    self: Any,
    member_ids: list[int],
    frequency: str,
    time_zone: str,
    period_key: str,
    numbers: dict[str, Any] | None = None,
) -> dict[str, int]:
    """Build and send one batch; retry what failed with backoff, then give up visibly.

    `numbers`: the period's network numbers, worked out once by the dispatcher (jobs queued
    without them work them out)."""
    batch = services.Batch(member_ids, frequency, time_zone, period_key, numbers)
    claimed_by = str(self.request.id or "inline")
    result = services.send_batch(batch, claimed_by)
    if result.failed:
        if self.request.retries >= MAX_RETRIES:
            services.give_up(batch, claimed_by)
        else:
            raise self.retry(countdown=min(3600, 30 * 2**self.request.retries))
    return {"sent": len(result.sent), "skipped": len(result.skipped), "failed": len(result.failed)}
