"""Coordination housekeeping: expire claims not done in time and asks nobody answered."""

from __future__ import annotations

from celery import shared_task

from network.coordination import asks, services
from network.reach import deliver
from network.tasks import reach

SCHEDULE = {
    "expire-claims": {"task": "network.coordination.expire_claims", "schedule": 60.0},
    "expire-asks": {"task": "network.coordination.expire_asks", "schedule": 60.0},
}


@shared_task(name="network.coordination.expire_claims")
def expire_claims() -> int:
    """Release expired claims so their slots open again; return how many."""
    return services.expire_claims()


@shared_task(name="network.coordination.expire_asks")
def expire_asks() -> int:
    """Expire unanswered asks and ask the next members; return how many expired."""
    return asks.expire_asks()


@shared_task(name="network.coordination.ask_members")
def ask_members(alert_id: int) -> int:
    """Ask members personally about an alert that went live (once), then bring them the asks;
    return how many were asked."""
    asked = asks.ask_after_going_live(alert_id)
    # Delivered here, all in one pass after the asks' commit, rather than by a job per ask. A
    # run again after a worker died between that commit and the deliveries finds them undelivered.
    reach.try_asks_again(deliver.deliver_new_asks(alert_id))
    return asked
