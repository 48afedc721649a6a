"""The VAPID key pair that signs our pushes (RFC 8292): from settings, or made on first run."""

from __future__ import annotations

import base64
import os
from pathlib import Path

from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import ec
from flask import current_app
from py_vapid import Vapid

from network.settings import settings

KEY_FILE = "vapid_private.pem"


def vapid() -> Vapid | None:
    """Return the signing key: VAPID_PRIVATE_KEY, else (embedded mode) the instance folder's."""
    cached = current_app.extensions.get("vapid")
    if cached is not None:
        return cached
    configured = (settings().vapid_private_key or "").strip()
    if configured:
        key = (
            Vapid.from_pem(configured.encode())
            if configured.startswith("-----BEGIN")
            else Vapid.from_string(configured)
        )
    elif settings().celery_embedded:
        key = Vapid.from_pem(_instance_key(Path(settings().instance_path)))
    else:
        return None  # push is off until an operator sets the keys
    current_app.extensions["vapid"] = key
    return key


def _instance_key(instance: Path) -> bytes:
    """Read the instance folder's key, creating it once (never overwritten: subscriptions
    made with its public key would stop working)."""
    path = instance / KEY_FILE
    if not path.exists():
        instance.mkdir(parents=True, exist_ok=True)
        pem = ec.generate_private_key(ec.SECP256R1()).private_bytes(
            serialization.Encoding.PEM,
            serialization.PrivateFormat.PKCS8,
            serialization.NoEncryption(),
        )
        try:
            descriptor = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        except FileExistsError:
            pass  # another thread made it first; read theirs
        else:
            with os.fdopen(descriptor, "wb") as file:
                file.write(pem)
    return path.read_bytes()


def application_server_key() -> str | None:
    """Return the public key browsers subscribe with (base64url, uncompressed point)."""
    key = vapid()
    if key is None:
        return None
    raw = key.public_key.public_bytes(
        serialization.Encoding.X962, serialization.PublicFormat.UncompressedPoint
    )
    return base64.urlsafe_b64encode(raw).rstrip(b"=").decode()


def subject() -> str:
    """Return the contact push services may use (a mailto: or https: URL)."""
    configured = (settings().vapid_subject or "").strip()
    if configured:
        return configured
    site = settings().site_url
    return site if site.startswith("https://") else "mailto:noreply@localhost"
