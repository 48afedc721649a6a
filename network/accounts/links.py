"""Signed links mailed to members: password reset and email verification."""

from __future__ import annotations

import hashlib
import hmac

from itsdangerous import BadData, URLSafeTimedSerializer

from network.accounts.models import Member
from network.extensions import db
from network.settings import settings

RESET = "password-reset"
VERIFY = "email-verification"
CHANGE = "email-change"


def _serializer(purpose: str) -> URLSafeTimedSerializer:
    # The salt keeps a verification link from working as a reset link and back.
    return URLSafeTimedSerializer(settings().secret_key, salt=purpose)


def _fingerprint(*parts: str) -> str:
    key = settings().secret_key.encode()
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


def _member_in(purpose: str, token: str, max_age: int) -> tuple[Member, dict[str, object]] | None:
    """Return the member a valid, unexpired token of this purpose names, with its payload."""
    if not token or len(token) > 500:
        return None
    try:
        payload = _serializer(purpose).loads(token, max_age=max_age)
    except BadData:
        return None
    member_id = payload.get("m") if isinstance(payload, dict) else None
    if not isinstance(member_id, int) or member_id <= 0:
        return None
    member = db.session.get(Member, member_id)
    return (member, payload) if member is not None else None


def member_for_reset(token: str) -> Member | None:
    """Return the member of a valid, unused, unexpired reset token."""
    found = _member_in(RESET, token, settings().password_reset_max_age)
    if found is None:
        return None
    member, payload = found
    # Bound to the password hash and address: a used link (the hash changed) no longer matches.
    if not hmac.compare_digest(str(payload.get("f")), reset_fingerprint(member)):
        return None
    return member


def member_for_verification(token: str) -> Member | None:
    """Return the member whose current address this verification token proves."""
    found = _member_in(VERIFY, token, settings().email_verification_max_age)
    if found is None:
        return None
    member, payload = found
    if not hmac.compare_digest(str(payload.get("e")), _fingerprint(VERIFY, member.email)):
        return None
    return member


def email_change_token(member: Member, new_email: str) -> str:
    """Return a token that gives the member a new address, mailed to that address."""
    return _serializer(CHANGE).dumps(
        {"m": member.id, "e": new_email, "f": reset_fingerprint(member)}
    )


def email_change(token: str) -> tuple[Member, str] | None:
    """Return the member and new address of a valid change token.

    Bound like a reset link to the password and old address: it dies when either changes."""
    found = _member_in(CHANGE, token, settings().email_verification_max_age)
    if found is None:
        return None
    member, payload = found
    address = payload.get("e")
    if not isinstance(address, str) or not address:
        return None
    if not hmac.compare_digest(str(payload.get("f")), reset_fingerprint(member)):
        return None
    return member, address
