"""Rate limits of coordination: claiming actions (page and API) and events sent over sockets."""

from __future__ import annotations

from limits import parse

from network.alerts.limits import member_key
from network.extensions import limiter
from network.settings import settings

CLAIM_LIMIT = limiter.shared_limit(
    lambda: settings().claim_limit, scope="claim", key_func=member_key
)


def socket_event_allowed(member_id: int) -> bool:
    """Limit how many events one member may send over sockets."""
    limit = parse(settings().socket_event_limit)
    return limiter.hit_or_log(limit, "socket", str(member_id))
