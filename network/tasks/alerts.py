"""Alert housekeeping: expire open alerts that saw no activity for days."""

from __future__ import annotations

from celery import shared_task
from celery.schedules import crontab

from network.alerts import services

SCHEDULE = {
    "expire-stale-alerts": {"task": "network.alerts.expire_stale", "schedule": crontab(minute=7)},
}


@shared_task(name="network.alerts.expire_stale")
def expire_stale_alerts() -> int:
    """Expire stale open alerts; return how many."""
    return services.expire_stale_alerts()
