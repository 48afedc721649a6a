"""Web Push end to end: the test is the push service (https on localhost) and the browser."""

from __future__ import annotations

import json
import re
import time
from collections.abc import Callable
from datetime import timedelta
from typing import Any
from zoneinfo import ZoneInfo

import pytest
import sqlalchemy as sa
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.hazmat.primitives.asymmetric.utils import encode_dss_signature
from flask import Flask

from network.coordination.models import Ask, AskChannel
from network.db import utcnow
from network.extensions import db
from network.reach.models import PushSubscription
from network.settings import settings_of
from tests.alerts.conftest import alert_body
from tests.conftest import ask_members_job
from tests.support.push import Browser, Server, subscribe, unb64url
from tests.world import change_settings

Api = Callable[..., Any]
Subscribe = Callable[[Any, str], Browser]


def asks_of(app: Flask, member: Any) -> list[Ask]:
    with app.app_context():
        return list(db.session.scalars(sa.select(Ask).where(Ask.member_id == member.id)))


@pytest.fixture
def pushed_to(api_as: Api, push_service: Server, browser: Callable[[], Browser]) -> Subscribe:
    """Subscribe a new browser of a member at the push service's /push/<name>; return it."""

    def subscribed(member: Any, name: str) -> Browser:
        device = browser()
        answer = subscribe(api_as, member, device, f"{push_service.origin}/push/{name}")
        assert answer.status_code == 201, answer.get_json()
        return device

    return subscribed


def verify_vapid(authorization: str, audience: str, server_key: str) -> dict[str, Any]:
    """Check the VAPID JWT (RFC 8292) with the public key the server gave browsers."""
    match = re.fullmatch(r"vapid t=([^,\s]+),\s*k=([A-Za-z0-9_-]+)", authorization)
    assert match, authorization
    token, key = match.groups()
    assert key == server_key
    header, claims, signature = token.split(".")
    raw = unb64url(signature)
    public = ec.EllipticCurvePublicKey.from_encoded_point(ec.SECP256R1(), unb64url(key))
    public.verify(
        encode_dss_signature(int.from_bytes(raw[:32], "big"), int.from_bytes(raw[32:], "big")),
        f"{header}.{claims}".encode(),
        ec.ECDSA(hashes.SHA256()),
    )
    assert json.loads(unb64url(header)) == {"typ": "JWT", "alg": "ES256"}
    body = json.loads(unb64url(claims))
    assert body["aud"] == audience
    assert body["exp"] > time.time()
    assert body["sub"].startswith(("mailto:", "https:"))
    return body  # type: ignore[no-any-return]


def test_an_asked_member_gets_an_encrypted_signed_discreet_push(
    app: Flask,
    api_as: Api,
    create_member: Any,
    post_alert: Api,
    push_service: Server,
    pushed_to: Subscribe,
) -> None:
    volunteer, reporter = create_member(trust_level=2), create_member(trust_level=1)
    phone = pushed_to(volunteer, "volunteer-phone")
    listing = api_as(volunteer, "GET", "/api/v1/me/push-subscriptions").get_json()
    server_key = listing["application_server_key"]
    assert [item["device"] for item in listing["items"]] == ["Test phone"]

    summary = "Dozens of comments mocking a girl for her religion."
    body = alert_body(severity=3, summary=summary, language="en")
    alert = api_as(reporter, "POST", "/api/v1/alerts", json=body).get_json()
    assert asks_of(app, volunteer) == [] and push_service.requests() == []  # not in the request

    # The asks job asks and brings the asks to their members.
    assert ask_members_job(alert["id"]) == 1

    [pushed] = push_service.requests()
    assert pushed.path == "/push/volunteer-phone"
    assert pushed.headers["content-encoding"] == "aes128gcm"
    assert pushed.headers["ttl"] == str(settings_of(app).ask_minutes * 60)
    assert pushed.headers["urgency"] == "high"
    verify_vapid(pushed.headers["authorization"], push_service.origin, server_key)
    message = phone.read(pushed.body)
    assert message["kind"] == "ask"
    assert message["path"] == f"/alerts/{alert['id']}"
    assert message["body"] == "You are asked to help with an alert — severity 3, Instagram"
    assert summary not in json.dumps(message) and "instagram.com" not in json.dumps(message)

    [ask] = asks_of(app, volunteer)
    assert ask.channel == AskChannel.PUSH and ask.delivered_at is not None
    # The waiting time starts when the ask arrived.
    assert ask.expires_at == ask.delivered_at + timedelta(minutes=settings_of(app).ask_minutes)
    mine = api_as(volunteer, "GET", "/api/v1/me/asks").get_json()["items"]
    assert [(item["channel"], item["alert_id"]) for item in mine] == [("push", alert["id"])]


