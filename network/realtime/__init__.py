"""The real-time core: the feed-event log, publish(), replay and the registry of live connections.

Services announce changes with `publish()` (network/realtime/log.py); the /feed Socket.IO edge
(network/coordination/events.py) joins connections to their rooms, replays what a reconnecting
client missed (replay.py) and registers each connection (connections.py), so that services can
end a member's or a token's connections without knowing the edge.
"""

from __future__ import annotations

from flask import Flask

from network.realtime import log
from network.realtime.log import as_message, missed_events, publish
from network.realtime.packet import UNREADABLE, FeedPacket
from network.realtime.rooms import (
    NAMESPACE,
    NETWORK_ROOM,
    campaign_room,
    member_room,
    team_room,
    token_room,
)

__all__ = [
    "NAMESPACE",
    "NETWORK_ROOM",
    "UNREADABLE",
    "FeedPacket",
    "as_message",
    "campaign_room",
    "init_app",
    "member_room",
    "missed_events",
    "publish",
    "team_room",
    "token_room",
]


def init_app(app: Flask) -> None:
    """Register the feed-event log's commit listeners on the application's session."""
    log.init_app(app)
