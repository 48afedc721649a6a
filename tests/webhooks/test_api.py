"""Webhook endpoints over the API: organisers only, the secret shown once, deliveries paged."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import sqlalchemy as sa
from flask import Flask

from network.extensions import db
from network.moderation.models import AuditEntry
from network.webhooks import outbox
from network.webhooks.models import WebhookDelivery, WebhookEndpoint, WebhookEvent
from tests.webhooks.conftest import Receiver, Registered, pending, send_pending

Api = Callable[..., Any]


def test_members_may_not_register_or_see_endpoints(
    api_as: Api, create_member: Any, receiver: Receiver
) -> None:
    member = create_member(trust_level=3)
    body = {"url": receiver.url(), "events": ["alert.live"]}
    refused = api_as(member, "POST", "/api/v1/webhooks", json=body)
    assert refused.status_code == 403 and refused.get_json()["error"]["code"] == "forbidden"
    assert api_as(member, "GET", "/api/v1/webhooks").status_code == 403
    assert api_as(None, "GET", "/api/v1/webhooks").status_code == 401


def test_the_secret_is_shown_once_and_never_listed(
    app: Flask,
    api_as: Api,
    organiser: Any,
    create_member: Any,
    receiver: Receiver,
    register: Callable[..., Registered],
) -> None:
    endpoint = register(receiver.url())
    assert endpoint.secret.startswith("whsec_") and len(endpoint.secret) > 40
    other_organiser = create_member(role="organiser")
    listed = api_as(other_organiser, "GET", "/api/v1/webhooks")
    assert listed.status_code == 200
    [item] = listed.get_json()["items"]
    assert item["id"] == endpoint.id and item["events"][0] == "alert.live"
    assert "secret" not in item and endpoint.secret not in listed.get_data(as_text=True)
    with app.app_context():
        entries = db.session.query(AuditEntry).filter(AuditEntry.action.like("webhook.%")).all()
        assert [entry.action for entry in entries] == ["webhook.registered"]
        assert receiver.origin not in str(entries[0].details)


def test_unknown_events_and_empty_choices_are_refused(api_as: Api, organiser: Any) -> None:
    for events in ([], ["alert.deleted"], "alert.live"):
        response = api_as(
            organiser,
            "POST",
            "/api/v1/webhooks",
            json={"url": "https://example.org/hook", "events": events},
        )
        assert response.status_code == 422
        assert any(name.startswith("events") for name in response.get_json()["error"]["fields"])


def test_deliveries_are_listed_newest_first_with_a_cursor(
    app: Flask,
    api_as: Api,
    organiser: Any,
    open_alert: Any,
    receiver: Receiver,
    register: Callable[..., Registered],
) -> None:
    endpoint = register(receiver.url())
    path = f"/api/v1/webhooks/{endpoint.id}/deliveries"
    assert api_as(organiser, "GET", path).get_json() == {"items": [], "next_cursor": None}
    for _ in range(3):
        open_alert()
    made = pending(app)
    send_pending(app)
    first = api_as(organiser, "GET", f"{path}?limit=2").get_json()
    assert [d["id"] for d in first["items"]] == made[::-1][:2]
    assert first["items"][0]["status"] == "delivered" and first["items"][0]["response_code"] == 200
    rest = api_as(organiser, "GET", f"{path}?limit=2&cursor={first['next_cursor']}").get_json()
    assert [d["id"] for d in rest["items"]] == made[:1] and rest["next_cursor"] is None


def test_an_events_deliveries_are_made_in_the_order_of_their_endpoints(
    app: Flask,
    open_alert: Any,
    receiver: Receiver,
    register: Callable[..., Registered],
) -> None:
    endpoints = [register(receiver.url(f"/{n}")) for n in range(4)]
    ids = [endpoint.id for endpoint in endpoints]
    with app.app_context():
        # Changed rows are stored again after the others: without an order, PostgreSQL's scan
        # would then find the last endpoint first.
        for endpoint_id in ids[:3]:
            db.session.execute(
                sa.update(WebhookEndpoint)
                .where(WebhookEndpoint.id == endpoint_id)
                .values(description="Changed")
            )
        db.session.commit()
    alert = open_alert()  # a post's own statement reads the endpoints (on PostgreSQL)
    with app.app_context():
        made = db.session.scalars(
            sa.select(WebhookDelivery.endpoint_id).order_by(WebhookDelivery.id)
        ).all()
    assert made == ids
    with app.test_request_context():  # the outbox reads them itself
        told = outbox.announce(WebhookEvent.ALERT_RESOLVED, alert["id"])
        assert [delivery.endpoint_id for delivery in told] == ids
        db.session.rollback()


def test_deleting_an_endpoint_removes_its_deliveries_and_another_endpoints_are_not_found(
    app: Flask,
    api_as: Api,
    organiser: Any,
    open_alert: Any,
    receiver: Receiver,
    register: Callable[..., Registered],
) -> None:
    endpoint, other = register(receiver.url()), register(receiver.url("/other"))
    open_alert()
    [mine, theirs] = pending(app)
    resend = f"/api/v1/webhooks/{other.id}/deliveries/{mine}/resend"
    assert api_as(organiser, "POST", resend).status_code == 404
    assert api_as(organiser, "DELETE", f"/api/v1/webhooks/{endpoint.id}").status_code == 204
    assert api_as(organiser, "DELETE", f"/api/v1/webhooks/{endpoint.id}").status_code == 404
    assert pending(app) == [theirs]
    listed = api_as(organiser, "GET", "/api/v1/webhooks").get_json()["items"]
    assert [item["id"] for item in listed] == [other.id]
