"""Real-time events: persisted in the feed-event log with the change, emitted after the commit.

Services call publish() inside their transaction. The FeedEvent row is written just before the
commit and commits (or rolls back) with the change it describes; only after the commit is the
event emitted to Socket.IO — through the Redis message queue when configured, so web processes
and Celery workers reach every client.
"""

from __future__ import annotations

import json
import logging
import re
from typing import Any

import sqlalchemy as sa
from socketio import packet
from sqlalchemy.orm import Session

from network.coordination.models import FeedEvent
from network.extensions import db, socketio

NAMESPACE = "/feed"
NETWORK_ROOM = "network"
log = logging.getLogger(__name__)


# The event name of an event packet: its type, attachments, namespace and id, then `["name"`.
EVENT_NAME = re.compile(r'^[0-9](?:[0-9]+-)?(?:/[^,]*,)?[0-9]*\[\s*("(?:[^"\\]|\\.){0,64}")')


CLIENT_PACKETS = (
    packet.CONNECT,
    packet.DISCONNECT,
    packet.EVENT,
    packet.ACK,
    packet.BINARY_EVENT,
    packet.BINARY_ACK,
)


class Unreadable:
    """What a client sent that could not be read as JSON (too deep, malformed); refused."""

    def __repr__(self) -> str:
        return "<unreadable>"


UNREADABLE = Unreadable()


class FeedPacket(packet.Packet):
    """A Socket.IO packet whose unreadable data reaches the handlers as UNREADABLE.

    python-socketio decodes before any handler runs: data nested deeper than the JSON decoder
    goes, malformed JSON or an event without a name would end in an exception inside the
    library, with no answer to the client. Read as UNREADABLE, the event still reaches its
    handler (when its name can be read), which answers {"error": "invalid"}."""

    data: Any
    packet_type: int
    id: int | None

    def decode(self, encoded_packet: Any) -> int:
        try:
            count = int(super().decode(encoded_packet) or 0)
        except (ValueError, TypeError, RecursionError):
            count, self.data = 0, UNREADABLE
        if self.packet_type not in CLIENT_PACKETS:
            # Only the server sends CONNECT_ERROR; the library would raise on receiving one.
            self.packet_type, self.id = packet.EVENT, None
        if self.packet_type in (packet.EVENT, packet.BINARY_EVENT) and not (
            isinstance(self.data, list) and self.data and isinstance(self.data[0], str)
        ):
            self.data = [_event_name(encoded_packet), UNREADABLE]
        return count


def _event_name(encoded_packet: Any) -> str:
    found = EVENT_NAME.match(encoded_packet) if isinstance(encoded_packet, str) else None
    try:
        name = json.loads(found.group(1)) if found else ""
    except ValueError:
        return ""
    return name if isinstance(name, str) else ""


def member_room(member_id: int) -> str:
    return f"member:{member_id}"


def team_room(team_id: int) -> str:
    return f"team:{team_id}"


def campaign_room(campaign_id: int) -> str:
    return f"campaign:{campaign_id}"


def publish(event: str, payload: dict[str, Any], rooms: list[str]) -> FeedEvent:
    """Record an event in the current transaction; it is emitted once the transaction commits."""
    record = FeedEvent(event=event, rooms=rooms, payload=payload)
    db.session.info.setdefault("pending_events", []).append(record)
    return record


@sa.event.listens_for(Session, "before_commit")
def _log_before_commit(session: Session) -> None:
    pending: list[FeedEvent] = session.info.get("pending_events", [])
    if not pending:
        return
    if session.get_bind().dialect.name == "postgresql":
        # Event ids must commit in id order, or a client replaying "since" could skip one. The
        # lock is taken only now, so it is held for the insert and the commit alone: held from
        # the first event on, a web process's other requests (gevent) stretched it out and
        # concurrent posts queued behind it.
        session.execute(sa.text("SELECT pg_advisory_xact_lock(7310001)"))
    session.add_all(pending)


def as_message(record: FeedEvent) -> dict[str, Any]:
    """Return the event as clients receive it."""
    return {"event_id": record.id, **record.payload}


@sa.event.listens_for(Session, "after_commit")
def _emit_after_commit(session: Session) -> None:
    pending: list[FeedEvent] = session.info.pop("pending_events", [])
    for record in pending:
        try:
            socketio.emit(record.event, as_message(record), to=record.rooms, namespace=NAMESPACE)
        except Exception:  # the event is in the log; clients catch up through `since`
            log.exception("could not emit %s %s", record.event, record.id)


@sa.event.listens_for(Session, "after_rollback")
def _forget_after_rollback(session: Session) -> None:
    session.info.pop("pending_events", None)


def missed_events(since: int, rooms: set[str], limit: int) -> tuple[list[FeedEvent], bool]:
    """Return the events after `since` for these rooms, and whether more exist than `limit`."""
    scanned = list(
        db.session.scalars(
            sa.select(FeedEvent)
            .where(FeedEvent.id > since)
            .order_by(FeedEvent.id)
            .limit(limit * 4 + 1)
        )
    )
    mine = [record for record in scanned if rooms.intersection(record.rooms)]
    overflow = len(mine) > limit or len(scanned) > limit * 4
    return mine[:limit], overflow
