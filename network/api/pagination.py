"""Cursor pagination: opaque cursors that encode the position after the last item."""

from __future__ import annotations

import base64
import json
from typing import Any

from flask_babel import gettext as _

from network.errors import ValidationFailed


def encode_cursor(position: dict[str, Any]) -> str:
    """Encode a position as an opaque cursor."""
    raw = json.dumps(position, separators=(",", ":"), sort_keys=True).encode()
    return base64.urlsafe_b64encode(raw).decode().rstrip("=")


def decode_cursor(cursor: str | None) -> dict[str, Any] | None:
    """Decode a cursor; a damaged one is a validation error on `cursor`."""
    if not cursor:
        return None
    try:
        raw = base64.urlsafe_b64decode(cursor + "=" * (-len(cursor) % 4))
        position = json.loads(raw)
    except (ValueError, UnicodeDecodeError):
        position = None
    if not isinstance(position, dict):
        raise ValidationFailed(
            _("Some fields are not valid."), fields={"cursor": _("This cursor is not valid.")}
        )
    return position
