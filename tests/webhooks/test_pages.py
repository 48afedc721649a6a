"""The organisers' pages: register (the secret shown once), deliveries a page at a time,
resend, switch off and delete behind a confirmation; in English and Dutch."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from flask import Flask
from flask.testing import FlaskClient

from tests.webhooks.conftest import Queued, Receiver, pending, send_pending

Api = Callable[..., Any]


def test_an_organiser_registers_an_endpoint_and_sees_its_secret_once(
    client: FlaskClient, log_in: Any, submit: Any, organiser: Any, receiver: Receiver
) -> None:
    log_in(organiser)
    empty = client.get("/webhooks/").get_data(as_text=True)
    assert "No webhook endpoint yet." in empty
    answer = submit(
        "/webhooks/",
        {"url": receiver.url(), "events": ["alert.live", "campaign.ended"], "description": "Bot"},
    )
    assert answer.status_code == 200 and answer.headers["Cache-Control"] == "no-store"
    assert answer.mimetype == "text/html"
    html = answer.get_data(as_text=True)
    secret = html.split('id="webhook-secret">', 1)[1].split("<", 1)[0]
    assert secret.startswith("whsec_")
    listed = client.get("/webhooks/").get_data(as_text=True)
    assert "Bot" in listed and receiver.url() in listed and secret not in listed
    endpoint_id = int(listed.split('href="/webhooks/', 1)[1].split('"', 1)[0])
    shown = client.get(f"/webhooks/{endpoint_id}").get_data(as_text=True)
    assert secret not in shown and "Nothing was sent to this endpoint yet." in shown


def test_a_private_address_is_refused_on_the_page_with_a_reason(
    client: FlaskClient, log_in: Any, submit: Any, organiser: Any
) -> None:
    log_in(organiser)
    answer = submit("/webhooks/", {"url": "https://169.254.169.254/", "events": ["alert.live"]})
    assert answer.status_code == 422
    assert "private, local or reserved network" in answer.get_data(as_text=True)
    assert "No webhook endpoint yet." in answer.get_data(as_text=True)


def test_deliveries_are_listed_a_page_at_a_time_and_one_is_resent_after_confirming(
    app: Flask,
    client: FlaskClient,
    log_in: Any,
    submit: Any,
    organiser: Any,
    queue_deliveries: Callable[..., Queued],
    receiver: Receiver,
) -> None:
    queued = queue_deliveries(21)
    endpoint, made = queued.endpoint, queued.deliveries
    send_pending(app)
    log_in(organiser)
    first = client.get(f"/webhooks/{endpoint.id}").get_data(as_text=True)
    assert "21 deliveries" in first and "Older" in first and "Newer" not in first
    assert (
        f"/deliveries/{made[-1]}/resend" in first and f"/deliveries/{made[0]}/resend" not in first
    )
    second = client.get(f"/webhooks/{endpoint.id}?page=2").get_data(as_text=True)
    assert f"/deliveries/{made[0]}/resend" in second and "Newer" in second
    assert client.get(f"/webhooks/{endpoint.id}?page=x").status_code == 422

    path = f"/webhooks/{endpoint.id}/deliveries/{made[0]}/resend"
    confirm = client.get(path).get_data(as_text=True)
    assert "Resend this delivery?" in confirm
    assert client.post(path, data={}).status_code == 400  # no CSRF token: nothing happens
    assert pending(app) == []
    resent = submit(path, {})
    assert resent.status_code == 302
    [again] = pending(app)
    assert send_pending(app) == ["delivered"]
    assert receiver.requests()[-1].payload()["id"] == receiver.requests()[0].payload()["id"]
    assert again > made[-1]


def test_switching_off_and_deleting_need_a_confirmation(
    app: Flask,
    client: FlaskClient,
    log_in: Any,
    submit: Any,
    organiser: Any,
    receiver: Receiver,
    register: Any,
) -> None:
    endpoint = register(receiver.url())
    log_in(organiser)
    base = f"/webhooks/{endpoint.id}"
    assert "Switch this endpoint off?" in client.get(f"{base}/disable").get_data(as_text=True)
    assert submit(f"{base}/disable", {}).status_code == 302
    assert "Switch on" in client.get(base).get_data(as_text=True)
    assert submit(base, {}, action=f"{base}/enable").status_code == 302
    assert "Switch off" in client.get(base).get_data(as_text=True)
    rotated = submit(f"{base}/secret", {})
    assert rotated.status_code == 200 and "whsec_" in rotated.get_data(as_text=True)
    assert "Delete this endpoint?" in client.get(f"{base}/delete").get_data(as_text=True)
    assert submit(f"{base}/delete", {}).status_code == 302
    assert client.get(base).status_code == 404


def test_the_pages_speak_dutch(
    client: FlaskClient, log_in: Any, create_member: Any, receiver: Receiver, register: Any
) -> None:
    dutch = create_member(role="organiser", locale="nl")
    endpoint = register(receiver.url(), by=dutch)
    log_in(dutch)
    index = client.get("/webhooks/").get_data(as_text=True)
    assert 'lang="nl"' in index
    assert client.get(f"/webhooks/{endpoint.id}").status_code == 200


def test_members_do_not_see_the_webhook_pages(
    client: FlaskClient, log_in: Any, create_member: Any
) -> None:
    log_in(create_member(trust_level=3))
    assert client.get("/webhooks/").status_code == 403
