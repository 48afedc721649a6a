"""No page, email or API answer asks for what the guide forbids, and claiming it is refused."""

from __future__ import annotations

from collections.abc import Callable
from datetime import timedelta
from typing import Any

import pytest
import sqlalchemy as sa
from flask import Flask
from flask.testing import FlaskClient

from network.alerts.models import Alert
from network.coordination.models import Ask
from network.db import utcnow
from network.digests.compose import shared
from network.digests.queries import alerts_needing_help
from network.extensions import db
from network.guidance.rules import may_ask
from network.settings import replace_settings
from network.vocabulary import ActionType, action_info
from tests.coordination.test_feed_page import card_in, page_of, texts

Api = Callable[..., Any]
# Alerts of every kind the guide restricts, and the actions it restricts there.
RESTRICTED = [
    ("threat", 4),
    ("threat", 1),
    ("doxxing", 3),
    ("sexual_harassment", 3),
    ("sexual_harassment", 2),
    ("hate", 4),
    ("hate", 3),
    ("shaming", 1),
]


@pytest.mark.parametrize(("category", "severity"), RESTRICTED)
def test_the_api_never_asks_for_a_forbidden_action_and_refuses_its_claim(
    api_as: Api, claim: Api, open_alert: Any, create_member: Any, category: str, severity: int
) -> None:
    # The target welcomes everything: the guide still decides.
    everything = [action.value for action in ActionType]
    alert = open_alert(
        category=category,
        severity=severity,
        responder_goal=3,
        target_requested_help=True,
        wanted_actions=everything,
    )
    volunteer = create_member()
    seen = api_as(volunteer, "GET", f"/api/v1/alerts/{alert['id']}").get_json()
    listed = api_as(volunteer, "GET", "/api/v1/alerts?status=open").get_json()["items"]
    [in_list] = [item for item in listed if item["id"] == alert["id"]]
    for action in ActionType:
        if may_ask(action, category, severity):
            continue
        for needs in (alert["needs"], seen["needs"], in_list["needs"]):
            assert needs[action.value]["wanted"] == needs[action.value]["open"] == 0
        refused = claim(volunteer, alert["id"], action.value)
        assert refused.status_code == 409
        error = refused.get_json()["error"]
        assert error["code"] == "against_guidance" and error["fields"] == {}
        assert action_info(action).label in error["message"]


def test_a_severity_four_threat_asks_for_no_public_voice_anywhere(
    app: Flask,
    client: FlaskClient,
    submit: Any,
    log_in: Any,
    api_as: Api,
    open_alert: Any,
    create_member: Any,
) -> None:
    alert = open_alert(category="threat", severity=4, summary="Threats against a streamer.")
    log_in(create_member())
    card = texts(card_in(page_of(client), alert["id"]))
    assert "public voice" not in card
    for action in ActionType:
        label = action_info(action).label
        assert (f"Claim: {label}" in card) == may_ask(action, "threat", 4), label
    # The alert page offers no words for replying in the thread either.
    alert_page = client.get(f"/alerts/{alert['id']}").get_data(as_text=True)
    assert "Respectful public reply</summary>" not in alert_page
    assert "Stand by the target in public</summary>" not in alert_page
    assert "Public voices wanted" not in alert_page
    # A claim posted anyway (an old page, a crafted form) is refused with the guide's reason.
    response = submit(
        "/feed/",
        {"type": "counter_speech"},
        action=f"/feed/alerts/{alert['id']}/claim",
        follow_redirects=True,
    )
    page = response.get_data(as_text=True)
    assert 'class="flash flash-error">Respectful public reply is never asked for threat' in page
    # The digest's list of alerts that need help names only what may be asked.
    with app.test_request_context():
        found = [(a, needs) for a, needs in alerts_needing_help(limit=50) if a.id == alert["id"]]
        assert found
        [listed] = [
            item
            for item in shared("en", found).alerts
            if item["url"].endswith(f"/alerts/{alert['id']}")
        ]
    assert listed["open"]
    assert {"Respectful public reply", "Stand by the target in public"}.isdisjoint(listed["open"])
    assert "Private word with the author" not in listed["open"]


