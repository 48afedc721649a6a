"""Each event reaches a real receiver once, signed; failures are tried again with backoff."""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
import sqlalchemy as sa
from flask import Flask

from network.alerts.models import Alert
from network.db import utcnow
from network.extensions import db
from network.learning.models import CheckIn
from network.webhooks.models import DeliveryStatus, WebhookDelivery
from tests.learning.test_checkins import done_action
from tests.webhooks.conftest import (
    MAX_ATTEMPTS,
    Queued,
    Receiver,
    Registered,
    delivery,
    pending,
    send_pending,
)

Api = Callable[..., Any]


def campaign_body() -> dict[str, Any]:
    now = datetime.now(UTC)
    return {
        "title": "Week of kindness",
        "hashtag": "WeekOfKindness",
        "description": "Stand by people who are shamed for their looks.",
        "starts_at": (now - timedelta(hours=1)).isoformat(),
        "ends_at": (now + timedelta(days=7)).isoformat(),
        "goal": 3,
    }


def test_each_event_reaches_the_receiver_once_and_is_signed(
    app: Flask,
    api_as: Api,
    create_member: Any,
    organiser: Any,
    post_alert: Api,
    receiver: Receiver,
    register: Callable[..., Registered],
) -> None:
    endpoint = register(receiver.url())
    reporter = create_member(trust_level=1, display_name="Reporter Rosa")
    alert = post_alert(reporter, severity=2, language="en").get_json()
    volunteer = create_member(trust_level=2)
    action = done_action(api_as, volunteer, alert["id"], "counter_speech")
    with app.app_context():
        check_in = db.session.scalar(sa.select(CheckIn).where(CheckIn.action_id == action["id"]))
        assert check_in is not None
        check_in_id = check_in.id
    path = f"/api/v1/check-ins/{check_in_id}"
    assert api_as(volunteer, "POST", path, json={"outcome": "retaliation"}).status_code == 200
    resolved = api_as(
        reporter, "POST", f"/api/v1/alerts/{alert['id']}/resolve", json={"outcome": "thread_calmed"}
    )
    assert resolved.status_code == 200
    campaign = api_as(organiser, "POST", "/api/v1/campaigns", json=campaign_body()).get_json()
    for step in ("launch", "end"):
        done = api_as(organiser, "POST", f"/api/v1/campaigns/{campaign['id']}/{step}")
        assert done.status_code == 200, done.get_json()

    assert set(send_pending(app)) == {"delivered"}
    assert pending(app) == []
    received = receiver.requests()
    by_type = {request.payload()["type"]: request for request in received}
    assert len(received) == 5 and set(by_type) == {
        "alert.live",
        "checkin.retaliation",
        "alert.resolved",
        "campaign.launched",
        "campaign.ended",
    }
    for request in received:
        assert request.signed_with(endpoint.secret)
        assert not request.signed_with("whsec_someone-elses")
        payload = request.payload()
        assert set(payload) == {"id", "type", "created_at", "data"}
        assert request.headers["upstander-event"] == payload["type"]
        assert request.headers["content-type"] == "application/json"
        assert request.path == "/hook"
        text = request.body.decode()
        assert "Reporter Rosa" not in text and reporter.email not in text
        assert "reporter" not in text and volunteer.display_name not in text
    live = by_type["alert.live"].payload()["data"]["alert"]
    assert live["id"] == alert["id"] and live["summary"] == alert["summary"]
    assert by_type["alert.resolved"].payload()["data"]["alert"]["outcome"] == "thread_calmed"
    told = by_type["checkin.retaliation"].payload()["data"]
    assert told["check_in"]["action_type"] == "counter_speech"
    assert told["alert"]["id"] == alert["id"]
    assert by_type["campaign.ended"].payload()["data"]["campaign"]["status"] == "ended"
    # The same event twice (a repeated job) is not sent twice.
    assert set(send_pending(app)) == set() and len(receiver.requests()) == 5


