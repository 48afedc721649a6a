"""Impact job: keep the usual periods' figures ready (every 15 minutes)."""

from __future__ import annotations

from celery import shared_task
from celery.schedules import crontab

from network.impact import snapshots

SCHEDULE = {
    "impact-snapshots": {
        "task": "network.impact.refresh_snapshots",
        "schedule": crontab(minute="3-59/15"),
    },
}


@shared_task(name="network.impact.refresh_snapshots")
def refresh_snapshots() -> int:
    """Compute the impact figures organisers open most; return how many periods were kept."""
    return snapshots.refresh()
