"""The other end of webhooks, for real: a plain-HTTP receiver on 127.0.0.1 (an allowed test
host) that records each request and answers as told, and a way to run the delivery task."""

from __future__ import annotations

import hashlib
import hmac
import http.server
import json
import threading
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from typing import Any

import pytest
import sqlalchemy as sa
from flask import Flask

from network.extensions import db
from network.tasks.webhooks import deliver
from network.webhooks.models import DeliveryStatus, WebhookDelivery
from tests.alerts.conftest import alert_body, organiser, post_alert
from tests.conftest import run_job
from tests.harness import SHUTDOWN_POLL, free_port
from tests.world import change_settings

__all__ = ["alert_body", "organiser", "post_alert"]
ALL_EVENTS = [
    "alert.live",
    "alert.resolved",
    "campaign.launched",
    "campaign.ended",
    "checkin.retaliation",
]
MAX_ATTEMPTS = 4


@dataclass
class Request:
    """One request the receiver took."""

    path: str
    headers: dict[str, str]
    body: bytes

    def payload(self) -> dict[str, Any]:
        return json.loads(self.body)  # type: ignore[no-any-return]

    def signed_with(self, secret: str) -> bool:
        """Check the signature as docs/api.md tells receivers to."""
        fields = dict(part.split("=", 1) for part in self.headers["upstander-signature"].split(","))
        signed = fields["t"].encode() + b"." + self.body
        expected = hmac.new(secret.encode(), signed, hashlib.sha256).hexdigest()
        return hmac.compare_digest(expected, fields["v1"])


@dataclass
class Receiver:
    """A webhook receiver; `answers` are given in turn (the last one repeats), `delay` stalls."""

    origin: str
    answers: list[int] = field(default_factory=lambda: [200])
    delay: float = 0.0
    received: list[Request] = field(default_factory=list)
    lock: threading.Lock = field(default_factory=threading.Lock)

    def requests(self) -> list[Request]:
        with self.lock:
            return list(self.received)

    def url(self, path: str = "/hook") -> str:
        return f"{self.origin}{path}"


def _serve(receiver: Receiver, port: int) -> http.server.HTTPServer:
    class Handler(http.server.BaseHTTPRequestHandler):
        def do_POST(self) -> None:
            body = self.rfile.read(int(self.headers.get("Content-Length") or 0))
            with receiver.lock:
                receiver.received.append(
                    Request(self.path, {k.lower(): v for k, v in self.headers.items()}, body)
                )
                turn = len(receiver.received) - 1
                status = receiver.answers[min(turn, len(receiver.answers) - 1)]
            if receiver.delay:
                time.sleep(receiver.delay)
            self.send_response(status)
            if 300 <= status < 400:
                self.send_header("Location", "http://127.0.0.1:9/elsewhere")
            self.send_header("Content-Length", "0")
            self.end_headers()

        def log_message(self, *args: Any) -> None:
            pass

    httpd = http.server.ThreadingHTTPServer(("127.0.0.1", port), Handler)
    threading.Thread(target=httpd.serve_forever, args=(SHUTDOWN_POLL,), daemon=True).start()
    return httpd


@pytest.fixture
def receiver(app: Flask, monkeypatch: pytest.MonkeyPatch) -> Iterator[Receiver]:
    """A receiver at http://127.0.0.1:<port>; 127.0.0.1 is WEBHOOK_TEST_HOSTS' one host."""
    port = free_port()
    found = Receiver(origin=f"http://127.0.0.1:{port}")
    httpd = _serve(found, port)
    change_settings(
        monkeypatch,
        app,
        webhook_test_hosts="127.0.0.1",
        webhook_retry_seconds=0,
        webhook_max_attempts=MAX_ATTEMPTS,
        webhook_timeout_seconds=5,
    )
    yield found
    httpd.shutdown()
    httpd.server_close()


@dataclass
class Registered:
    """An endpoint as its organiser saw it when registering: with its secret."""

    id: int
    secret: str


@pytest.fixture
def register(api_as: Callable[..., Any], organiser: Any) -> Callable[..., Registered]:
    def make(url: str, events: list[str] | None = None, by: Any = None) -> Registered:
        response = api_as(
            by or organiser,
            "POST",
            "/api/v1/webhooks",
            json={"url": url, "events": events or ALL_EVENTS, "description": "School dashboard"},
        )
        assert response.status_code == 201, response.get_data(as_text=True)
        body = response.get_json()
        return Registered(body["id"], body["secret"])

    return make


@dataclass
class Queued:
    """An endpoint registered at the receiver, the alerts opened after it and the deliveries
    they queued for it, oldest first."""

    endpoint: Registered
    alerts: list[dict[str, Any]]
    deliveries: list[int]

    @property
    def delivery(self) -> int:
        """The one delivery queued."""
        [only] = self.deliveries
        return only


@pytest.fixture
def queue_deliveries(
    app: Flask, open_alert: Any, receiver: Receiver, register: Callable[..., Registered]
) -> Callable[..., Queued]:
    """Register an endpoint at the receiver for every event, then open `alerts` alerts (one by
    default): each queues a delivery for it."""

    def make(alerts: int = 1) -> Queued:
        endpoint = register(receiver.url())
        opened = [open_alert() for _ in range(alerts)]
        return Queued(endpoint, opened, pending(app))

    return make


def pending(app: Flask) -> list[int]:
    """Return the ids of the deliveries waiting to be sent, oldest first."""
    with app.app_context():
        return list(
            db.session.scalars(
                sa.select(WebhookDelivery.id)
                .where(WebhookDelivery.status == DeliveryStatus.PENDING)
                .order_by(WebhookDelivery.id)
            )
        )


def send_pending(app: Flask) -> list[str]:
    """Run the delivery task, as a worker would, for every waiting delivery."""
    return [run_job(deliver, delivery_id) for delivery_id in pending(app)]


def delivery(app: Flask, delivery_id: int) -> WebhookDelivery:
    with app.app_context():
        found = db.session.get(WebhookDelivery, delivery_id)
        assert found is not None
        db.session.expunge(found)
        return found
