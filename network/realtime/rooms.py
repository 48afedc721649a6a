"""The rooms of the /feed namespace: who hears an event."""

from __future__ import annotations

NAMESPACE = "/feed"
NETWORK_ROOM = "network"


def member_room(member_id: int) -> str:
    return f"member:{member_id}"


def team_room(team_id: int) -> str:
    return f"team:{team_id}"


def campaign_room(campaign_id: int) -> str:
    return f"campaign:{campaign_id}"


def token_room(token_id: int) -> str:
    """Return the room of the connections opened with one API token."""
    return f"token:{token_id}"