def test_members_only_comfortable_with_public_replies_are_not_asked_about_a_threat(
    app: Flask, api_as: Api, create_member: Any
) -> None:
    from tests.alerts.conftest import alert_body
    from tests.conftest import ask_members_job

    replace_settings(app, asks_per_alert=5)
    try:
        public_only = create_member(
            comfortable_actions=["counter_speech", "support_target_public", "message_author"]
        )
        reporter = create_member(comfortable_actions=["report_platform"])
        posted = api_as(
            create_member(trust_level=1),
            "POST",
            "/api/v1/alerts",
            json=alert_body(category="threat", severity=4, language="en"),
        )
        assert posted.status_code == 201
        ask_members_job(posted.json["id"])
    finally:
        replace_settings(app, asks_per_alert=3)
    with app.app_context():
        asked = set(
            db.session.scalars(sa.select(Ask.member_id).where(Ask.alert_id == posted.json["id"]))
        )
    assert reporter.id in asked and public_only.id not in asked


def test_an_alert_made_worse_stops_asking_for_public_voices(
    app: Flask, api_as: Api, open_alert: Any, create_member: Any
) -> None:
    alert = open_alert(category="hate", severity=2)
    assert alert["needs"]["counter_speech"]["open"] == 3
    with app.app_context():
        db.session.execute(sa.update(Alert).where(Alert.id == alert["id"]).values(severity=4))
        db.session.commit()
    seen = api_as(create_member(), "GET", f"/api/v1/alerts/{alert['id']}").get_json()
    assert seen["needs"]["counter_speech"]["open"] == 0
    assert seen["needs"]["support_target_public"]["open"] == 0
    assert seen["needs"]["report_authority"]["open"] == 1


@pytest.mark.parametrize(
    ("focus", "recommended", "refused"),
    [
        (["threat"], ["counter_speech"], True),
        (["shaming", "doxxing"], ["report_platform", "support_target_public"], True),
        (["sexual_harassment"], ["message_author"], True),
        (["threat", "doxxing"], ["report_platform", "report_authority"], False),
        (["shaming"], ["counter_speech", "support_target_public"], False),
        ([], ["counter_speech"], True),  # no focus is every category, threats included
        (["hate"], ["counter_speech"], False),
    ],
)
def test_campaigns_cannot_recommend_what_the_guide_forbids_for_their_focus(
    api_as: Api,
    create_member: Any,
    focus: list[str],
    recommended: list[str],
    refused: bool,
) -> None:
    from tests.campaigns.test_campaigns import campaign_body

    organiser = create_member(role="organiser")
    body = campaign_body(focus_categories=focus, recommended_actions=recommended)
    response = api_as(organiser, "POST", "/api/v1/campaigns", json=body)
    if refused:
        assert response.status_code == 422
        error = response.get_json()["error"]
        assert "never asked for" in error["fields"]["recommended_actions"]
        return
    assert response.status_code == 201
    template = api_as(
        organiser,
        "POST",
        f"/api/v1/campaigns/{response.get_json()['id']}/templates",
        json={"action_type": "counter_speech", "language": "en", "body": "Not OK."},
    )
    assert template.status_code == (201 if "threat" not in focus else 422)


def test_a_campaign_page_says_when_a_recommended_action_is_asked(
    client: FlaskClient, api_as: Api, create_member: Any, log_in: Any
) -> None:
    from tests.campaigns.test_campaigns import campaign_body

    organiser = create_member(role="organiser")
    body = campaign_body(focus_categories=["hate"], recommended_actions=["counter_speech"])
    created = api_as(organiser, "POST", "/api/v1/campaigns", json=body).get_json()
    api_as(organiser, "POST", f"/api/v1/campaigns/{created['id']}/launch")
    log_in(create_member())
    page = texts(client.get(f"/campaigns/{created['id']}").get_data(as_text=True))
    assert "Asked for at severity 1 and 2 only." in page
    assert "Never asked for threat, sexual harassment, or doxxing alerts" in page


def test_claims_already_made_before_the_rule_still_count_but_no_new_ones(
    app: Flask, claim: Api, open_alert: Any, create_member: Any
) -> None:
    alert = open_alert(category="hate", severity=2, responder_goal=2)
    first = claim(create_member(), alert["id"], "counter_speech")
    assert first.status_code == 201
    with app.app_context():
        db.session.execute(
            sa.update(Alert)
            .where(Alert.id == alert["id"])
            .values(severity=3, last_activity_at=utcnow() - timedelta(minutes=1))
        )
        db.session.commit()
    late = claim(create_member(), alert["id"], "counter_speech")
    assert late.status_code == 409 and late.get_json()["error"]["code"] == "against_guidance"
    assert "not asked for at severity 3" in late.get_json()["error"]["message"]
