"""Words for the audit log page: action names, detail labels and values people can read."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from network.alerts.guide import category_label, platform_label
from network.alerts.models import Alert
from network.moderation.models import AuditEntry
from network.translation import gettext as _
from network.translation import lazy_gettext as _l

ACTIONS = {
    "alert.approved": _l("Alert approved"),
    "alert.rejected": _l("Alert rejected"),
    "alert.hidden": _l("Alert hidden by flags"),
    "alert.resolved": _l("Alert resolved"),
    "alert.expired": _l("Alert expired"),
    "campaign.created": _l("Campaign created"),
    "campaign.updated": _l("Campaign changed"),
    "campaign.launched": _l("Campaign launched"),
    "campaign.ended": _l("Campaign ended"),
    "campaign.alert_added": _l("Alert added to campaign"),
    "chat.connected": _l("Group chat connected"),
    "chat.disconnected": _l("Group chat disconnected"),
    "member.trust_changed": _l("Trust level changed"),
    "member.suspended": _l("Member suspended"),
    "member.reinstated": _l("Member reinstated"),
    "member.erased": _l("Member erased their account"),
    "privacy.retention": _l("Old alert texts deleted"),
    "research.exported": _l("Research data exported"),
    "webhook.registered": _l("Webhook endpoint registered"),
    "webhook.secret_rotated": _l("Webhook secret renewed"),
    "webhook.disabled": _l("Webhook endpoint switched off"),
    "webhook.enabled": _l("Webhook endpoint switched on"),
    "webhook.deleted": _l("Webhook endpoint deleted"),
    "webhook.resent": _l("Webhook delivery resent"),
}

DETAILS = {
    "reason": _l("Reason"),
    "was_hidden": _l("Was hidden by flags"),
    "old": _l("Old trust level"),
    "new": _l("New trust level"),
    "outcome": _l("Outcome"),
    "by": _l("By"),
    "flags": _l("Flag weight that hid it"),
    "title": _l("Title"),
    "alert_id": _l("Alert"),
    "days": _l("After days"),
    "summaries": _l("Summaries deleted"),
    "notes": _l("Notes deleted"),
    "flag_notes": _l("Flag notes deleted"),
    "claims_released": _l("Claims released"),
    "tokens_revoked": _l("API tokens revoked"),
    "team_id": _l("Team"),
    "events": _l("Events"),
    "delivery_id": _l("Delivery"),
}

REASONS = {
    "approved alerts": _l("daily trust review: approved alerts"),
    "rejected alerts": _l("daily trust review: rejected alerts"),
}

OUTCOMES = {
    "content_removed": _l("content removed"),
    "thread_calmed": _l("thread calmed down"),
    "no_change": _l("no change"),
    "unknown": _l("unknown"),
}


@dataclass(frozen=True)
class Detail:
    """One readable detail: its label, its value, and a link when it names an alert."""

    label: str
    value: str
    link_alert: int | None = None


def action_name(action: str) -> str:
    """Return the translated name of an audit action (the code itself if unknown)."""
    label = ACTIONS.get(action)
    return str(label) if label is not None else action


def alert_title(alert: Alert | None, alert_id: int) -> str:
    """Name an alert by its category and platform, with its number."""
    if alert is None:
        return _("Alert #%(id)s (deleted)", id=alert_id)
    return _(
        "Alert #%(id)s: %(category)s on %(platform)s",
        id=alert_id,
        category=category_label(alert.category),
        platform=platform_label(alert.platform),
    )


def _value(key: str, value: Any) -> str:
    if isinstance(value, bool):
        return _("yes") if value else _("no")
    if value is None or value == "":
        return "—"
    if key == "reason" and value in REASONS:
        return str(REASONS[value])
    if key == "outcome" and value in OUTCOMES:
        return str(OUTCOMES[value])
    if isinstance(value, list):
        return ", ".join(str(item) for item in value) or "—"
    if key == "by" and value == "reporter":
        return _("the reporter")
    return str(value)


def details_of(entry: AuditEntry) -> list[Detail]:
    """Return an entry's details as labelled, readable values."""
    shown = []
    for key, value in (entry.details or {}).items():
        label = DETAILS.get(key)
        link = int(value) if key == "alert_id" and isinstance(value, int) else None
        shown.append(Detail(str(label) if label is not None else key, _value(key, value), link))
    return shown
