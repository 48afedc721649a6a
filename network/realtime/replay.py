"""Catching up after a reconnect, under today's rules: only what the member could see now.

The feed-event log keeps each event as it was sent. Since then an alert may have been hidden by
flags, rejected, resolved or expired, and a member may have joined only yesterday. So a replay
holds the events after `since`:
- of the member's rooms as of now (log.missed_events);
- from the moment the member joined, never the network's earlier history;
- of alerts that are in the feed now (open and not hidden). An alert that left the feed is
  replayed as one `alert.removed` with its id alone, at its last event, so a client drops its
  card; its summary, URL and actions are not replayed;
- of campaigns members may see (launched ones).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import sqlalchemy as sa

from network.accounts.models import Member
from network.alerts.models import Alert, AlertStatus
from network.campaigns.models import Campaign, CampaignStatus
from network.extensions import db
from network.ids import is_id
from network.realtime.log import as_message, missed_events
from network.realtime.models import FeedEvent

REMOVED = "alert.removed"


@dataclass
class Replay:
    """What to send a connection that asked for the events after `since`."""

    messages: list[tuple[str, dict[str, Any]]] = field(default_factory=list)
    reset: str | None = None  # the reason to refetch instead, when nothing can be replayed


def alert_id_of(payload: dict[str, Any]) -> int | None:
    """Return the id of the alert an event is about (alert, action or ask events)."""
    for key, name in (("alert", "id"), ("action", "alert_id"), ("ask", "alert_id")):
        part = payload.get(key)
        if isinstance(part, dict) and is_id(part.get(name)):
            return int(part[name])
    return None


def campaign_id_of(payload: dict[str, Any]) -> int | None:
    """Return the id of the campaign a campaign event is about."""
    part = payload.get("campaign")
    return int(part["id"]) if isinstance(part, dict) and is_id(part.get("id")) else None


def replay_for(member: Member, since: int, rooms: set[str], limit: int) -> Replay:
    """Return what the member may see of the events after `since`, in order."""
    latest, first_since_joined = db.session.execute(
        sa.select(
            sa.select(sa.func.max(FeedEvent.id)).scalar_subquery(),
            sa.select(sa.func.min(FeedEvent.id))
            .where(FeedEvent.created_at >= member.created_at)
            .scalar_subquery(),
        )
    ).one()
    if since > (latest or 0):
        # Ids this installation never gave out: the client's state is from elsewhere.
        return Replay(reset="unknown_since")
    if first_since_joined is None:
        return Replay()
    events, overflow = missed_events(max(since, first_since_joined - 1), rooms, limit)
    if overflow:
        return Replay(reset="too_many_missed_events")
    return Replay(messages=_visible(events))


def _visible(events: list[FeedEvent]) -> list[tuple[str, dict[str, Any]]]:
    """Keep the events of alerts in the feed and of visible campaigns; redact the others."""
    alert_ids = {alert_id for event in events if (alert_id := alert_id_of(event.payload))}
    campaign_ids = {
        campaign_id
        for event in events
        if alert_id_of(event.payload) is None and (campaign_id := campaign_id_of(event.payload))
    }
    in_feed = _alerts_in_feed(alert_ids)
    launched = _launched_campaigns(campaign_ids)
    last_event_of: dict[int, int] = {}
    for event in events:
        alert_id = alert_id_of(event.payload)
        if alert_id is not None and alert_id not in in_feed:
            last_event_of[alert_id] = event.id
    messages: list[tuple[str, dict[str, Any]]] = []
    for event in events:
        alert_id = alert_id_of(event.payload)
        campaign_id = campaign_id_of(event.payload) if alert_id is None else None
        if alert_id is not None and alert_id not in in_feed:
            if last_event_of[alert_id] == event.id:
                messages.append((REMOVED, {"event_id": event.id, "alert_id": alert_id}))
        elif campaign_id is not None and campaign_id not in launched:
            continue
        else:
            messages.append((event.event, as_message(event)))
    return messages


def _alerts_in_feed(alert_ids: set[int]) -> set[int]:
    """Return which of these alerts are in the feed now (one query)."""
    if not alert_ids:
        return set()
    return set(
        db.session.scalars(
            sa.select(Alert.id).where(
                Alert.id.in_(alert_ids),
                Alert.status == AlertStatus.OPEN,
                Alert.hidden_at.is_(None),
            )
        )
    )


def _launched_campaigns(campaign_ids: set[int]) -> set[int]:
    """Return which of these campaigns exist and were launched (one query)."""
    if not campaign_ids:
        return set()
    return set(
        db.session.scalars(
            sa.select(Campaign.id).where(
                Campaign.id.in_(campaign_ids), Campaign.status != CampaignStatus.DRAFT
            )
        )
    )
