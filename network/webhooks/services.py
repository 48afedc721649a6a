"""Use cases of webhooks (organisers): register an endpoint, rotate its secret, switch it off
or on, delete it, send a delivery again. The endpoints belong to the organisation: every
organiser manages all of them, and each change is in the audit log (never with the URL)."""

from __future__ import annotations

import sqlalchemy as sa

from network import jobs, outbound
from network.accounts.models import Member
from network.accounts.policy import require_organiser
from network.db import utcnow
from network.errors import Conflict, NotFound, ValidationFailed
from network.extensions import db
from network.moderation import audit
from network.reach import later
from network.settings import settings
from network.text import text_problem
from network.translation import gettext as _
from network.webhooks import signing
from network.webhooks.models import DeliveryStatus, WebhookDelivery, WebhookEndpoint, WebhookEvent

MAX_ENDPOINTS = 20
EVENTS = [event.value for event in WebhookEvent]


def test_hosts() -> list[str]:
    """Return the hosts allowed without the public-address rule, over http too (tests)."""
    return outbound.host_patterns(settings().webhook_test_hosts)


def url_problem(url: str) -> str | None:
    """Refuse an address the server may not POST to: https on a public address only."""
    if not url.strip() or len(url.strip()) > 1024:
        return _("Give the https address of your endpoint (at most 1024 characters).")
    try:
        target = outbound.split_url(url, schemes=("https", "http"))
        outbound.addresses_for(target, test_hosts())
    except outbound.Refused as refused:
        return refusal_text(refused.code)
    return None


def refusal_text(code: str) -> str:
    """Say why an address is refused."""
    if code == "scheme":
        return _("Only https addresses are accepted.")
    if code == "credentials":
        return _("Leave the user name and password out of the address.")
    if code == "unresolvable":
        return _("This host name could not be found.")
    if code == "private_address":
        return _(
            "This address leads to a private, local or reserved network; use a public address."
        )
    return _("This is not a web address.")


def _events_problem(events: list[str]) -> str | None:
    if not events:
        return _("Choose at least one event.")
    if set(events) - set(EVENTS):
        return _("Unknown event: %(codes)s.", codes=", ".join(sorted(set(events) - set(EVENTS))))
    return None


def register_endpoint(
    actor: Member, *, url: str, events: list[str], description: str = ""
) -> tuple[WebhookEndpoint, str]:
    """Register an endpoint for some events; return it with its secret (shown this once)."""
    require_organiser(actor)
    problems = {}
    if problem := url_problem(url):
        problems["url"] = problem
    if problem := _events_problem(events):
        problems["events"] = problem
    description = " ".join(description.split())
    if len(description) > 80:
        problems["description"] = _("Use at most %(n)s characters.", n=80)
    elif problem := text_problem(description):
        problems["description"] = problem
    if problems:
        raise ValidationFailed(_("Some fields are not valid."), fields=problems)
    count = db.session.scalar(sa.select(sa.func.count()).select_from(WebhookEndpoint)) or 0
    if count >= MAX_ENDPOINTS:
        raise Conflict(_("There are too many endpoints; delete one first."), code="too_many")
    secret = signing.new_secret()
    endpoint = WebhookEndpoint(
        url=url.strip(),
        description=description,
        events=[event for event in EVENTS if event in set(events)],
        sealed_secret=signing.seal(secret),
        created_by=actor.id,
    )
    db.session.add(endpoint)
    db.session.flush()
    audit.record(
        actor, "webhook.registered", "webhook_endpoint", endpoint.id, events=endpoint.events
    )
    db.session.commit()
    return endpoint, secret


def endpoint(actor: Member, endpoint_id: int, *, lock: bool = False) -> WebhookEndpoint:
    """Return one endpoint (organisers)."""
    require_organiser(actor)
    query = sa.select(WebhookEndpoint).where(WebhookEndpoint.id == endpoint_id)
    found = db.session.scalar(query.with_for_update() if lock else query)
    if found is None:
        raise NotFound(_("This webhook endpoint does not exist."))
    return found


def rotate_secret(actor: Member, endpoint_id: int) -> tuple[WebhookEndpoint, str]:
    """Give an endpoint a new secret at once (shown this once); the old one signs nothing more."""
    found = endpoint(actor, endpoint_id, lock=True)
    secret = signing.new_secret()
    found.sealed_secret, found.secret_rotated_at = signing.seal(secret), utcnow()
    audit.record(actor, "webhook.secret_rotated", "webhook_endpoint", found.id)
    db.session.commit()
    return found, secret


def set_enabled(actor: Member, endpoint_id: int, enabled: bool) -> WebhookEndpoint:
    """Switch an endpoint off (nothing more is sent, not even tries under way) or on again."""
    found = endpoint(actor, endpoint_id, lock=True)
    if found.enabled != enabled:
        found.enabled = enabled
        action = "webhook.enabled" if enabled else "webhook.disabled"
        audit.record(actor, action, "webhook_endpoint", found.id)
    db.session.commit()
    return found


def delete_endpoint(actor: Member, endpoint_id: int) -> None:
    """Delete an endpoint and its deliveries."""
    found = endpoint(actor, endpoint_id, lock=True)
    audit.record(actor, "webhook.deleted", "webhook_endpoint", found.id)
    db.session.execute(sa.delete(WebhookDelivery).where(WebhookDelivery.endpoint_id == found.id))
    db.session.delete(found)
    db.session.commit()


def resend(actor: Member, endpoint_id: int, delivery_id: int) -> WebhookDelivery:
    """Send a delivery's event again, as a new delivery with the same event id."""
    found = endpoint(actor, endpoint_id)
    original = db.session.get(WebhookDelivery, delivery_id)
    if original is None or original.endpoint_id != found.id:
        raise NotFound(_("This delivery does not exist."))
    if not found.enabled:
        raise Conflict(_("Switch the endpoint on first."), code="endpoint_disabled")
    again = WebhookDelivery(
        endpoint_id=found.id,
        event_id=original.event_id,
        event=original.event,
        subject_id=original.subject_id,
        occurred_at=original.occurred_at,
        status=DeliveryStatus.PENDING,
        resent_from=original.id,
    )
    db.session.add(again)
    db.session.flush()
    audit.record(actor, "webhook.resent", "webhook_endpoint", found.id, delivery_id=original.id)
    later.after_commit(jobs.DELIVER_WEBHOOK, again.id)
    db.session.commit()
    return again
