"""API resource: the member's data export."""

from __future__ import annotations

from network.accounts.models import Member
from network.api import operation
from network.privacy.queries import export_of
from network.privacy.schemas import MemberExport


@operation("/me/export", "GET", tag="me", response=MemberExport)
def export_me(actor: Member) -> MemberExport:
    """Return everything the network stores about you (profile, alerts, actions, digests, …)."""
    return export_of(actor)
