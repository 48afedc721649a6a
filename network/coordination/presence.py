"""Who is looking at an alert right now: counted across processes in Redis when configured,
in this process otherwise (the embedded mode has only one)."""

from __future__ import annotations

import threading
import time
from collections import defaultdict

import redis
from flask import current_app

from network import shared_redis

WINDOW_SECONDS = 300
_lock = threading.Lock()


def _local() -> defaultdict[int, dict[str, float]]:
    # Kept per app, not per module: a process that builds several apps (the tests build one per
    # database) must not count one app's viewers in another's alert of the same id.
    viewers: defaultdict[int, dict[str, float]] = current_app.extensions.setdefault(
        "presence_local", defaultdict(dict)
    )
    return viewers


def _client() -> redis.Redis | None:
    return shared_redis.client("presence")


def watch(alert_id: int, sid: str) -> int:
    """Count this connection as looking at the alert; return how many look now."""
    now = time.time()
    client = _client()
    if client is not None:
        key = f"upstander:presence:{alert_id}"
        pipe = client.pipeline()
        pipe.zadd(key, {sid: now})
        pipe.zremrangebyscore(key, 0, now - WINDOW_SECONDS)
        pipe.expire(key, WINDOW_SECONDS)
        pipe.zcard(key)
        return int(pipe.execute()[-1])
    with _lock:
        viewers = _local()[alert_id]
        viewers[sid] = now
        for stale in [s for s, seen in viewers.items() if seen < now - WINDOW_SECONDS]:
            del viewers[stale]
        return len(viewers)


def unwatch(alert_id: int, sid: str) -> int:
    """Stop counting this connection for the alert; return how many still look."""
    client = _client()
    if client is not None:
        key = f"upstander:presence:{alert_id}"
        pipe = client.pipeline()
        pipe.zrem(key, sid)
        pipe.zcard(key)
        return int(pipe.execute()[-1])
    with _lock:
        _local()[alert_id].pop(sid, None)
        return len(_local()[alert_id])
