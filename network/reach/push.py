"""Sending one Web Push message: encrypted (aes128gcm), signed with VAPID, with TTL and Urgency."""

from __future__ import annotations

import json
import logging
from dataclasses import asdict, dataclass
from enum import StrEnum

import requests
import sqlalchemy as sa

from network.db import utcnow
from network.extensions import db
from network.reach import vapid
from network.reach.models import PushSubscription
from network.settings import settings

log = logging.getLogger(__name__)


class Sent(StrEnum):
    """What became of one push."""

    SENT = "sent"
    GONE = "gone"  # the push service forgot the browser (404/410): the subscription is removed
    FAILED = "failed"  # for now (5xx, 429, a timeout): worth another try later
    REFUSED = "refused"  # the service will not take this push (another 4xx): trying again is futile


# Besides every 5xx: a request timeout, "too early" and rate limiting pass.
TRANSIENT = frozenset({408, 425, 429})


def transient(status: int | None) -> bool:
    """Whether a push the service answered with `status` (None: no answer) may work later."""
    return status is None or status >= 500 or status in TRANSIENT


@dataclass
class Message:
    """What the service worker shows: small and discreet (no summary, no link text)."""

    kind: str
    title: str
    body: str
    path: str
    tag: str
    ttl: int
    urgency: str = "normal"

    def payload(self) -> bytes:
        fields = asdict(self)
        del fields["ttl"], fields["urgency"]
        return json.dumps(fields, separators=(",", ":")).encode()

    @classmethod
    def of(cls, fields: dict[str, object]) -> Message:
        return cls(**fields)  # type: ignore[arg-type]


def send(subscription: PushSubscription, message: Message) -> Sent:
    """Push one message to one browser (in the caller's transaction: a gone one is deleted)."""
    # Imported when a push is sent (by a worker): a tenth of a second that processes which
    # never push (the web processes, most commands) do not spend starting.
    from pywebpush import WebPushException, webpush

    key = vapid.vapid()
    if key is None:
        return Sent.FAILED
    try:
        webpush(
            {
                "endpoint": subscription.endpoint,
                "keys": {"p256dh": subscription.p256dh, "auth": subscription.auth},
            },
            data=message.payload(),
            vapid_private_key=key,
            vapid_claims={"sub": vapid.subject()},
            content_encoding="aes128gcm",
            ttl=message.ttl,
            headers={"Urgency": message.urgency, "Topic": message.tag[:32]},
            timeout=float(settings().push_timeout_seconds),
        )
    except WebPushException as error:
        status = error.response.status_code if error.response is not None else None
        if status in (404, 410):
            db.session.execute(
                sa.delete(PushSubscription).where(PushSubscription.id == subscription.id)
            )
            log.info("push subscription %s is gone (%s); removed", subscription.id, status)
            return Sent.GONE
        log.warning("push to subscription %s failed: %s", subscription.id, status)
        return Sent.FAILED if transient(status) else Sent.REFUSED
    except requests.RequestException as error:
        log.warning("push to subscription %s failed: %s", subscription.id, type(error).__name__)
        return Sent.FAILED
    subscription.last_sent_at = utcnow()
    return Sent.SENT
