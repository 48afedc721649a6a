"""Socket.IO namespace /feed: authenticate, join rooms, replay what was missed, presence."""

from __future__ import annotations

import logging
from typing import Any

from flask import current_app, request
from flask_login import current_user
from flask_socketio import ConnectionRefusedError, emit, join_room
from limits import parse

from network.accounts.models import Member
from network.accounts.queries import token_for_secret
from network.alerts import policy
from network.alerts.models import Alert
from network.campaigns.queries import joined_campaign_ids
from network.coordination import presence
from network.extensions import db, limiter, socketio
from network.ids import is_id
from network.realtime import (
    NAMESPACE,
    NETWORK_ROOM,
    as_message,
    campaign_room,
    member_room,
    missed_events,
    team_room,
)
from network.teams.queries import teams_of

log = logging.getLogger(__name__)

# Which alerts each connection watches, for presence on disconnect (per process).
_watching: dict[str, set[int]] = {}
_members: dict[str, int] = {}
# Which API token each connection authenticated with, so revoking one token closes them.
_tokens: dict[str, int] = {}


def token_room(token_id: int) -> str:
    """Return the room of the connections opened with one API token."""
    return f"token:{token_id}"


def _authenticate(auth: Any) -> tuple[Member | None, int | None]:
    if current_user.is_authenticated:
        member: Member = current_user._get_current_object()
        return member, None
    secret = auth.get("token") if isinstance(auth, dict) else None
    if isinstance(secret, str) and secret:
        token = token_for_secret(secret)
        if token is not None:
            return token.member, token.id
    return None, None


def rooms_of(member: Member) -> set[str]:
    """Return the rooms a member's connection belongs to."""
    rooms = {NETWORK_ROOM, member_room(member.id)}
    rooms.update(team_room(team.id) for team in teams_of(member, limit=500))
    rooms.update(campaign_room(campaign) for campaign in joined_campaign_ids(member.id))
    return rooms


def _allowed(member_id: int) -> bool:
    """Limit how many events one member may send over sockets."""
    limit = parse(str(current_app.config["SOCKET_EVENT_LIMIT"]))
    return limiter.hit_or_log(limit, "socket", str(member_id))


@socketio.on("connect", namespace=NAMESPACE)
def connect(auth: Any = None) -> None:
    """Accept logged-in members (session or token), join their rooms, replay missed events."""
    member, token_id = _authenticate(auth)
    if member is None:
        raise ConnectionRefusedError("unauthorised")
    rooms = rooms_of(member)
    for room in rooms:
        join_room(room)
    _members[request.sid] = member.id  # type: ignore[attr-defined]
    if token_id is not None:
        join_room(token_room(token_id))
        _tokens[request.sid] = token_id  # type: ignore[attr-defined]
    since = auth.get("since") if isinstance(auth, dict) else None
    if isinstance(since, int) and since >= 0:
        limit = int(current_app.config["FEED_REPLAY_LIMIT"])
        events, overflow = missed_events(since, rooms, limit)
        if overflow:
            emit("feed.reset", {"reason": "too_many_missed_events"})
        else:
            for record in events:
                emit(record.event, as_message(record))
    db.session.remove()


@socketio.on("disconnect", namespace=NAMESPACE)
def disconnect(*_args: Any) -> None:
    """Forget the connection's presence."""
    sid = request.sid  # type: ignore[attr-defined]
    _members.pop(sid, None)
    _tokens.pop(sid, None)
    for alert_id in _watching.pop(sid, set()):
        viewers = presence.unwatch(alert_id, sid)
        socketio.emit(
            "alert.viewers",
            {"alert_id": alert_id, "viewers": viewers},
            to=NETWORK_ROOM,
            namespace=NAMESPACE,
        )


@socketio.on("watch", namespace=NAMESPACE)
def watch(message: Any) -> dict[str, Any]:
    """Count the member as looking at an alert they may see; answer with the viewer count."""
    sid = request.sid  # type: ignore[attr-defined]
    member_id = _members.get(sid)
    if member_id is None or not _allowed(member_id):
        return {"error": "rate_limited" if member_id else "unauthorised"}
    alert_id = message.get("alert_id") if isinstance(message, dict) else None
    if not is_id(alert_id):
        return {"error": "invalid"}
    member = db.session.get(Member, member_id)
    alert = db.session.get(Alert, alert_id)
    try:
        if member is None or alert is None or not policy.can_see(member, alert):
            return {"error": "not_found"}
    finally:
        db.session.remove()
    _watching.setdefault(sid, set()).add(alert_id)
    viewers = presence.watch(alert_id, sid)
    socketio.emit(
        "alert.viewers",
        {"alert_id": alert_id, "viewers": viewers},
        to=NETWORK_ROOM,
        namespace=NAMESPACE,
    )
    return {"viewers": viewers}


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
    for sid in [sid for sid, owner in list(_members.items()) if owner == member_id]:
        _members.pop(sid, None)
        _tokens.pop(sid, None)
        try:
            socketio.server.disconnect(sid, namespace=NAMESPACE)
        except Exception:
            log.exception("could not drop connection %s", sid)


def end_token_connections(token_id: int) -> None:
    """Close the live connections opened with one API token after it was revoked."""
    room = token_room(token_id)
    try:
        socketio.emit("session.ended", {}, to=room, namespace=NAMESPACE)
        socketio.close_room(room, namespace=NAMESPACE)
    except Exception:  # the token is revoked either way; sockets re-check on connect
        log.exception("could not tell token %s's connections to close", token_id)
    for sid in [sid for sid, token in list(_tokens.items()) if token == token_id]:
        _tokens.pop(sid, None)
        _members.pop(sid, None)
        try:
            socketio.server.disconnect(sid, namespace=NAMESPACE)
        except Exception:
            log.exception("could not drop connection %s", sid)
