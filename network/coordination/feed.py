"""Feed events about alerts and actions; never the reporter, never an anonymous volunteer."""

from __future__ import annotations

from typing import Any

from network.accounts.models import Member
from network.alerts.models import Alert
from network.alerts.schemas import AlertOut
from network.campaigns.models import Campaign
from network.campaigns.queries import progress
from network.coordination import queries
from network.coordination.models import Action, Ask
from network.coordination.needs import Need
from network.extensions import db
from network.realtime import NETWORK_ROOM, campaign_room, member_room, publish, team_room
from network.vocabulary import ActionType


def alert_rooms(alert: Alert) -> list[str]:
    """Every member sees open alerts; team alerts reach the team room too."""
    rooms = [NETWORK_ROOM]
    if alert.team_id is not None:
        rooms.append(team_room(alert.team_id))
    if alert.campaign_id is not None:
        rooms.append(campaign_room(alert.campaign_id))
    return rooms


def alert_payload(alert: Alert, needs: dict[ActionType, Need] | None = None) -> dict[str, Any]:
    """Return the alert as every member may see it, with its live needs."""
    if needs is None:
        needs = queries.needs_of(alert)
    body = AlertOut.of(alert, reported_by_me=False, needs=needs)
    payload = body.model_dump(mode="json", exclude={"reported_by_me"})
    return {"alert": payload}


def announce_alert(
    alert: Alert, event: str = "alert.updated", needs: dict[ActionType, Need] | None = None
) -> None:
    """Publish alert.created or alert.updated for an alert the network can see."""
    publish(event, alert_payload(alert, needs), alert_rooms(alert))


def announce_action(action: Action, alert: Alert, volunteer: Member) -> None:
    """Publish action.updated; an anonymous volunteer is shown as "a member"."""
    payload = {
        "action": {
            "id": action.id,
            "alert_id": action.alert_id,
            "type": action.type.value,
            "status": action.status.value,
            "volunteer": None if action.anonymous else volunteer.display_name,
        }
    }
    publish("action.updated", payload, alert_rooms(alert))
    if alert.campaign_id is not None:
        campaign = db.session.get(Campaign, alert.campaign_id)
        if campaign is not None:
            announce_campaign(campaign)


def announce_ask(ask: Ask, alert: Alert, payload: dict[str, Any] | None = None) -> None:
    """Tell one member, in their personal room, that they are asked to help.

    Pass the alert's payload when asking several members at once: it is the same for all."""
    publish(
        "ask.created",
        {
            "ask": {"id": ask.id, "alert_id": alert.id, "expires_at": ask.expires_at.isoformat()},
            **(payload if payload is not None else alert_payload(alert)),
        },
        [member_room(ask.member_id)],
    )


def campaign_payload(campaign: Campaign) -> dict[str, Any]:
    """Return a campaign as members see it, with its progress toward the goal."""
    done = progress([campaign.id]).get(campaign.id, 0)
    return {
        "campaign": {
            "id": campaign.id,
            "title": campaign.title,
            "hashtag": campaign.hashtag,
            "status": campaign.status.value,
            "goal": campaign.goal,
            "done": done,
            "progress": min(1.0, done / campaign.goal) if campaign.goal else 0.0,
            "starts_at": campaign.starts_at.isoformat(),
            "ends_at": campaign.ends_at.isoformat(),
        }
    }


def announce_campaign(campaign: Campaign, *, launched: bool = False) -> None:
    """Publish campaign.updated to every member (launches, progress, ending)."""
    # Flush so the progress counts the change that commits with this event.
    db.session.flush()
    publish("campaign.updated", campaign_payload(campaign) | {"launched": launched}, [NETWORK_ROOM])
