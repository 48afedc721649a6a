"""Webhook secrets and signatures.

A delivery is signed with HMAC-SHA256 over `timestamp + "." + body`, keyed with the endpoint's
secret; the receiver recomputes it (docs/api.md, "Webhooks"). HMAC needs the secret itself, so it
cannot be stored as a hash: it is stored sealed (Fernet) with a key derived from SECRET_KEY, so a
copy of the database alone does not let anyone sign. A changed SECRET_KEY leaves the sealed
secrets unreadable: their deliveries fail with `secret_unreadable` until the secret is rotated."""

from __future__ import annotations

import base64
import hashlib
import hmac
import secrets

from cryptography.fernet import Fernet, InvalidToken
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.kdf.hkdf import HKDF

from network.settings import settings

SIGNATURE_HEADER = "Upstander-Signature"
PREFIX = "whsec_"


def new_secret() -> str:
    """Make a signing secret (shown to the organiser once)."""
    return PREFIX + secrets.token_urlsafe(32)


def _fernet() -> Fernet:
    key = HKDF(
        algorithm=hashes.SHA256(), length=32, salt=None, info=b"upstander webhook secrets"
    ).derive(settings().secret_key.encode())
    return Fernet(base64.urlsafe_b64encode(key))


def seal(secret: str) -> str:
    """Encrypt a secret for the database."""
    return _fernet().encrypt(secret.encode()).decode()


def unseal(sealed: str) -> str | None:
    """Decrypt a stored secret; None when SECRET_KEY changed since it was sealed."""
    try:
        return _fernet().decrypt(sealed.encode()).decode()
    except (InvalidToken, ValueError):
        return None


def signature(secret: str, timestamp: int, body: bytes) -> str:
    """Return the hex HMAC-SHA256 of `timestamp.body` under the secret."""
    signed = str(timestamp).encode() + b"." + body
    return hmac.new(secret.encode(), signed, hashlib.sha256).hexdigest()


def signature_header(secret: str, timestamp: int, body: bytes) -> str:
    """Return the Upstander-Signature header's value: `t=<unix seconds>,v1=<hex>`."""
    return f"t={timestamp},v1={signature(secret, timestamp, body)}"
