"""Who holds which role in the network: checks every feature's services call."""

from __future__ import annotations

from flask_babel import gettext as _

from network.accounts.models import Member
from network.errors import Forbidden


def require_organiser(member: Member) -> None:
    """Refuse anyone who is not an organiser or admin."""
    if not member.is_organiser:
        raise Forbidden(_("Only organisers can do this."))