def test_a_push_service_that_forgot_the_browser_removes_the_subscription(
    app: Flask,
    api_as: Api,
    create_member: Any,
    post_alert: Api,
    push_service: Server,
    pushed_to: Subscribe,
) -> None:
    volunteer, reporter = create_member(trust_level=2), create_member(trust_level=1)
    pushed_to(volunteer, "old-laptop")
    push_service.status = 410
    post_alert(reporter, language="en")
    [ask] = asks_of(app, volunteer)

    assert len(push_service.requests()) == 1
    assert api_as(volunteer, "GET", "/api/v1/me/push-subscriptions").get_json()["items"] == []
    assert ask.channel == AskChannel.EMAIL  # no push left: the ask went by mail (the outbox)


def test_a_failing_push_service_is_tried_again_later(
    app: Flask,
    api_as: Api,
    create_member: Any,
    post_alert: Api,
    push_service: Server,
    pushed_to: Subscribe,
) -> None:
    from network.reach import deliver

    volunteer, reporter = create_member(trust_level=2), create_member(trust_level=1)
    pushed_to(volunteer, "busy")
    push_service.status = 503
    drain(app)
    post_alert(reporter, language="en")
    [ask] = asks_of(app, volunteer)
    assert ask.delivered_at is None, "the asks job's try failed for now"
    # Its second try is queued, as deliver_ask's own retry would be: the same tries, the same wait.
    [(headers, (args, _kwargs, _options))] = drain(app, "network.reach.deliver_ask")
    assert args == [ask.id] and headers["retries"] == 1 and headers["eta"] is not None
    with app.app_context():
        assert deliver.deliver_ask(ask.id, last_try=False) == "retry"
    [ask] = asks_of(app, volunteer)
    assert ask.delivered_at is None
    with app.app_context():
        assert db.session.scalar(sa.select(sa.func.count()).select_from(PushSubscription)) == 1
    push_service.status = 201
    with app.app_context():
        assert deliver.deliver_ask(ask.id, last_try=False) == "push"


def drain(app: Flask, task: str = "") -> list[tuple[dict[str, Any], Any]]:
    """Take every job queued so far off the in-memory broker; return those of `task`."""
    celery = app.extensions["celery"]
    found = []
    with celery.connection_for_read() as connection:
        queue = connection.SimpleQueue("celery")
        try:
            while True:
                message = queue.get(block=False)
                message.ack()
                if message.headers["task"] == task:
                    found.append((message.headers, message.payload))
        except queue.Empty:
            pass
        finally:
            queue.close()
    return found


def _quiet_now(zone: str) -> dict[str, str]:
    local = utcnow().astimezone(ZoneInfo(zone))
    start, end = local - timedelta(hours=1), local + timedelta(hours=1)
    return {"quiet_from": start.strftime("%H:%M"), "quiet_until": end.strftime("%H:%M")}


def test_quiet_hours_hold_pushes_back_and_someone_awake_is_asked(
    app: Flask,
    api_as: Api,
    create_member: Any,
    post_alert: Api,
    push_service: Server,
    pushed_to: Subscribe,
) -> None:
    sleeper, awake = create_member(trust_level=2), create_member(trust_level=2)
    reporter = create_member(trust_level=1)
    pushed_to(sleeper, "sleeper")
    changed = api_as(
        sleeper,
        "PATCH",
        "/api/v1/me/reach-settings",
        json={"severe_alerts": True, **_quiet_now("Europe/Amsterdam")},
    )
    assert changed.status_code == 200, changed.get_json()

    post_alert(reporter, severity=4, language="en")

    assert asks_of(app, sleeper) == []
    assert len(asks_of(app, awake)) == 1
    assert push_service.requests() == []


