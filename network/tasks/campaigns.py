"""Campaign jobs: the launch email and the daily follow-up of members who have not acted."""

from __future__ import annotations

from celery import shared_task
from celery.schedules import crontab

from network.campaigns import mailing

SCHEDULE = {
    "campaign-reminders": {"task": "network.campaigns.remind", "schedule": crontab(minute=30)},
}


@shared_task(name="network.campaigns.announce_launch")
def announce_launch(campaign_id: int) -> int:
    """Email every member that a campaign launched."""
    return mailing.announce_launch(campaign_id)


@shared_task(name="network.campaigns.remind")
def remind() -> int:
    """Send the one reminder to members who joined but have not acted."""
    return mailing.send_reminders()
