"""Coordination housekeeping: expire claims not done in time and asks nobody answered."""

from __future__ import annotations

from celery import Task, shared_task

from network.coordination import asks, services
from network.extensions import db
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


@shared_task(name="network.coordination.ask_members", bind=True)
def ask_members(self: Task, alert_id: int) -> int:
    """Ask members personally about an alert that went live (once), bring them the asks, then
    tell the network; return how many were asked."""
    asked = asks.ask_after_going_live(alert_id)
    try:
        # Delivered here, all in one pass after the asks' commit, rather than by a job per ask.
        # A run again after a worker died between that commit and the deliveries finds them
        # undelivered.
        reach.try_asks_again(deliver.deliver_new_asks(alert_id))
    finally:
        # Then its team, members who chose severe alerts and group chats hear of it: after the
        # asks, so nobody asked by name also gets the general push. Once: by the run that
        # asked, or by this job run again because its worker died (the broker marks it
        # redelivered) — never by a second copy of the job.
        if asked is not None or (self.request.delivery_info or {}).get("redelivered"):
            db.session.rollback()  # nothing left open by a delivery that failed
            reach.tell_alert_live(alert_id)
    return asked or 0
