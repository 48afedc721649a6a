"""Privacy housekeeping: closed alerts' summaries and private notes do not outlive their use."""

from __future__ import annotations

from celery import shared_task
from celery.schedules import crontab

from network.privacy import services

SCHEDULE = {
    "delete-closed-alert-texts": {
        "task": "network.privacy.delete_closed_alert_texts",
        "schedule": crontab(hour=3, minute=17),
    },
}


@shared_task(name="network.privacy.delete_closed_alert_texts")
def delete_closed_alert_texts() -> dict[str, int]:
    """Delete summaries and notes of alerts closed SUMMARY_RETENTION_DAYS ago; return counts."""
    result = services.delete_closed_alert_texts()
    return {"summaries": result.summaries, "notes": result.notes, "flag_notes": result.flag_notes}