def test_severe_alerts_reach_members_who_chose_them(
    app: Flask,
    api_as: Api,
    create_member: Any,
    post_alert: Api,
    push_service: Server,
    pushed_to: Subscribe,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    change_settings(monkeypatch, app, asks_per_alert=0)
    keen, elsewhere = create_member(trust_level=2), create_member(trust_level=2)
    reporter = create_member(trust_level=1)
    phone = pushed_to(keen, "keen")
    pushed_to(elsewhere, "elsewhere")
    api_as(keen, "PATCH", "/api/v1/me/reach-settings", json={"severe_alerts": True})
    # Severe alerts are pushed only on the platforms a member can help on.
    api_as(elsewhere, "PATCH", "/api/v1/me/reach-settings", json={"severe_alerts": True})
    api_as(elsewhere, "PATCH", "/api/v1/me", json={"platforms": ["tiktok"]})
    api_as(reporter, "PATCH", "/api/v1/me/reach-settings", json={"severe_alerts": True})

    # The asks job pushes each alert, after its asks.
    post_alert(reporter, severity=2, language="en")
    severe = post_alert(reporter, severity=4, language="en").get_json()

    [pushed] = push_service.requests()
    assert pushed.path == "/push/keen"
    message = phone.read(pushed.body)
    assert message["kind"] == "alert" and message["path"] == f"/alerts/{severe['id']}"
    assert pushed.headers["urgency"] == "high"


def test_the_asks_job_pushes_a_new_alert_once_and_again_only_when_its_worker_died(
    app: Flask,
    api_as: Api,
    create_member: Any,
    push_service: Server,
    pushed_to: Subscribe,
) -> None:
    from network.tasks.coordination import ask_members

    keen, reporter = create_member(trust_level=2), create_member(trust_level=1)
    pushed_to(keen, "keen")
    api_as(keen, "PATCH", "/api/v1/me", json={"asks_per_week": 0})  # never asked by name
    api_as(keen, "PATCH", "/api/v1/me/reach-settings", json={"severe_alerts": True})
    body = alert_body(severity=4, language="en")
    alert = api_as(reporter, "POST", "/api/v1/alerts", json=body).get_json()
    assert push_service.requests() == [], "nothing is pushed in the request"

    ask_members_job(alert["id"])
    assert [request.path for request in push_service.requests()] == ["/push/keen"]
    # A second copy of the job (two workers) asks nobody and pushes nothing.
    ask_members_job(alert["id"])
    assert len(push_service.requests()) == 1
    # The job given again by the broker because its worker died (it may have died before
    # pushing): the push goes out.
    ask_members.push_request(delivery_info={"redelivered": True})
    try:
        assert ask_members(alert["id"]) == 0
    finally:
        ask_members.pop_request()
    assert [request.path for request in push_service.requests()] == ["/push/keen"] * 2


@pytest.mark.parametrize(
    "endpoint",
    [
        "http://localhost/push/plain-http",
        "https://127.0.0.1/push/an-address",
        "https://push.example.org/push/unknown-service",
        "https://user:secret@localhost/push/with-credentials",
        "file:///etc/passwd",
    ],
)
def test_only_https_endpoints_of_known_push_services_are_accepted(
    api_as: Api,
    create_member: Any,
    push_service: Server,
    browser: Callable[[], Browser],
    endpoint: str,
) -> None:
    member = create_member()
    answer = subscribe(api_as, member, browser(), endpoint)
    assert answer.status_code == 422
    assert "endpoint" in answer.get_json()["error"]["fields"]
    assert api_as(member, "GET", "/api/v1/me/push-subscriptions").get_json()["items"] == []


def test_default_push_services_refuse_the_test_host(
    api_as: Api, create_member: Any, browser: Callable[[], Browser]
) -> None:
    answer = subscribe(api_as, create_member(), browser(), "https://localhost:8443/push/x")
    assert answer.status_code == 422


def test_subscriptions_belong_to_one_member_and_go_with_the_account(
    app: Flask,
    api_as: Api,
    create_member: Any,
    push_service: Server,
    browser: Callable[[], Browser],
) -> None:
    owner, other = create_member(), create_member()
    endpoint = f"{push_service.origin}/push/owner"
    made = subscribe(api_as, owner, browser(), endpoint, awake=False).get_json()
    path = f"/api/v1/me/push-subscriptions/{made['id']}"
    assert api_as(other, "DELETE", path).status_code == 404
    exported = api_as(owner, "GET", "/api/v1/me/export").get_json()
    assert [s["endpoint"] for s in exported["push_subscriptions"]] == [made["endpoint"]]
    assert exported["reach_settings"]["quiet_from"] == "22:00"

    with app.test_request_context():
        from network.accounts.models import Member
        from network.privacy.services import erase_member

        member = db.session.get(Member, owner.id)
        assert member is not None
        erase_member(member)
        db.session.commit()
        assert db.session.scalar(sa.select(sa.func.count()).select_from(PushSubscription)) == 0
