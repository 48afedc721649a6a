"""Cursor pagination: opaque cursors that encode the position after the last item."""

from __future__ import annotations

import base64
import json
from typing import Any

from network.edge import loads_bounded
from network.errors import ValidationFailed
from network.ids import MAX_ID
from network.text import unstorable_problem
from network.translation import gettext as _


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
        position = loads_bounded(raw)
    except ValueError:  # UnicodeDecodeError and binascii.Error are ValueErrors too
        position = None
    if not isinstance(position, dict) or not all(map(_plain, position.values())):
        raise ValidationFailed(
            _("Some fields are not valid."), fields={"cursor": _("This cursor is not valid.")}
        )
    return position


def _plain(value: Any) -> bool:
    """Tell whether a cursor value is one the queries can bind: a small number or a short text."""
    if isinstance(value, bool):
        return True
    if isinstance(value, int):
        return abs(value) <= MAX_ID
    return isinstance(value, str) and len(value) <= 64 and unstorable_problem(value) is None
