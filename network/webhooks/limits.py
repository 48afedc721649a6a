"""Rate limit of webhook changes and resends, per organiser, shared by the pages and the API."""

from __future__ import annotations

from network.alerts.limits import member_key
from network.extensions import limiter
from network.settings import settings

# Confirmation pages (GET) are free: only the changes count.
WEBHOOK_LIMIT = limiter.shared_limit(
    lambda: settings().webhook_limit,
    scope="webhook",
    key_func=member_key,
    methods=["POST", "PATCH", "DELETE"],
)
