"""Personal access tokens: their secrets and the form they are stored in."""

from __future__ import annotations

import hashlib
import secrets

TOKEN_PREFIX = "upn_"  # noqa: S105 (a prefix, not a secret)


def new_secret() -> str:
    """Return a fresh token secret, recognisable by its prefix (and redacted from logs by it)."""
    return TOKEN_PREFIX + secrets.token_urlsafe(32)


def token_digest(secret: str) -> str:
    """Return the stored form of a token: tokens are random, so one SHA-256 round suffices."""
    return hashlib.sha256(secret.encode()).hexdigest()


def looks_like_token(secret: str) -> bool:
    """Tell whether a text could be a token at all (ASCII, our prefix, a sane length)."""
    # Tokens are ASCII; other text (a lone surrogate from JSON, say) cannot even be hashed.
    return secret.startswith(TOKEN_PREFIX) and len(secret) <= 100 and secret.isascii()
