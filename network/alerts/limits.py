"""Rate limits of posting and flagging alerts, per member, shared by the page and the API."""

from __future__ import annotations

from flask import Response, g
from flask_limiter.util import get_remote_address
from flask_login import current_user

from network.extensions import limiter
from network.settings import settings


def alert_post_limit() -> str:
    """New members may post a few alerts a day; trusted members more."""
    trusted = current_user.is_authenticated and current_user.trust_level >= 1
    config = settings()
    return config.alert_limit_trusted if trusted else config.alert_limit_new_member


def member_key() -> str:
    """Key limits by member, so changing IP does not reset them."""
    if current_user.is_authenticated:
        return f"member:{current_user.id}"
    return f"ip:{get_remote_address()}"


def _counted(response: Response) -> bool:
    # Only posts that went through count, whether they came from the API or the page.
    return bool(g.get("limited_action_done"))


def count_against_limit() -> None:
    """Mark this request's alert post or flag as one that counts against the limit."""
    g.limited_action_done = True


POST_LIMIT = limiter.shared_limit(
    alert_post_limit, scope="alert-post", key_func=member_key, deduct_when=_counted
)
FLAG_LIMIT = limiter.shared_limit(
    lambda: settings().flag_limit,
    scope="alert-flag",
    key_func=member_key,
    deduct_when=_counted,
)
