"""Organisers run a campaign from its page: add alerts (the focus suggests them) and templates."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest
from flask import Flask
from flask.testing import FlaskClient

from network.campaigns.views import alert_id_from
from tests.alerts.conftest import alert_body
from tests.campaigns.test_campaigns import live_campaign, organiser
from tests.conftest import PASSWORD, csrf_token_from

__all__ = ["live_campaign", "organiser"]

Api = Callable[..., Any]


def post_open_alert(api_as: Api, reporter: Any, **changes: Any) -> dict[str, Any]:
    response = api_as(reporter, "POST", "/api/v1/alerts", json=alert_body(**changes))
    assert response.status_code == 201, response.get_data(as_text=True)
    alert: dict[str, Any] = response.get_json()
    return alert


def campaign_alert_ids(api_as: Api, member: Any, campaign_id: int) -> set[int]:
    found = api_as(member, "GET", f"/api/v1/alerts?campaign_id={campaign_id}").get_json()
    return {alert["id"] for alert in found["items"]}


@pytest.mark.parametrize(
    ("reference", "expected"),
    [
        ("42", 42),
        (" #42 ", 42),
        ("http://127.0.0.1:5000/alerts/42", 42),
        ("https://upstanders.example.org/alerts/42/", 42),
        ("/alerts/42?from=feed", 42),
        ("https://upstanders.example.org/feed/alerts/42/card", None),
        ("alert forty-two", None),
        ("", None),
        ("4 2", None),
        ("0", None),
        ("9999999999", None),  # more than the database's ids hold: no alert, not an error
        ("99999999999999999999", None),
    ],
)
def test_an_alert_is_named_by_its_number_or_the_link_to_its_page(
    reference: str, expected: int | None
) -> None:
    assert alert_id_from(reference) == expected


def test_the_campaign_focus_suggests_matching_open_alerts_that_the_organiser_adds(
    client: FlaskClient,
    api_as: Api,
    submit: Any,
    organiser: Any,
    create_member: Any,
    live_campaign: Any,
    log_in: Any,
) -> None:
    campaign = live_campaign(focus_categories=["shaming"], focus_platforms=["tiktok"])
    reporter = create_member(trust_level=1)
    matching = post_open_alert(
        api_as,
        reporter,
        category="shaming",
        url="https://www.tiktok.com/@someone/video/7001",
        summary="Shaming a boy for his clothes.",
    )
    other_category = post_open_alert(
        api_as, reporter, category="hate", url="https://www.tiktok.com/@someone/video/7002"
    )
    other_platform = post_open_alert(api_as, reporter, category="shaming")
    log_in(organiser)
    page = client.get(f"/campaigns/{campaign['id']}").get_data(as_text=True)
    assert "Shaming a boy for his clothes." in page
    assert f'name="alert" value="{matching["id"]}"' in page
    for unrelated in (other_category, other_platform):
        assert f'name="alert" value="{unrelated["id"]}"' not in page

    added = submit(
        f"/campaigns/{campaign['id']}",
        {"alert": str(matching["id"])},
        action=f"/campaigns/{campaign['id']}/alerts",
    )
    assert added.status_code == 302
    by_link = submit(
        f"/campaigns/{campaign['id']}",
        {"alert": f"http://localhost/alerts/{other_platform['id']}"},
        action=f"/campaigns/{campaign['id']}/alerts",
    )
    assert by_link.status_code == 302
    assert campaign_alert_ids(api_as, organiser, campaign["id"]) == {
        matching["id"],
        other_platform["id"],
    }
    page = client.get(f"/campaigns/{campaign['id']}").get_data(as_text=True)
    assert f'name="alert" value="{matching["id"]}"' not in page, "suggested once, not again"
    assert "Shaming a boy for his clothes." in page, "now among the campaign's open alerts"


def test_adding_an_alert_from_the_page_explains_what_is_wrong(
    client: FlaskClient, submit: Any, organiser: Any, live_campaign: Any, log_in: Any
) -> None:
    campaign = live_campaign()
    log_in(organiser)
    page, action = f"/campaigns/{campaign['id']}", f"/campaigns/{campaign['id']}/alerts"
    unreadable = submit(page, {"alert": "the one about the girl"}, action=action)
    assert unreadable.status_code == 200
    assert "Give the alert&#39;s number or the link to its page." in unreadable.get_data(
        as_text=True
    )
    missing = submit(page, {"alert": "999999"}, action=action)
    assert missing.status_code == 200
    assert "This alert does not exist." in missing.get_data(as_text=True)


def test_organisers_add_message_templates_from_the_page_and_members_see_them(
    app: Flask,
    client: FlaskClient,
    api_as: Api,
    submit: Any,
    organiser: Any,
    create_member: Any,
    live_campaign: Any,
    log_in: Any,
) -> None:
    campaign = live_campaign()
    log_in(organiser)
    page, action = f"/campaigns/{campaign['id']}", f"/campaigns/{campaign['id']}/templates"
    html = client.get(page).get_data(as_text=True)
    assert "Türkçe" in html and "Nederlands" in html, "languages by their own names"
    empty = submit(
        page, {"action_type": "counter_speech", "language": "nl", "body": ""}, action=action
    )
    assert empty.status_code == 200 and "error" in empty.get_data(as_text=True)
    added = submit(
        page,
        {"action_type": "support_target_private", "language": "nl", "body": "Gaat het met je?"},
        action=action,
    )
    assert added.status_code == 302
    member = create_member()
    browser = app.test_client()
    login = csrf_token_from(browser.get("/login").get_data(as_text=True))
    browser.post("/login", data={"csrf_token": login, "email": member.email, "password": PASSWORD})
    seen = browser.get(page).get_data(as_text=True)
    assert "Gaat het met je?" in seen
    assert "Add a message template" not in seen, "the tools are for organisers"


def test_members_cannot_add_alerts_or_templates_from_the_page(
    client: FlaskClient, api_as: Api, create_member: Any, live_campaign: Any, log_in: Any
) -> None:
    campaign = live_campaign()
    alert = post_open_alert(api_as, create_member(trust_level=1))
    member = create_member(trust_level=3)
    log_in(member)
    page = f"/campaigns/{campaign['id']}"
    html = client.get(page).get_data(as_text=True)
    assert "Add an alert" not in html
    token = csrf_token_from(html)
    refused = client.post(f"{page}/alerts", data={"csrf_token": token, "alert": str(alert["id"])})
    assert refused.status_code == 403
    assert campaign_alert_ids(api_as, member, campaign["id"]) == set()
    refused = client.post(
        f"{page}/templates",
        data={"csrf_token": token, "action_type": "counter_speech", "language": "en", "body": "x"},
    )
    assert refused.status_code == 403
