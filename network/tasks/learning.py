"""Learning jobs: ask due check-ins (every 15 minutes) and push the question."""

from __future__ import annotations

from celery import shared_task
from celery.schedules import crontab

from network.learning import checkins
from network.reach import deliver
from network.tasks.reach import again

SCHEDULE = {
    "ask-check-ins": {"task": "network.learning.ask_check_ins", "schedule": crontab(minute="*/15")},
}


@shared_task(name="network.learning.ask_check_ins")
def ask_check_ins() -> int:
    """Ask every due check-in whose volunteer is awake; return how many were asked."""
    return len(checkins.ask_due())


@shared_task(name="network.learning.push_check_in")
def push_check_in(check_in_id: int) -> list[int]:
    """Push one volunteer the question what happened after their action; a push that failed for
    now is tried again with backoff (network.reach.push_again)."""
    return again(deliver.check_in_pushed(check_in_id))
