"""Email addresses: the one form they are stored, compared and rate limited in.

A leaf module (it imports nothing of the app), so schemas, forms, services and limits can all use
it without importing each other."""

from __future__ import annotations

import contextlib

from email_validator import validate_email


def normalise_email(email: str) -> str:
    """Return the email address in the one form it is stored, compared and rate limited in.

    The same rule as the API's EmailStr (the email_validator package's normalisation: IDNA and
    Unicode NFC, so a full-width letter or an ideographic full stop in the domain, or its upper
    case, names the same mailbox), then lower case. Never raises: an address it cannot read is
    only trimmed and lowered (a form or schema refuses it; a limiter key must still be computed).
    """
    address = str(email).strip()
    with contextlib.suppress(ValueError):  # EmailNotValidError and encoding errors alike
        address = validate_email(
            address, check_deliverability=False, globally_deliverable=False, test_environment=True
        ).normalized
    return address.lower()
