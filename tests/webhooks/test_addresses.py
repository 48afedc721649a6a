"""Webhooks reach public addresses only: refused at registration and again at delivery."""

from __future__ import annotations

import ipaddress
from collections.abc import Callable
from typing import Any

import pytest
from flask import Flask

from network import outbound
from network.extensions import db
from network.webhooks.models import DeliveryStatus, WebhookEndpoint
from tests.webhooks.conftest import Receiver, Registered, delivery, pending, send_pending
from tests.world import change_settings

Api = Callable[..., Any]

PRIVATE = [
    "https://10.1.2.3/hook",
    "https://172.16.0.1/hook",
    "https://192.168.1.10/hook",
    "https://127.0.0.1/hook",
    "https://127.8.9.10:8443/hook",
    "https://169.254.169.254/latest/meta-data",
    "https://100.64.0.1/hook",
    "https://0.0.0.0/hook",
    "https://[::1]/hook",
    "https://[fc00::1]/hook",
    "https://[fd12:3456::1]/hook",
    "https://[fe80::1]/hook",
    "https://[::ffff:127.0.0.1]/hook",
    "https://[::ffff:10.0.0.1]/hook",
    "https://[64:ff9b::a9fe:a9fe]/hook",
    "https://[2002:7f00:1::]/hook",
    "https://[::]/hook",
    "https://224.0.0.1/hook",
    "https://localhost/hook",
    "https://LOCALHOST:8080/hook",
]


@pytest.mark.parametrize("url", PRIVATE)
def test_a_private_loopback_or_link_local_address_is_refused_at_registration(
    app: Flask, api_as: Api, organiser: Any, url: str
) -> None:
    response = api_as(
        organiser, "POST", "/api/v1/webhooks", json={"url": url, "events": ["alert.live"]}
    )
    assert response.status_code == 422, url
    assert set(response.get_json()["error"]["fields"]) == {"url"}
    with app.app_context():
        assert db.session.query(WebhookEndpoint).count() == 0


@pytest.mark.parametrize(
    ("url", "field_text"),
    [
        ("http://93.184.215.14/hook", "Only https"),
        ("ftp://93.184.215.14/hook", "Only https"),
        ("https://user:secret@93.184.215.14/hook", "user name"),
        ("https://93.184.215.14:99999/hook", "not a web address"),
        ("not a url", "Only https"),
        ("https:///hook", "not a web address"),
    ],
)
def test_only_https_urls_without_credentials_are_taken(
    api_as: Api, organiser: Any, url: str, field_text: str
) -> None:
    response = api_as(
        organiser, "POST", "/api/v1/webhooks", json={"url": url, "events": ["alert.live"]}
    )
    assert response.status_code == 422
    assert field_text in response.get_json()["error"]["fields"]["url"]


@pytest.mark.parametrize(
    ("address", "public"),
    [
        ("93.184.215.14", True),
        ("2606:2800:21f:cb07:6820:80da:af6b:8b2c", True),
        ("10.0.0.1", False),
        ("127.0.0.1", False),
        ("169.254.0.1", False),
        ("0.0.0.0", False),
        ("::1", False),
        ("fc00::1", False),
        ("fe80::1", False),
        ("::ffff:127.0.0.1", False),
        ("::ffff:93.184.215.14", True),
        ("64:ff9b::7f00:1", False),
        ("2002:a00:1::", False),
        ("2001:0:4136:e378:8000:63bf:f5ff:fffe", False),  # Teredo, carrying 10.0.0.1
        ("ff02::1", False),
    ],
)
def test_the_public_address_rule(address: str, public: bool) -> None:
    assert outbound.is_public(ipaddress.ip_address(address)) is public


@pytest.mark.parametrize(
    "url",
    [
        "http://localhost:{port}/hook",  # a name that resolves to loopback
        "http://127.0.0.1:{port}/hook",
    ],
)
def test_an_address_that_is_no_longer_allowed_is_refused_at_delivery(
    app: Flask,
    monkeypatch: pytest.MonkeyPatch,
    open_alert: Any,
    receiver: Receiver,
    register: Callable[..., Registered],
    url: str,
) -> None:
    port = receiver.origin.rsplit(":", 1)[1]
    change_settings(monkeypatch, app, webhook_test_hosts="127.0.0.1,localhost")
    register(url.format(port=port))
    open_alert()
    [delivery_id] = pending(app)
    # As when a name is re-pointed at an internal address after registration: the rule holds.
    change_settings(monkeypatch, app, webhook_test_hosts="")
    assert send_pending(app) == ["failed"]
    sent = delivery(app, delivery_id)
    assert (sent.status, sent.error) == (DeliveryStatus.FAILED, "scheme")
    assert receiver.requests() == []


# 127.0.0.1 itself is the receiver's allowed test host here.
@pytest.mark.parametrize(
    "stored", [u for u in PRIVATE if "localhost" not in u.lower() and "/127.0.0.1/" not in u]
)
def test_a_stored_private_address_is_refused_at_delivery_before_any_connection(
    app: Flask,
    open_alert: Any,
    receiver: Receiver,
    register: Callable[..., Registered],
    stored: str,
) -> None:
    endpoint = register(receiver.url())
    open_alert()
    [delivery_id] = pending(app)
    with app.app_context():
        found = db.session.get(WebhookEndpoint, endpoint.id)
        assert found is not None
        found.url = stored
        db.session.commit()
    assert send_pending(app) == ["failed"]
    sent = delivery(app, delivery_id)
    assert (sent.status, sent.error, sent.attempts) == (DeliveryStatus.FAILED, "private_address", 1)
    assert receiver.requests() == []


def test_localhost_over_https_is_refused_at_delivery_as_a_private_address(
    app: Flask, open_alert: Any, receiver: Receiver, register: Callable[..., Registered]
) -> None:
    endpoint = register(receiver.url())
    open_alert()
    [delivery_id] = pending(app)
    with app.app_context():
        found = db.session.get(WebhookEndpoint, endpoint.id)
        assert found is not None
        found.url = "https://localhost/hook"
        db.session.commit()
    send_pending(app)
    assert delivery(app, delivery_id).error == "private_address"
