"""The signed token of a digest's one-click unsubscribe link."""

from __future__ import annotations

from functools import lru_cache

from itsdangerous import BadSignature, URLSafeSerializer

from network.accounts.models import Member
from network.extensions import db
from network.settings import settings


def unsubscribe_token(member: Member) -> str:
    """Return the signed token of the one-click unsubscribe link."""
    return str(_serializer(settings().secret_key).dumps({"m": member.id}))


def member_for_token(token: str) -> Member | None:
    """Return the member an unsubscribe token was made for; None when it is not valid."""
    try:
        payload = _serializer(settings().secret_key).loads(token)
    except BadSignature:
        return None
    member_id = payload.get("m") if isinstance(payload, dict) else None
    if not isinstance(member_id, int):
        return None
    return db.session.get(Member, member_id)


@lru_cache(maxsize=4)
def _serializer(secret_key: str) -> URLSafeSerializer:
    """One serializer per secret key: a digest batch signs hundreds of tokens."""
    return URLSafeSerializer(secret_key, salt="digest-unsubscribe")
