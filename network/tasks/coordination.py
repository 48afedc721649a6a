"""Coordination housekeeping: expire claims not done in time and asks nobody answered."""

from __future__ import annotations

import logging

from celery import Task, shared_task

from network import jobs
from network.coordination import asks, services
from network.extensions import db
from network.reach import deliver, told
from network.tasks import reach

log = logging.getLogger(__name__)

SCHEDULE = {
    "expire-claims": {"task": "network.coordination.expire_claims", "schedule": 60.0},
    "expire-asks": {"task": "network.coordination.expire_asks", "schedule": 60.0},
    "ask-missed": {"task": "network.coordination.ask_missed", "schedule": 60.0},
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
def ask_members(self: Task, alert_ids: int | list[int]) -> int:
    """For each alert that went live (one id, or the ids gathered from requests that overlapped):
    ask members personally (once), bring them the asks, then tell the network; return how many
    were asked in all. An alert that fails is logged and the others go on."""
    redelivered = _redelivered(self)
    if isinstance(alert_ids, int):
        return _ask_about(alert_ids, redelivered, gathered=False)
    return _ask_about_each(alert_ids, redelivered)


@shared_task(name="network.coordination.ask_missed")
def ask_missed() -> list[int]:
    """Queue the asks job again for alerts whose job was lost (live for minutes, never asked
    about); return their ids. The job's own guards keep a second copy from asking or telling
    twice, should the first still be on its way."""
    alert_ids = asks.never_asked()
    if alert_ids:
        log.warning("asks job lost for alerts %s: queued again", alert_ids)
        jobs.enqueue(jobs.ASK_MEMBERS, alert_ids)
    return alert_ids


def _redelivered(task: Task) -> bool:
    return bool((task.request.delivery_info or {}).get("redelivered"))


def _ask_about_each(alert_ids: list[int], redelivered: bool) -> int:
    asked, failed = 0, []
    for alert_id in alert_ids:
        try:
            asked += _ask_about(alert_id, redelivered, gathered=True)
        except Exception:
            db.session.rollback()
            log.exception("asking members about alert %s failed", alert_id)
            failed.append(alert_id)
    if failed and len(failed) == len(alert_ids):
        raise RuntimeError(f"asking members failed for every alert: {failed}")
    return asked


def _ask_about(alert_id: int, redelivered: bool, *, gathered: bool) -> int:
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
        # redelivered) — never by a second copy of the job. A job of several alerts run again
        # skips those the dead worker had told already (marked in Redis once told).
        again = redelivered and not (gathered and told.already(alert_id))
        if asked is not None or again:
            db.session.rollback()  # nothing left open by a delivery that failed
            reach.tell_alert_live(alert_id)
            if gathered:
                told.remember(alert_id)
    return asked or 0
