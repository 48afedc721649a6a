"""Which alerts the network was told of already, for a job of several alerts run again.

A job run again after its worker died tells again the alert it was busy with (better twice than
never); in a job of several alerts, those it had finished are skipped by this mark. Kept in Redis
(the broker that redelivers jobs) for a week; without Redis no job is ever run again."""

from __future__ import annotations

import logging

import redis

from network import shared_redis

log = logging.getLogger(__name__)

KEY = "upstander:alert-told:{}"
KEPT_SECONDS = 7 * 24 * 3600  # far longer than any job waits to be handed out again


def _client() -> redis.Redis | None:
    return shared_redis.client("told", timeout=2)


def remember(alert_id: int) -> None:
    """Mark the alert told; a failure is logged (the alert may then be told twice)."""
    client = _client()
    if client is None:
        return
    try:
        client.set(KEY.format(alert_id), 1, ex=KEPT_SECONDS)
    except redis.RedisError:
        log.exception("could not mark alert %s told", alert_id)


def already(alert_id: int) -> bool:
    """Whether the alert was marked told; unknown (Redis down) counts as not told."""
    client = _client()
    if client is None:
        return False
    try:
        return bool(client.exists(KEY.format(alert_id)))
    except redis.RedisError:
        log.exception("could not read whether alert %s was told", alert_id)
        return False
