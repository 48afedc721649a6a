"""Reach jobs: personal asks by push or email, pushes of alerts, launches and reviews, and
posts to group chats. Never run inside a request."""

from __future__ import annotations

from dataclasses import asdict
from typing import Any

from celery import Task, shared_task

from network.alerts.models import Alert
from network.extensions import db
from network.reach import chats, deliver
from network.reach.push import Message, Sent
from network.settings import settings

ASK_TRIES = 4
PUSH_TRIES = 5  # tries of a failed push after the first: 30 s, 1, 2, 4 and 8 minutes later


def backoff(tries: int) -> int:
    """Seconds before the next try: PUSH_RETRY_SECONDS, doubled at each try (30 s, 1, 2, 4 min…)."""
    return int(settings().push_retry_seconds * 2**tries)


def again(fanout: deliver.Fanout) -> list[int]:
    """Queue another try of each push that failed for now; return who was reached."""
    for subscription_id, message in fanout.again:
        push_again.apply_async((subscription_id, asdict(message)), countdown=backoff(0))
    return fanout.reached


@shared_task(name="network.reach.deliver_ask", bind=True, max_retries=ASK_TRIES)
def deliver_ask(self: Task, ask_id: int) -> str:
    """Bring a personal ask to its member: push, else email, else the feed."""
    outcome = deliver.deliver_ask(ask_id, last_try=self.request.retries >= ASK_TRIES)
    if outcome == "retry":
        raise self.retry(countdown=backoff(self.request.retries))
    return outcome


def try_asks_again(ask_ids: list[int]) -> None:
    """Queue deliver_ask's second try for asks whose first try's pushes all failed for now."""
    for ask_id in ask_ids:
        # As if deliver_ask had made the first try and retried: the same tries, the same waits.
        deliver_ask.apply_async((ask_id,), countdown=backoff(0), retries=1)


@shared_task(name="network.reach.push_again", bind=True, max_retries=PUSH_TRIES - 1)
def push_again(
    self: Task, subscription_id: int, message: dict[str, Any], tries: int | None = None
) -> str:
    """Try a failed push again; Celery retries it with backoff while the service fails for now.

    A gone subscription is removed, a refused push is not tried again. (`tries` is what jobs
    queued by an older release carry; Celery counts the tries now.)"""
    sent = deliver.push_again(subscription_id, Message.of(message))
    if sent == Sent.FAILED and self.request.retries < PUSH_TRIES - 1:
        raise self.retry(countdown=backoff(self.request.retries + 1))
    return sent.value


@shared_task(name="network.reach.alert_live")
def alert_live(alert_id: int) -> dict[str, Any]:
    """Tell the alert's team, members who want severe alerts, and group chats of a new alert.

    (The asks job does this itself now; this job is what jobs queued by an older release run.)"""
    return tell_alert_live(alert_id)


def tell_alert_live(alert_id: int) -> dict[str, Any]:
    """Push a new alert to its team and to members who want severe alerts, post it to group
    chats; queue another try of each push that failed for now."""
    alert = db.session.get(Alert, alert_id)
    if alert is None:
        return {"pushed": [], "chats": 0}
    # Chats first: they only read, so the pushes (which commit) have the alert as it was read.
    posted = chats.post_new_alert(alert)
    return {"pushed": again(deliver.alert_went_live(alert)), "chats": posted}


@shared_task(name="network.reach.review_waiting")
def review_waiting(alert_id: int) -> list[int]:
    """Tell organisers who chose it that an alert waits for review."""
    return again(deliver.review_waiting(alert_id))


@shared_task(name="network.reach.campaign_launched")
def campaign_launched(campaign_id: int) -> list[int]:
    """Tell members who chose it that a campaign was launched."""
    return again(deliver.campaign_launched(campaign_id))


@shared_task(name="network.reach.notice")
def notice(notice_id: int) -> list[int]:
    """Push a reporter how their alert was reviewed."""
    return again(deliver.notice_pushed(notice_id))