def test_an_endpoint_hears_only_the_events_it_chose(
    app: Flask,
    create_member: Any,
    post_alert: Api,
    receiver: Receiver,
    register: Callable[..., Registered],
) -> None:
    register(receiver.url("/campaigns-only"), events=["campaign.launched"])
    post_alert(create_member(trust_level=1)).get_json()
    assert pending(app) == []


@pytest.mark.parametrize(
    ("answers", "tries", "status", "code"),
    [
        ([500], MAX_ATTEMPTS, DeliveryStatus.FAILED, 500),
        ([503, 502, 200], 3, DeliveryStatus.DELIVERED, 200),
        ([408, 200], 2, DeliveryStatus.DELIVERED, 200),
        ([429], MAX_ATTEMPTS, DeliveryStatus.FAILED, 429),
        ([400], 1, DeliveryStatus.FAILED, 400),
        ([404], 1, DeliveryStatus.FAILED, 404),
        ([410], 1, DeliveryStatus.FAILED, 410),
        ([301], 1, DeliveryStatus.FAILED, 301),  # no redirect is followed
        ([204], 1, DeliveryStatus.DELIVERED, 204),
    ],
)
def test_5xx_408_and_429_are_tried_again_until_the_last_attempt_other_answers_are_final(
    app: Flask,
    queue_deliveries: Callable[..., Queued],
    receiver: Receiver,
    answers: list[int],
    tries: int,
    status: DeliveryStatus,
    code: int,
) -> None:
    receiver.answers = answers
    queued = queue_deliveries()
    send_pending(app)

    sent = delivery(app, queued.delivery)
    assert (sent.status, sent.attempts, sent.response_code) == (status, tries, code)
    requests = receiver.requests()
    assert len(requests) == tries
    assert len({request.payload()["id"] for request in requests}) == 1
    assert all(request.signed_with(queued.endpoint.secret) for request in requests)
    assert sent.finished_at is not None and sent.next_attempt_at is None


def test_a_receiver_that_does_not_answer_in_time_is_tried_again(
    app: Flask,
    monkeypatch: pytest.MonkeyPatch,
    queue_deliveries: Callable[..., Queued],
    receiver: Receiver,
) -> None:
    from tests.world import change_settings

    change_settings(monkeypatch, app, webhook_timeout_seconds=1, webhook_max_attempts=2)
    receiver.delay = 3
    queued = queue_deliveries()
    send_pending(app)
    sent = delivery(app, queued.delivery)
    assert (sent.status, sent.attempts, sent.error) == (DeliveryStatus.FAILED, 2, "timeout")
    assert sent.response_code is None


def test_the_wait_doubles_from_the_retry_setting(
    app: Flask, monkeypatch: pytest.MonkeyPatch
) -> None:
    from network.webhooks.sending import backoff
    from tests.world import change_settings

    change_settings(monkeypatch, app, webhook_retry_seconds=30)
    with app.app_context():
        assert [backoff(n) for n in range(1, 6)] == [30, 60, 120, 240, 480]
        assert backoff(40) == 6 * 3600


def test_an_alert_hidden_after_it_went_live_is_withheld(
    app: Flask, queue_deliveries: Callable[..., Queued], receiver: Receiver
) -> None:
    queued = queue_deliveries()
    with app.app_context():
        found = db.session.get(Alert, queued.alerts[0]["id"])
        assert found is not None
        found.hidden_at = utcnow()
        db.session.commit()
    assert send_pending(app) == ["withheld"]
    assert receiver.requests() == []
    assert delivery(app, queued.delivery).status == DeliveryStatus.WITHHELD


