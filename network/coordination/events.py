"""Socket.IO namespace /feed: authenticate, join rooms, replay what was missed, presence."""

from __future__ import annotations

import logging
from collections.abc import Callable
from functools import wraps
from typing import Any

from flask import request
from flask_login import current_user
from flask_socketio import ConnectionRefusedError, emit, join_room

from network.accounts.models import Member
from network.accounts.queries import token_for_secret
from network.campaigns.queries import joined_campaign_ids
from network.coordination import limits, presence, queries
from network.extensions import db, socketio
from network.ids import is_id
from network.realtime import connections
from network.realtime.replay import replay_for
from network.realtime.rooms import (
    NAMESPACE,
    NETWORK_ROOM,
    campaign_room,
    member_room,
    team_room,
    token_room,
)
from network.security import is_own_origin
from network.settings import settings
from network.teams.queries import teams_of

log = logging.getLogger(__name__)

# Which alerts each connection watches, and whether the network hears of it, for presence on
# disconnect (per process).
_watching: dict[str, dict[int, bool]] = {}


def _authenticate(auth: Any) -> tuple[Member | None, int | None]:
    """Return the member of the session cookie (sent from the site itself) or of the token, and
    the token's id when a token was used."""
    if current_user.is_authenticated and _from_own_page():
        member: Member = current_user._get_current_object()
        return member, None
    secret = auth.get("token") if isinstance(auth, dict) else None
    if isinstance(secret, str) and secret:
        token = token_for_secret(secret)
        if token is not None:
            return token.member, token.id
    return None, None


def _from_own_page() -> bool:
    """Tell whether the browser says the connection comes from a page of this site.

    A cookie rides along with any request, so only the site's own pages may use it; programs
    authenticate with a token. Browsers send Origin on a WebSocket and on cross-origin requests,
    but not on a same-origin GET such as the long-polling handshake: there they send
    Sec-Fetch-Site, which no page can set."""
    origin = request.headers.get("Origin")
    if origin is not None:
        return is_own_origin(origin, request.environ, settings().site_url)
    return request.headers.get("Sec-Fetch-Site") == "same-origin"


def _since(auth: Any) -> int | None:
    """Return the event id the client has handled, None for live events only; refuse others."""
    since = auth.get("since") if isinstance(auth, dict) else None
    if since is None:
        return None
    if isinstance(since, bool) or not isinstance(since, int) or since < 0:
        raise ConnectionRefusedError("invalid_since")
    return since


def rooms_of(member: Member) -> set[str]:
    """Return the rooms a member's connection belongs to."""
    rooms = {NETWORK_ROOM, member_room(member.id)}
    rooms.update(team_room(team.id) for team in teams_of(member, limit=500))
    rooms.update(campaign_room(campaign) for campaign in joined_campaign_ids(member.id))
    return rooms


def _reading(handler: Callable[..., Any]) -> Callable[..., Any]:
    """Run a socket handler as a read use case (authenticating, replaying, checking an alert):
    on SQLite it takes no write lock."""

    @wraps(handler)
    def run(*args: Any, **kwargs: Any) -> Any:
        with db.reading():
            return handler(*args, **kwargs)

    return run


@socketio.on("connect", namespace=NAMESPACE)
@_reading
def connect(auth: Any = None) -> None:
    """Accept logged-in members (session or token), join their rooms, replay missed events."""
    if auth is not None and not isinstance(auth, dict):
        raise ConnectionRefusedError("invalid")  # auth data is an object (or unreadable)
    member, token_id = _authenticate(auth)
    if member is None:
        raise ConnectionRefusedError("unauthorised")
    since = _since(auth)
    rooms = rooms_of(member)
    for room in rooms:
        join_room(room)
    if token_id is not None:
        join_room(token_room(token_id))
    connections.register(request.sid, member.id, token_id)  # type: ignore[attr-defined]
    if since is not None:
        replay = replay_for(member, since, rooms, settings().feed_replay_limit)
        if replay.reset is not None:
            emit("feed.reset", {"reason": replay.reset})
        for event, message in replay.messages:
            emit(event, message)
    db.session.remove()


@socketio.on("disconnect", namespace=NAMESPACE)
def disconnect(*_args: Any) -> None:
    """Forget the connection's presence."""
    sid = request.sid  # type: ignore[attr-defined]
    connections.forget(sid)
    for alert_id, announced in _watching.pop(sid, {}).items():
        viewers = presence.unwatch(alert_id, sid)
        if not announced:
            continue
        socketio.emit(
            "alert.viewers",
            {"alert_id": alert_id, "viewers": viewers},
            to=NETWORK_ROOM,
            namespace=NAMESPACE,
        )


@socketio.on("watch", namespace=NAMESPACE)
@_reading
def watch(message: Any = None, *_extra: Any) -> dict[str, Any]:
    """Count the member as looking at an alert they may see; answer with the viewer count."""
    sid = request.sid  # type: ignore[attr-defined]
    member_id = connections.member_of(sid)
    if member_id is None or not limits.socket_event_allowed(member_id):
        return {"error": "rate_limited" if member_id else "unauthorised"}
    alert_id = message.get("alert_id") if isinstance(message, dict) else None
    if not is_id(alert_id):
        return {"error": "invalid"}
    try:
        # Pending, rejected and hidden alerts exist for their reporters and organisers alone:
        # the network does not even hear their ids through the viewer counts.
        announced = queries.watchable(member_id, alert_id)
    finally:
        db.session.remove()
    if announced is None:
        return {"error": "not_found"}
    _watching.setdefault(sid, {})[alert_id] = announced
    viewers = presence.watch(alert_id, sid)
    if not announced:
        return {"viewers": viewers}
    socketio.emit(
        "alert.viewers",
        {"alert_id": alert_id, "viewers": viewers},
        to=NETWORK_ROOM,
        namespace=NAMESPACE,
    )
    return {"viewers": viewers}


@socketio.on_error(NAMESPACE)
def failed(error: Exception) -> dict[str, str]:
    """Answer an event that failed unexpectedly with an error; refuse a failed connection."""
    log.error("socket event failed", exc_info=error)
    db.session.rollback()
    db.session.remove()
    event = getattr(request, "event", None) or {}
    if event.get("message") == "connect":
        connections.forget(request.sid)  # type: ignore[attr-defined]
        raise ConnectionRefusedError("unavailable")
    return {"error": "internal"}
