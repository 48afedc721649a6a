"""The registry of live /feed connections: whose they are, and ending them.

The /feed edge registers each connection it accepts; services (logout, password change,
suspension, erasure, token revocation) end a member's or a token's connections through here,
without importing the socket handlers."""

from __future__ import annotations

import logging

from network.extensions import socketio
from network.realtime.rooms import NAMESPACE, member_room, token_room

log = logging.getLogger(__name__)

# Which member, and which API token, each connection of this process authenticated as.
_members: dict[str, int] = {}
_tokens: dict[str, int] = {}


def register(sid: str, member_id: int, token_id: int | None) -> None:
    """Remember whose a newly accepted connection is."""
    _members[sid] = member_id
    if token_id is not None:
        _tokens[sid] = token_id


def forget(sid: str) -> None:
    """Forget a connection that closed (or failed to open)."""
    _members.pop(sid, None)
    _tokens.pop(sid, None)


def member_of(sid: str) -> int | None:
    """Return the member a connection of this process belongs to."""
    return _members.get(sid)


def end_member_connections(member_id: int) -> None:
    """Close a member's live connections after logout, a password change or erasure.

    Every process is told through the queue ("session.ended" in the member's room, then the
    room is closed); this process also drops the connections it holds itself."""
    room = member_room(member_id)
    try:
        socketio.emit("session.ended", {}, to=room, namespace=NAMESPACE)
        socketio.close_room(room, namespace=NAMESPACE)
    except Exception:  # the member's session is revoked either way; sockets re-check on connect
        log.exception("could not tell member %s's connections to close", member_id)
    _drop([sid for sid, owner in list(_members.items()) if owner == member_id])


def end_token_connections(token_id: int) -> None:
    """Close the live connections opened with one API token after it was revoked."""
    room = token_room(token_id)
    try:
        socketio.emit("session.ended", {}, to=room, namespace=NAMESPACE)
        socketio.close_room(room, namespace=NAMESPACE)
    except Exception:  # the token is revoked either way; sockets re-check on connect
        log.exception("could not tell token %s's connections to close", token_id)
    _drop([sid for sid, token in list(_tokens.items()) if token == token_id])


def _drop(sids: list[str]) -> None:
    for sid in sids:
        forget(sid)
        try:
            socketio.server.disconnect(sid, namespace=NAMESPACE)
        except Exception:
            log.exception("could not drop connection %s", sid)
