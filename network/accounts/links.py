"""Signed links mailed to members: password reset and email verification."""

from __future__ import annotations

import hashlib
import hmac

from flask import current_app
from itsdangerous import BadData, URLSafeTimedSerializer

from network.accounts.models import Member

RESET = "password-reset"
VERIFY = "email-verification"


def _serializer(purpose: str) -> URLSafeTimedSerializer:
    # The salt keeps a verification link from working as a reset link and back.
    return URLSafeTimedSerializer(str(current_app.config["SECRET_KEY"]), salt=purpose)


def _fingerprint(*parts: str) -> str:
    key = str(current_app.config["SECRET_KEY"]).encode()
    message = "\x00".join(parts).encode()
    return hmac.new(key, message, hashlib.sha256).hexdigest()[:24]


def reset_fingerprint(member: Member) -> str:
    """Return what a reset link is bound to: it dies once the password or address changes."""
    return _fingerprint(RESET, str(member.id), member.password_hash, member.email)


def reset_token(member: Member) -> str:
    """Return a reset token for the member, valid once and for PASSWORD_RESET_MAX_AGE."""
    return _serializer(RESET).dumps({"m": member.id, "f": reset_fingerprint(member)})


def dummy_reset_token(email: str) -> str:
    """Do the work of reset_token for an address without an account (same answer, same work)."""
    return _serializer(RESET).dumps({"m": 0, "f": _fingerprint(RESET, "0", email, email)})


def verification_token(member: Member) -> str:
    """Return a token proving the member received mail at their current address."""
    return _serializer(VERIFY).dumps({"m": member.id, "e": _fingerprint(VERIFY, member.email)})


def _load(purpose: str, token: str, max_age: int) -> dict[str, object] | None:
    if not token or len(token) > 500:
        return None
    try:
        payload = _serializer(purpose).loads(token, max_age=max_age)
    except BadData:
        return None
    return payload if isinstance(payload, dict) else None


def member_for_reset(token: str) -> Member | None:
    """Return the member of a valid, unused, unexpired reset token."""
    from network.extensions import db

    payload = _load(RESET, token, int(current_app.config["PASSWORD_RESET_MAX_AGE"]))
    member_id = payload.get("m") if payload else None
    if not isinstance(member_id, int) or member_id <= 0 or payload is None:
        return None
    member = db.session.get(Member, member_id)
    if member is None or not hmac.compare_digest(str(payload.get("f")), reset_fingerprint(member)):
        return None
    return member


def member_for_verification(token: str) -> Member | None:
    """Return the member whose current address this verification token proves."""
    from network.extensions import db

    payload = _load(VERIFY, token, int(current_app.config["EMAIL_VERIFICATION_MAX_AGE"]))
    member_id = payload.get("m") if payload else None
    if not isinstance(member_id, int) or member_id <= 0 or payload is None:
        return None
    member = db.session.get(Member, member_id)
    expected = _fingerprint(VERIFY, member.email) if member else ""
    if member is None or not hmac.compare_digest(str(payload.get("e")), expected):
        return None
    return member
