"""What a delivery says, read at the moment it is sent.

The same rules as the group chats: never the reporter (nor any member), never a pending, rejected
or hidden alert, and no summary for severity 3 and 4. They are checked at every try, so an alert
hidden after the event was announced is not sent (the delivery is withheld)."""

from __future__ import annotations

import json
from datetime import datetime
from typing import Any

from network.alerts.models import Alert, AlertStatus
from network.alerts.policy import is_public
from network.campaigns.models import Campaign, CampaignStatus
from network.coordination.models import Action
from network.extensions import db
from network.learning.models import CheckIn, CheckInOutcome
from network.settings import settings
from network.webhooks.models import WebhookDelivery, WebhookEvent

# From this severity on, a summary may describe a threat: it stays on the site.
SEVERE = 3


def _moment(at: datetime | None) -> str | None:
    return at.isoformat().replace("+00:00", "Z") if at is not None else None


def _link(path: str) -> str:
    return settings().site_url.rstrip("/") + path


def alert_fields(alert: Alert) -> dict[str, Any]:
    """Describe a public alert: no reporter, no summary from severity 3 on."""
    return {
        "id": alert.id,
        "url": alert.url,
        "platform": alert.platform.value,
        "category": alert.category.value,
        "severity": alert.severity,
        "summary": alert.summary if alert.severity < SEVERE else None,
        "language": alert.language,
        "status": alert.status.value,
        "outcome": alert.outcome.value if alert.outcome else None,
        "campaign_id": alert.campaign_id,
        "created_at": _moment(alert.created_at),
        "resolved_at": _moment(alert.resolved_at),
        "link": _link(f"/alerts/{alert.id}"),
    }


def _campaign_fields(campaign: Campaign) -> dict[str, Any]:
    return {
        "id": campaign.id,
        "title": campaign.title,
        "hashtag": campaign.hashtag,
        "status": campaign.status.value,
        "starts_at": _moment(campaign.starts_at),
        "ends_at": _moment(campaign.ends_at),
        "launched_at": _moment(campaign.launched_at),
        "ended_at": _moment(campaign.ended_at),
        "link": _link(f"/campaigns/{campaign.id}"),
    }


def _public_alert(alert_id: int | None) -> Alert | None:
    alert = db.session.get(Alert, alert_id) if alert_id is not None else None
    return alert if alert is not None and is_public(alert) else None


def data_of(event: WebhookEvent, subject_id: int) -> dict[str, Any] | None:
    """Return what the event says now; None when it may not be sent (any more)."""
    if event in (WebhookEvent.ALERT_LIVE, WebhookEvent.ALERT_RESOLVED):
        alert = _public_alert(subject_id)
        if alert is None:
            return None
        if event == WebhookEvent.ALERT_RESOLVED and alert.status != AlertStatus.RESOLVED:
            return None
        return {"alert": alert_fields(alert)}
    if event in (WebhookEvent.CAMPAIGN_LAUNCHED, WebhookEvent.CAMPAIGN_ENDED):
        campaign = db.session.get(Campaign, subject_id)
        if campaign is None or campaign.status == CampaignStatus.DRAFT:
            return None
        return {"campaign": _campaign_fields(campaign)}
    check_in = db.session.get(CheckIn, subject_id)
    if check_in is None or check_in.outcome != CheckInOutcome.RETALIATION:
        return None
    action = db.session.get(Action, check_in.action_id)
    if action is None:
        return None
    # A safety signal goes out even when the alert was hidden since; the alert itself does not.
    alert = _public_alert(action.alert_id)
    return {
        "check_in": {
            "id": check_in.id,
            "outcome": check_in.outcome.value,
            "action_type": action.type.value,
            "answered_at": _moment(check_in.answered_at),
        },
        "alert": alert_fields(alert) if alert is not None else None,
    }


def body_of(delivery: WebhookDelivery) -> bytes | None:
    """Return the JSON body of a delivery as it would be sent now; None when it is withheld."""
    data = data_of(delivery.event, delivery.subject_id)
    if data is None:
        return None
    payload = {
        "id": delivery.event_id,
        "type": delivery.event.value,
        "created_at": _moment(delivery.occurred_at),
        "data": data,
    }
    return json.dumps(payload, separators=(",", ":"), ensure_ascii=False).encode()