def test_a_disabled_endpoint_gets_nothing_new_and_nothing_more(
    app: Flask,
    api_as: Api,
    organiser: Any,
    open_alert: Any,
    queue_deliveries: Callable[..., Queued],
    receiver: Receiver,
) -> None:
    queued = queue_deliveries()
    waiting = queued.delivery
    path = f"/api/v1/webhooks/{queued.endpoint.id}"
    assert api_as(organiser, "PATCH", path, json={"enabled": False}).get_json()["enabled"] is False
    open_alert()
    assert pending(app) == [waiting]
    assert send_pending(app) == ["failed"]
    assert delivery(app, waiting).error == "endpoint_disabled" and receiver.requests() == []


def test_resend_sends_the_same_event_again_and_a_rotated_secret_signs_it(
    app: Flask,
    api_as: Api,
    organiser: Any,
    queue_deliveries: Callable[..., Queued],
    receiver: Receiver,
) -> None:
    queued = queue_deliveries()
    endpoint, first = queued.endpoint, queued.delivery
    send_pending(app)
    rotated = api_as(organiser, "POST", f"/api/v1/webhooks/{endpoint.id}/secret")
    assert rotated.status_code == 200
    new_secret = rotated.get_json()["secret"]
    assert new_secret != endpoint.secret
    path = f"/api/v1/webhooks/{endpoint.id}/deliveries/{first}/resend"
    again = api_as(organiser, "POST", path)
    assert again.status_code == 202, again.get_json()
    assert again.get_json()["resent_from"] == first
    assert send_pending(app) == ["delivered"]
    one, two = receiver.requests()
    assert one.payload()["id"] == two.payload()["id"]
    assert one.signed_with(endpoint.secret) and not one.signed_with(new_secret)
    assert two.signed_with(new_secret) and not two.signed_with(endpoint.secret)
    with app.app_context():
        count = db.session.scalar(sa.select(sa.func.count()).select_from(WebhookDelivery))
    assert count == 2


def test_the_verification_example_in_the_api_docs_accepts_a_real_delivery(
    app: Flask, queue_deliveries: Callable[..., Queued], receiver: Receiver
) -> None:
    from pathlib import Path

    docs = (Path(__file__).resolve().parents[2] / "docs" / "api.md").read_text()
    blocks = [block.split("```", 1)[0] for block in docs.split("```python\n")[1:]]
    [example] = [block for block in blocks if "def verify(" in block]
    assert "hmac.compare_digest" in example
    namespace: dict[str, Any] = {}
    exec(compile(example, "docs/api.md", "exec"), namespace)  # noqa: S102 (our own docs)
    endpoint = queue_deliveries().endpoint
    send_pending(app)
    [request] = receiver.requests()
    header = request.headers["upstander-signature"]
    assert namespace["verify"](endpoint.secret, header, request.body)
    assert not namespace["verify"](endpoint.secret, header, request.body + b" ")
    assert not namespace["verify"]("whsec_wrong", header, request.body)


def test_a_changed_secret_key_fails_the_delivery_until_the_secret_is_rotated(
    app: Flask,
    monkeypatch: pytest.MonkeyPatch,
    api_as: Api,
    organiser: Any,
    queue_deliveries: Callable[..., Queued],
    receiver: Receiver,
) -> None:
    from tests.world import change_settings

    queued = queue_deliveries()
    endpoint, first = queued.endpoint, queued.delivery
    change_settings(monkeypatch, app, secret_key="another-secret-key-that-is-long-enough")
    assert send_pending(app) == ["failed"]
    assert delivery(app, first).error == "secret_unreadable" and receiver.requests() == []
    rotated = api_as(organiser, "POST", f"/api/v1/webhooks/{endpoint.id}/secret").get_json()
    path = f"/api/v1/webhooks/{endpoint.id}/deliveries/{first}/resend"
    assert api_as(organiser, "POST", path).status_code == 202
    assert send_pending(app) == ["delivered"]
    assert receiver.requests()[0].signed_with(rotated["secret"])


