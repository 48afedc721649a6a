"""What a delivery may say, over every severity and state: never the reporter, never a pending,
rejected or hidden alert, no summary from severity 3 on; read at delivery time."""

from __future__ import annotations

import json
import uuid
from collections.abc import Callable
from typing import Any

from flask import Flask
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from network.alerts.models import Alert, AlertStatus, Outcome
from network.db import utcnow
from network.extensions import db
from network.webhooks import payloads
from network.webhooks.models import WebhookDelivery, WebhookEvent

ALERT_EVENTS = [WebhookEvent.ALERT_LIVE, WebhookEvent.ALERT_RESOLVED]
SUMMARY = "Comments about a girl's religion under her photo."


@settings(
    max_examples=60,
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.function_scoped_fixture],
)
@given(
    severity=st.integers(min_value=1, max_value=4),
    status=st.sampled_from(list(AlertStatus)),
    hidden=st.booleans(),
    event=st.sampled_from(ALERT_EVENTS),
)
def test_an_alert_event_says_only_what_may_be_said_now(
    app: Flask,
    open_alert: Callable[..., Any],
    create_member: Callable[..., Any],
    severity: int,
    status: AlertStatus,
    hidden: bool,
    event: WebhookEvent,
) -> None:
    reporter = create_member(trust_level=1, display_name="Reporter Rosa")
    posted = open_alert(reporter=reporter, summary=SUMMARY)
    with app.app_context():
        alert = db.session.get(Alert, posted["id"])
        assert alert is not None
        alert.severity, alert.status = severity, status
        alert.hidden_at = utcnow() if hidden else None
        alert.outcome = Outcome.THREAD_CALMED if status == AlertStatus.RESOLVED else None
        db.session.flush()
        delivery = WebhookDelivery(
            endpoint_id=1,
            event_id=str(uuid.uuid4()),
            event=event,
            subject_id=alert.id,
            occurred_at=utcnow(),
        )
        body = payloads.body_of(delivery)
        db.session.rollback()

    public = status in (AlertStatus.OPEN, AlertStatus.RESOLVED, AlertStatus.EXPIRED) and not hidden
    fits = event == WebhookEvent.ALERT_LIVE or status == AlertStatus.RESOLVED
    if not (public and fits):
        assert body is None
        return
    assert body is not None
    text = body.decode()
    payload = json.loads(text)
    sent = payload["data"]["alert"]
    assert (sent["id"], sent["severity"], sent["status"]) == (posted["id"], severity, status.value)
    assert (SUMMARY in text) == (severity < 3)
    assert sent["summary"] == (SUMMARY if severity < 3 else None)
    assert "reporter" not in text and "Reporter Rosa" not in text and reporter.email not in text
    assert not {"reporter_id", "member_id", "reporter_count", "reported_by_me"} & set(sent)


def test_a_retaliation_check_in_goes_out_without_an_alert_hidden_since(
    app: Flask, api_as: Callable[..., Any], create_member: Callable[..., Any], open_alert: Any
) -> None:
    import sqlalchemy as sa

    from network.learning.models import CheckIn
    from tests.learning.test_checkins import done_action

    alert = open_alert()
    volunteer = create_member(trust_level=2)
    action = done_action(api_as, volunteer, alert["id"], "counter_speech")
    with app.app_context():
        check_in = db.session.scalar(sa.select(CheckIn).where(CheckIn.action_id == action["id"]))
        assert check_in is not None
        check_in_id = check_in.id
    answer = {"outcome": "retaliation"}
    assert api_as(volunteer, "POST", f"/api/v1/check-ins/{check_in_id}", json=answer).status_code
    with app.app_context():
        hidden = db.session.get(Alert, alert["id"])
        assert hidden is not None
        hidden.hidden_at = utcnow()
        db.session.flush()
        delivery = WebhookDelivery(
            endpoint_id=1,
            event_id=str(uuid.uuid4()),
            event=WebhookEvent.CHECKIN_RETALIATION,
            subject_id=check_in_id,
            occurred_at=utcnow(),
        )
        body = payloads.body_of(delivery)
        db.session.rollback()
    assert body is not None
    data = json.loads(body)["data"]
    assert data["alert"] is None and data["check_in"]["outcome"] == "retaliation"
    assert volunteer.display_name not in body.decode()
