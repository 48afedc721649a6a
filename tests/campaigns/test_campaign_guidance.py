"""Campaigns follow the guide: no focus means every category, and no reply idea under a threat."""

from __future__ import annotations

import re
from collections.abc import Callable
from html import unescape
from typing import Any

import pytest
from flask.testing import FlaskClient

from network.alerts.models import Category
from network.guidance.rules import SEVERITIES, may_ask, never_asked
from network.vocabulary import ActionType, action_info
from tests.alerts.conftest import alert_body
from tests.campaigns.test_campaigns import campaign_body, live_campaign, organiser

__all__ = ["live_campaign", "organiser"]

Api = Callable[..., Any]
FOCUSES = [[]] + [[category.value] for category in Category]
CELLS = [(category.value, severity) for category in Category for severity in SEVERITIES]


def allowed_for_focus(action: ActionType, focus: list[str]) -> bool:
    """A campaign may recommend an action its whole focus allows; no focus is every category."""
    return not any(never_asked(action, category) for category in focus or list(Category))


@pytest.mark.parametrize("focus", FOCUSES, ids=lambda focus: ",".join(focus) or "any")
def test_a_campaign_recommends_only_what_the_guide_allows_for_its_whole_focus(
    api_as: Api, organiser: Any, focus: list[str]
) -> None:
    for action in ActionType:
        body = campaign_body(focus_categories=focus, recommended_actions=[action.value])
        answer = api_as(organiser, "POST", "/api/v1/campaigns", json=body)
        if allowed_for_focus(action, focus):
            assert answer.status_code == 201, (action, focus, answer.get_json())
        else:
            assert answer.status_code == 422, (action, focus)
            problem = answer.get_json()["error"]["fields"]["recommended_actions"]
            assert action_info(action).label in problem
            if not focus:
                assert "without a category focus" in problem


@pytest.mark.parametrize("focus", FOCUSES, ids=lambda focus: ",".join(focus) or "any")
def test_a_template_is_added_only_when_the_guide_allows_it_for_the_whole_focus(
    api_as: Api, organiser: Any, live_campaign: Any, focus: list[str]
) -> None:
    campaign = live_campaign(focus_categories=focus, recommended_actions=[])
    for action in ActionType:
        answer = api_as(
            organiser,
            "POST",
            f"/api/v1/campaigns/{campaign['id']}/templates",
            json={"action_type": action.value, "language": "nl", "body": "Een idee."},
        )
        assert answer.status_code == (201 if allowed_for_focus(action, focus) else 422), (
            action,
            focus,
        )


@pytest.mark.parametrize("new_focus", FOCUSES, ids=lambda focus: ",".join(focus) or "any")
def test_changing_the_focus_rechecks_the_templates_the_campaign_has(
    api_as: Api, organiser: Any, live_campaign: Any, new_focus: list[str]
) -> None:
    campaign = live_campaign(focus_categories=["hate"], recommended_actions=[])
    for action in ActionType:
        added = api_as(
            organiser,
            "POST",
            f"/api/v1/campaigns/{campaign['id']}/templates",
            json={"action_type": action.value, "language": "nl", "body": f"Idee {action}."},
        )
        assert added.status_code == (201 if allowed_for_focus(action, ["hate"]) else 422)
    kept = [action for action in ActionType if allowed_for_focus(action, ["hate"])]
    body = campaign_body(focus_categories=new_focus, recommended_actions=[])
    answer = api_as(organiser, "PUT", f"/api/v1/campaigns/{campaign['id']}", json=body)
    if all(allowed_for_focus(action, new_focus) for action in kept):
        assert answer.status_code == 200, answer.get_json()
    else:
        assert answer.status_code == 422, new_focus
        assert "focus_categories" in answer.get_json()["error"]["fields"]
        unchanged = api_as(organiser, "GET", f"/api/v1/campaigns/{campaign['id']}").get_json()
        assert unchanged["focus_categories"] == ["hate"]


def help_next_to(page: str, alert_id: int) -> str:
    """The text the campaign page shows with one of its alerts."""
    found = re.search(
        rf'<div class="campaign-help" data-alert-id="{alert_id}">(.*?)</div>', page, re.S
    )
    assert found, f"no campaign help next to alert {alert_id}"
    return unescape(re.sub(r"<[^>]+>", " ", found.group(1)))


def test_the_campaign_page_shows_next_to_each_alert_only_what_the_guide_allows_there(
    client: FlaskClient,
    api_as: Api,
    organiser: Any,
    create_member: Any,
    live_campaign: Any,
    log_in: Any,
) -> None:
    # Hate: replies are fine at low severity; the campaign then takes in alerts of every kind.
    recommended = [action.value for action in ActionType if allowed_for_focus(action, ["hate"])]
    campaign = live_campaign(focus_categories=["hate"], recommended_actions=recommended)
    idea = {
        action: f"Campaign idea number {n} for this kind of help."
        for n, action in enumerate(ActionType)
    }
    for action in recommended:
        added = api_as(
            organiser,
            "POST",
            f"/api/v1/campaigns/{campaign['id']}/templates",
            json={"action_type": action, "language": "nl", "body": idea[ActionType(action)]},
        )
        assert added.status_code == 201
    alerts: dict[tuple[str, int], int] = {}
    for category, severity in CELLS:
        posted = api_as(
            create_member(trust_level=1),
            "POST",
            "/api/v1/alerts",
            json=alert_body(category=category, severity=severity),
        )
        assert posted.status_code == 201 and posted.get_json()["status"] == "open"
        alert_id = posted.get_json()["id"]
        attached = api_as(
            organiser,
            "POST",
            f"/api/v1/campaigns/{campaign['id']}/alerts",
            json={"alert_id": alert_id},
        )
        assert attached.status_code == 200, "any active alert may join a campaign"
        alerts[(category, severity)] = alert_id

    log_in(create_member())
    page = client.get(f"/campaigns/{campaign['id']}").get_data(as_text=True)

    for (category, severity), alert_id in alerts.items():
        shown = help_next_to(page, alert_id)
        for code in recommended:
            action = ActionType(code)
            if may_ask(action, category, severity):
                assert idea[action] in shown, (category, severity, action)
            else:
                assert idea[action] not in shown, (category, severity, action)
                assert action_info(action).label in shown.split("Not for this alert")[-1]
        if not may_ask(ActionType.COUNTER_SPEECH, category, severity):
            assert "Not for this alert" in shown
