"""Moderation jobs: the daily batch of automatic trust changes."""

from __future__ import annotations

from typing import Any

from celery import shared_task
from celery.schedules import crontab

from network.moderation import trust


def schedule(hour: int = 3) -> dict[str, dict[str, Any]]:
    """Run the trust batch once a day, at the configured hour (UTC)."""
    return {
        "apply-trust-changes": {
            "task": "network.moderation.apply_trust_changes",
            "schedule": crontab(hour=hour, minute=17),
        }
    }


@shared_task(name="network.moderation.apply_trust_changes")
def apply_trust_changes() -> dict[str, int]:
    """Raise and lower trust levels from reviewed alerts; safe to run twice."""
    return trust.apply_trust_changes()
