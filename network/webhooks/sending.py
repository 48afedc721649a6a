"""Sending one delivery: read what may be said now, sign it, POST it to the checked address,
and record the answer. Retried (by the task) on a timeout, a lost connection, 408, 429 and 5xx,
with exponential backoff, until WEBHOOK_MAX_ATTEMPTS; any other answer is final."""

from __future__ import annotations

import logging
import time
from dataclasses import dataclass
from datetime import datetime, timedelta

import sqlalchemy as sa

from network import outbound
from network.db import utcnow
from network.extensions import db
from network.settings import settings
from network.webhooks import payloads, signing
from network.webhooks.models import DeliveryStatus, WebhookDelivery, WebhookEndpoint
from network.webhooks.services import test_hosts

log = logging.getLogger(__name__)
USER_AGENT = "Upstander-Webhooks/1"
RETRY_STATUSES = {408, 429}
# No wait grows past this: a receiver down for a day is tried at least every few hours.
LONGEST_WAIT = 6 * 3600
# A waiting delivery this long past its time lost its job (a broker outage): it is queued again.
LOST_AFTER = timedelta(minutes=15)


@dataclass(frozen=True)
class Attempt:
    """What became of one try: the delivery's status, and when to try again ("retry")."""

    outcome: str
    countdown: int = 0


def backoff(attempts: int) -> int:
    """Seconds to wait after the given number of tries: WEBHOOK_RETRY_SECONDS, doubling."""
    return int(min(settings().webhook_retry_seconds * 2 ** max(attempts - 1, 0), LONGEST_WAIT))


def _finish(delivery: WebhookDelivery, status: DeliveryStatus, error: str | None = None) -> Attempt:
    delivery.status, delivery.error = status, error
    delivery.next_attempt_at, delivery.finished_at = None, utcnow()
    db.session.commit()
    return Attempt(status.value)


def retryable(status: int | None) -> bool:
    """Tell whether an answer (None: none came) is worth another try."""
    return status is None or status in RETRY_STATUSES or status >= 500


def attempt(delivery_id: int) -> Attempt:
    """Try one delivery once; say whether it should be tried again and when."""
    delivery = db.session.get(WebhookDelivery, delivery_id)
    if delivery is None:
        return Attempt("gone")  # its endpoint was deleted
    if delivery.status != DeliveryStatus.PENDING:
        return Attempt(delivery.status.value)  # a repeated job: done already
    endpoint = db.session.get(WebhookEndpoint, delivery.endpoint_id)
    if endpoint is None or not endpoint.enabled:
        return _finish(delivery, DeliveryStatus.FAILED, "endpoint_disabled")
    body = payloads.body_of(delivery)
    if body is None:
        return _finish(delivery, DeliveryStatus.WITHHELD)
    secret = signing.unseal(endpoint.sealed_secret)
    if secret is None:
        return _finish(delivery, DeliveryStatus.FAILED, "secret_unreadable")
    config, url = settings(), endpoint.url
    delivery.attempts += 1
    delivery.last_attempt_at, delivery.next_attempt_at = utcnow(), None
    tries, event = delivery.attempts, delivery.event.value
    # The try is counted before the request: no transaction stays open while the receiver thinks.
    db.session.commit()
    status, error = _post(
        url, body, secret, event, delivery_id, float(config.webhook_timeout_seconds)
    )
    delivery = db.session.get(WebhookDelivery, delivery_id)
    if delivery is None:
        return Attempt("gone")
    delivery.response_code, delivery.error = status, error
    if status is not None and 200 <= status < 300:
        return _finish(delivery, DeliveryStatus.DELIVERED)
    if error in {"private_address", "scheme", "not_url", "no_host", "credentials"}:
        return _finish(delivery, DeliveryStatus.FAILED, error)
    if retryable(status) and tries < config.webhook_max_attempts:
        wait = backoff(tries)
        delivery.next_attempt_at = utcnow() + timedelta(seconds=wait)
        db.session.commit()
        return Attempt("retry", wait)
    return _finish(delivery, DeliveryStatus.FAILED, error)


def _post(
    url: str, body: bytes, secret: str, event: str, delivery_id: int, timeout: float
) -> tuple[int | None, str | None]:
    """POST the signed body; return the status code, or None and why nothing came back."""
    try:
        # Checked again now: the name may resolve elsewhere than at registration.
        target = outbound.split_url(url, schemes=("https", "http"))
        address = outbound.addresses_for(target, test_hosts())[0]
    except outbound.Refused as refused:
        log.warning("webhook delivery %s refused: %s", delivery_id, refused.code)
        return None, refused.code
    timestamp = int(time.time())
    headers = {
        "Content-Type": "application/json",
        "User-Agent": USER_AGENT,
        "Upstander-Event": event,
        "Upstander-Delivery": str(delivery_id),
        signing.SIGNATURE_HEADER: signing.signature_header(secret, timestamp, body),
    }
    try:
        answer = outbound.post(target, address, body, headers, timeout=timeout)
    except TimeoutError:
        return None, "timeout"
    except OSError as failure:
        log.info("webhook delivery %s: %s", delivery_id, type(failure).__name__)
        return None, "connection"
    return answer.status, None


def lost(now: datetime | None = None, limit: int = 200) -> list[int]:
    """Return waiting deliveries long past their time: their job never ran (the broker lost it)."""
    cutoff = (now or utcnow()) - LOST_AFTER
    due = sa.func.coalesce(
        WebhookDelivery.next_attempt_at, WebhookDelivery.last_attempt_at, WebhookDelivery.created_at
    )
    return list(
        db.session.scalars(
            sa.select(WebhookDelivery.id)
            .where(WebhookDelivery.status == DeliveryStatus.PENDING, due < cutoff)
            .order_by(WebhookDelivery.id)
            .limit(limit)
        )
    )
