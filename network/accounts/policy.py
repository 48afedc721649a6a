"""Who holds which role in the network: checks every feature's services call."""

from __future__ import annotations

from network.accounts.models import Member
from network.errors import Forbidden
from network.translation import gettext as _


def require_organiser(member: Member) -> None:
    """Refuse anyone who is not an organiser or admin."""
    if not member.is_organiser:
        raise Forbidden(_("Only organisers can do this."))