def test_an_alert_approved_in_review_goes_out_as_live(
    app: Flask,
    api_as: Api,
    create_member: Any,
    organiser: Any,
    post_alert: Api,
    receiver: Receiver,
    register: Callable[..., Registered],
) -> None:
    register(receiver.url(), events=["alert.live"])
    newcomer = create_member(trust_level=0)
    alert = post_alert(newcomer).get_json()
    assert alert["status"] == "pending_review" and pending(app) == []
    reviewed = api_as(
        organiser,
        "POST",
        f"/api/v1/alerts/{alert['id']}/review",
        json={"decision": "approve", "reason": ""},
    )
    assert reviewed.status_code == 200, reviewed.get_json()
    assert send_pending(app) == ["delivered"]
    [request] = receiver.requests()
    assert request.payload()["data"]["alert"]["id"] == alert["id"]
    assert newcomer.display_name not in request.body.decode()


def test_changes_and_resends_share_one_rate_limit(
    app: Flask,
    monkeypatch: pytest.MonkeyPatch,
    api_as: Api,
    organiser: Any,
    receiver: Receiver,
    register: Callable[..., Registered],
) -> None:
    from tests.world import change_settings

    change_settings(monkeypatch, app, webhook_limit="2 per hour")
    endpoint = register(receiver.url())
    assert api_as(organiser, "GET", "/api/v1/webhooks").status_code == 200
    assert api_as(organiser, "POST", f"/api/v1/webhooks/{endpoint.id}/secret").status_code == 200
    limited = api_as(organiser, "POST", f"/api/v1/webhooks/{endpoint.id}/secret")
    assert limited.status_code == 429
    assert limited.get_json()["error"]["code"] == "rate_limited"
    # Reading is not limited.
    assert api_as(organiser, "GET", "/api/v1/webhooks").status_code == 200


def test_a_delivery_whose_job_was_lost_is_queued_again_by_the_beat_job(
    app: Flask, queue_deliveries: Callable[..., Queued]
) -> None:
    from network.tasks import beat_schedule
    from network.webhooks.sending import LOST_AFTER, lost

    assert beat_schedule()["webhook-lost-deliveries"]["task"] == "network.webhooks.requeue_lost"
    waiting = queue_deliveries().delivery
    with app.app_context():
        assert lost() == []  # just queued: its job may still be on its way
        assert lost(utcnow() + LOST_AFTER + timedelta(minutes=1)) == [waiting]
    send_pending(app)
    with app.app_context():
        assert lost(utcnow() + timedelta(days=1)) == []


@pytest.mark.parametrize(
    "endpoints",
    [
        # (events chosen, still enabled) per endpoint; a post reaches the enabled ones that
        # chose alert.live, each once (PostgreSQL reads them in the post's own statement).
        [],
        [(["alert.live"], True)],
        [(["alert.live"], False)],
        [(["campaign.launched"], True), (["alert.live", "alert.resolved"], True)],
        [(["alert.live"], True), (["alert.live"], False), (["alert.live"], True)],
        [(["alert.resolved"], True), (["campaign.ended"], False)],
    ],
)
def test_a_post_reaches_each_enabled_endpoint_that_chose_it_once(
    app: Flask,
    api_as: Api,
    organiser: Any,
    create_member: Any,
    post_alert: Api,
    receiver: Receiver,
    register: Callable[..., Registered],
    endpoints: list[tuple[list[str], bool]],
) -> None:
    wanted = []
    for number, (events, enabled) in enumerate(endpoints):
        registered = register(receiver.url(f"/hook-{number}"), events=events)
        if not enabled:
            path = f"/api/v1/webhooks/{registered.id}"
            assert api_as(organiser, "PATCH", path, json={"enabled": False}).status_code == 200
        elif "alert.live" in events:
            wanted.append(registered.id)
    alert = post_alert(create_member(trust_level=1)).get_json()
    with app.app_context():
        queued = db.session.execute(
            sa.select(WebhookDelivery.endpoint_id, WebhookDelivery.subject_id)
        ).all()
    assert sorted(queued) == [(endpoint_id, alert["id"]) for endpoint_id in sorted(wanted)]
