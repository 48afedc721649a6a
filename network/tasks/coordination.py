"""Coordination housekeeping: expire claims not done in time and asks nobody answered."""

from __future__ import annotations

from celery import shared_task

from network.coordination import asks, services

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
    """Ask members personally about an alert that went live (once); return how many."""
    return asks.ask_after_going_live(alert_id)
