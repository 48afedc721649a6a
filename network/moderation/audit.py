"""Write audit entries; callers commit them together with the change they describe."""

from __future__ import annotations

from typing import Any

from network.accounts.models import Member
from network.extensions import db
from network.moderation.models import AuditEntry


def record(
    actor: Member | None, action: str, subject_type: str, subject_id: int, **details: Any
) -> AuditEntry:
    """Add an audit entry to the current transaction."""
    entry = AuditEntry(
        actor_id=actor.id if actor else None,
        action=action,
        subject_type=subject_type,
        subject_id=subject_id,
        details=details,
    )
    db.session.add(entry)
    return entry
