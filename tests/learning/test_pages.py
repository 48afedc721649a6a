"""The check-in on the feed and alert pages (one tap, English and Dutch), in the digest, and the
pages' copy buttons that record the template."""

from __future__ import annotations

import re
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from typing import Any

import sqlalchemy as sa
from flask import Flask
from flask.testing import FlaskClient

from network.accounts.models import Member
from network.coordination.models import Action
from network.db import utcnow
from network.digests.compose import shared
from network.digests.models import Digest, DigestStatus
from network.extensions import db
from network.learning import checkins
from network.learning.models import CheckIn
from tests.conftest import csrf_token_from

Api = Callable[..., Any]


def asked_check_in(app: Flask, api_as: Api, volunteer: Any, alert_id: int, kind: str) -> int:
    claimed = api_as(volunteer, "POST", f"/api/v1/alerts/{alert_id}/actions", json={"type": kind})
    action_id = claimed.get_json()["id"]
    api_as(volunteer, "PATCH", f"/api/v1/actions/{action_id}", json={"status": "done"})
    with app.app_context():
        db.session.execute(sa.update(CheckIn).values(due_at=utcnow() - timedelta(hours=1)))
        db.session.commit()
        [asked] = checkins.ask_due(datetime(2030, 6, 10, 10, 0, tzinfo=UTC))  # noon in Amsterdam
    return int(asked)


def test_the_check_in_is_one_tap_on_the_feed_and_the_alert_page(
    app: Flask, client: FlaskClient, api_as: Api, create_member: Any, open_alert: Any, log_in: Any
) -> None:
    volunteer = create_member(trust_level=2)
    alert = open_alert()
    check_in_id = asked_check_in(app, api_as, volunteer, alert["id"], "report_platform")
    log_in(volunteer)

    feed = client.get("/feed/").get_data(as_text=True)
    assert "What happened after your action?" in feed
    assert f'action="/check-ins/{check_in_id}"' in feed
    assert "Did a statement of reasons come?" in feed and "What did the platform decide?" in feed
    page = client.get(f"/alerts/{alert['id']}").get_data(as_text=True)
    assert f'id="check-in-{check_in_id}"' in page

    answered = client.post(
        f"/check-ins/{check_in_id}",
        data={
            "csrf_token": csrf_token_from(page),
            "alert_id": alert["id"],
            "outcome": "others_joined",
            "platform_decision": "no_answer_yet",
            "statement_of_reasons": "no",
        },
    )
    assert answered.status_code == 302
    assert answered.headers["Location"].endswith(f"/alerts/{alert['id']}")
    with app.app_context():
        check_in = db.session.get(CheckIn, check_in_id)
        assert check_in is not None
        assert (check_in.outcome, check_in.platform_decision, check_in.statement_of_reasons) == (
            "others_joined",
            "no_answer_yet",
            False,
        )
    assert "What happened after your action?" not in client.get("/feed/").get_data(as_text=True)


def test_the_check_in_speaks_dutch(
    app: Flask, client: FlaskClient, api_as: Api, create_member: Any, open_alert: Any, log_in: Any
) -> None:
    volunteer = create_member(trust_level=2, locale="nl")
    alert = open_alert()
    asked_check_in(app, api_as, volunteer, alert["id"], "counter_speech")
    log_in(volunteer)
    feed = client.get("/feed/").get_data(as_text=True)
    assert 'name="outcome" value="retaliation"' in feed
    assert '<html lang="nl"' in feed


def test_the_next_digest_says_a_check_in_waits(
    app: Flask, api_as: Api, create_member: Any, open_alert: Any
) -> None:
    from network.digests.compose import compose

    volunteer = create_member(trust_level=2)
    alert = open_alert()
    asked_check_in(app, api_as, volunteer, alert["id"], "counter_speech")
    with app.test_request_context():
        member = db.session.get(Member, volunteer.id)
        assert member is not None
        now = utcnow()
        digest = Digest(
            member_id=member.id,
            period_key="daily-2030-06-10",
            period_start=now - timedelta(days=1),
            period_end=now,
            status=DigestStatus.CLAIMED,
            claimed_by="test",
            numbers={},
            norm_kind="invitation",
            norm_message="Join in.",
        )
        message = compose(digest, member, shared("en", []))
    text = message.get_body(("plain",)).get_content()  # type: ignore[union-attr]
    assert "1 question waits for you: what happened after your action?" in text
    assert "/feed/" in text


def test_the_copy_button_of_a_claim_records_the_template(
    app: Flask, client: FlaskClient, api_as: Api, create_member: Any, open_alert: Any, log_in: Any
) -> None:
    volunteer = create_member(trust_level=2)
    alert = open_alert(category="hate", language="en")
    claimed = api_as(
        volunteer, "POST", f"/api/v1/alerts/{alert['id']}/actions", json={"type": "counter_speech"}
    ).get_json()
    log_in(volunteer)
    feed = client.get("/feed/").get_data(as_text=True)
    record = f"/feed/actions/{claimed['id']}/template"
    buttons = re.findall(
        rf'data-template-record="{re.escape(record)}" data-template-id="([^"]+)" '
        r'data-template-tone="([^"]+)"',
        feed,
    )
    assert buttons, "the claim's copy buttons carry the template's id and tone"
    template_id, tone = buttons[-1]
    recorded = client.post(
        record, data={"csrf_token": csrf_token_from(feed), "template_id": template_id, "tone": tone}
    )
    assert recorded.status_code == 204
    assert client.post(record, data={"template_id": template_id, "tone": tone}).status_code == 400
    with app.app_context():
        action = db.session.get(Action, claimed["id"])
        assert action is not None
        assert (action.template_id, action.template_tone) == (template_id, tone)


def test_organisers_see_retaliation_reports_members_do_not(
    app: Flask,
    client: FlaskClient,
    api_as: Api,
    create_member: Any,
    open_alert: Any,
    log_in: Any,
    organiser: Any,
) -> None:
    volunteer = create_member(trust_level=2, display_name="Hidden Name")
    alert = open_alert()
    check_in_id = asked_check_in(app, api_as, volunteer, alert["id"], "counter_speech")
    api_as(volunteer, "POST", f"/api/v1/check-ins/{check_in_id}", json={"outcome": "retaliation"})
    log_in(volunteer)
    assert client.get("/review/retaliation").status_code == 403
    log_in(organiser)
    page = client.get("/review/retaliation").get_data(as_text=True)
    assert f"/alerts/{alert['id']}" in page and "Hidden Name" not in page
    assert "/review/retaliation" in client.get("/review/").get_data(as_text=True)
