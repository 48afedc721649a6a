"""The signed token of a digest's one-click unsubscribe link."""

from __future__ import annotations

from itsdangerous import BadSignature, URLSafeSerializer

from network.accounts.models import Member
from network.extensions import db
from network.settings import settings


def unsubscribe_token(member: Member) -> str:
    """Return the signed token of the one-click unsubscribe link."""
    serializer = URLSafeSerializer(settings().secret_key, salt="digest-unsubscribe")
    return str(serializer.dumps({"m": member.id}))


def member_for_token(token: str) -> Member | None:
    """Return the member an unsubscribe token was made for; None when it is not valid."""
    serializer = URLSafeSerializer(settings().secret_key, salt="digest-unsubscribe")
    try:
        payload = serializer.loads(token)
    except BadSignature:
        return None
    member_id = payload.get("m") if isinstance(payload, dict) else None
    if not isinstance(member_id, int):
        return None
    return db.session.get(Member, member_id)
