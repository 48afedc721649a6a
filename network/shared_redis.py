"""This app's own Redis clients (presence counts, marks kept for jobs), one per app and use."""

from __future__ import annotations

import redis
from flask import current_app

from network.settings import settings


def client(use: str, timeout: float = 1.0) -> redis.Redis | None:
    """Return the app's client for `use` (made once, with short timeouts: a slow Redis must not
    hold a request up); None in the embedded mode, which has no Redis."""
    url = settings().redis_url
    if not url:
        return None
    key = f"redis_{use}"
    found: redis.Redis | None = current_app.extensions.get(key)
    if found is None:
        found = redis.Redis.from_url(url, socket_timeout=timeout, socket_connect_timeout=timeout)
        current_app.extensions[key] = found
    return found
