"""The live feed in real browsers: two members watch the same feed and see each other's work
without reloading; without JavaScript (or without the socket) the page still works.

Headless Chromium (Playwright) against the test app served over HTTP with its Socket.IO
middleware; the socket.io client uses WebSocket where the server manages it, long-polling else.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest
from flask import Flask
from playwright.sync_api import BrowserContext, Locator, Page, expect

from network.settings import replace_settings
from tests.alerts.conftest import alert_body
from tests.conftest import MemberHandle, ask_members_job
from tests.support.browser import browser, context, logged_in, site

__all__ = ["browser", "context", "site"]
pytestmark = [pytest.mark.browser, pytest.mark.live]
LIVE = "Live: new alerts and claims appear as they happen."
POLLING = "Updating every 20 s."


def open_feed(page: Page, site: str, *, live: bool = True) -> None:
    page.goto(f"{site}/feed/")
    expect(page.get_by_role("heading", name="Alerts that need upstanders now")).to_be_visible()
    if live:
        expect(page.locator("#feed-status")).to_have_text(LIVE)
    # Survives only as long as the page is not reloaded.
    page.evaluate("window.notReloaded = true")


def not_reloaded(page: Page) -> bool:
    return bool(page.evaluate("window.notReloaded === true"))


def card(page: Page, alert_id: int) -> Locator:
    return page.locator(f"#alert-{alert_id}")


def pending_alert(api_as: Any, reporter: MemberHandle, **changes: Any) -> int:
    response = api_as(reporter, "POST", "/api/v1/alerts", json=alert_body(**changes))
    assert response.status_code == 201, response.get_data(as_text=True)
    alert = response.get_json()
    assert alert["status"] == "pending_review"
    return int(alert["id"])


def approve(page: Page, site: str, alert_id: int) -> None:
    page.goto(f"{site}/review/")
    item = page.get_by_role("listitem").filter(
        has=page.get_by_role("group", name=f"Decision on alert #{alert_id}")
    )
    item.get_by_label("Approve").check()
    item.get_by_role("button", name="Save decision").click()
    expect(page.get_by_text("Decision saved.")).to_be_visible()


def test_an_approved_alert_and_a_claim_reach_other_members_without_reload(
    site: str, context: Callable[..., BrowserContext], create_member: Any, api_as: Any
) -> None:
    organiser = create_member(role="organiser", display_name="Olga Organiser")
    volunteer = create_member(display_name="Vera Volunteer")
    alert_id = pending_alert(
        api_as, create_member(display_name="New Member"), summary="A pile-on under a vlog."
    )
    organiser_page = logged_in(context(), site, organiser)
    volunteer_page = logged_in(context(), site, volunteer)
    open_feed(volunteer_page, site)
    expect(card(volunteer_page, alert_id)).to_have_count(0)
    expect(volunteer_page.get_by_text("Nothing is open right now.")).to_be_visible()

    approve(organiser_page, site, alert_id)

    arrived = card(volunteer_page, alert_id)
    expect(arrived).to_contain_text("A pile-on under a vlog.")
    expect(arrived).to_contain_text("2 reports to the platform")
    expect(volunteer_page.get_by_text("Nothing is open right now.")).to_be_hidden()
    expect(volunteer_page.locator("#feed-announce")).to_have_text(
        "New in the feed: Hate · Instagram"
    )
    assert not_reloaded(volunteer_page)

    organiser_page.get_by_role("banner").get_by_role("link", name="Feed").click()
    expect(organiser_page.locator("#feed-status")).to_have_text(LIVE)
    organiser_page.evaluate("window.notReloaded = true")
    watched = card(organiser_page, alert_id)
    expect(watched.locator('[data-count="claimed"]')).to_have_text("0 claimed")
    expect(watched.locator("[data-viewers]")).to_contain_text("looking at this now")

    arrived.get_by_label("Anonymous in the feed — Report to the platform").check()
    arrived.get_by_role("button", name="Claim: Report to the platform").click()
    expect(volunteer_page.get_by_text("You took on: Report to the platform.")).to_be_visible()
    mine = card(volunteer_page, alert_id)
    expect(mine.get_by_role("heading", name="How to do it")).to_be_visible()
    expect(mine.get_by_role("button", name="Done — Report to the platform")).to_be_visible()

    expect(watched.locator('[data-count="claimed"]')).to_have_text("1 claimed")
    expect(watched).to_contain_text("1 report to the platform")
    assert not_reloaded(organiser_page)

    mine.get_by_label("Private note (optional, only you see it)").fill("Reported as hate.")
    mine.get_by_role("button", name="Done — Report to the platform").click()
    expect(watched.locator('[data-count="done"]')).to_have_text("1 done")
    expect(watched.locator('[data-count="claimed"]')).to_have_text("0 claimed")
    assert not_reloaded(organiser_page)

    resolved = api_as(
        organiser, "POST", f"/api/v1/alerts/{alert_id}/resolve", json={"outcome": "thread_calmed"}
    )
    assert resolved.status_code == 200
    expect(card(organiser_page, alert_id)).to_have_count(0)
    expect(organiser_page.get_by_text("Nothing is open right now.")).to_be_visible()
    assert not_reloaded(organiser_page)


def test_a_personal_ask_appears_on_top_without_reload(
    app: Flask,
    site: str,
    context: Callable[..., BrowserContext],
    create_member: Any,
    api_as: Any,
) -> None:
    organiser = create_member(role="organiser")
    volunteer = create_member(languages=["en", "nl"])
    alert_id = pending_alert(api_as, create_member())
    volunteer_page = logged_in(context(), site, volunteer)
    open_feed(volunteer_page, site)
    organiser_page = logged_in(context(), site, organiser)
    replace_settings(app, asks_per_alert=10)
    try:
        approve(organiser_page, site, alert_id)
        # What the worker does after the approval's commit: choose and ask members.
        assert ask_members_job(alert_id) >= 1
    finally:
        replace_settings(app, asks_per_alert=3)

    asks = volunteer_page.get_by_role("region", name="You have been asked to help")
    expect(asks.locator(f"#alert-{alert_id}")).to_be_visible()
    expect(volunteer_page.locator(f"#alert-{alert_id}")).to_have_count(1)
    asks.get_by_role("button", name=f"Decline — alert #{alert_id}").click()
    expect(volunteer_page.get_by_text("You declined the ask.")).to_be_visible()
    expect(asks).to_be_hidden()
    expect(card(volunteer_page, alert_id)).to_be_visible()


def test_without_the_socket_client_the_list_refreshes_every_20_seconds(
    site: str, context: Callable[..., BrowserContext], create_member: Any, api_as: Any
) -> None:
    organiser = create_member(role="organiser")
    alert_id = pending_alert(api_as, create_member(), summary="Mocking a classmate's stutter.")
    browser_context = context()
    browser_context.route("**/static/vendor/socket.io.min.js", lambda route: route.abort())
    page = logged_in(browser_context, site, create_member())
    page.clock.install()
    open_feed(page, site, live=False)
    expect(page.locator("#feed-status")).to_have_text(POLLING)
    approve(logged_in(context(), site, organiser), site, alert_id)

    page.clock.run_for(21_000)

    expect(card(page, alert_id)).to_contain_text("Mocking a classmate's stutter.")
    assert not_reloaded(page)


def test_the_feed_works_without_javascript_and_from_the_keyboard(
    site: str, context: Callable[..., BrowserContext], create_member: Any, api_as: Any
) -> None:
    organiser = create_member(role="organiser")
    alert_id = pending_alert(api_as, create_member(), summary="Shaming a girl for her clothes.")
    approve(logged_in(context(), site, organiser), site, alert_id)
    page = logged_in(
        context(java_script_enabled=False, viewport={"width": 375, "height": 740}),
        site,
        create_member(),
    )
    page.goto(f"{site}/feed/")
    shown = card(page, alert_id)
    expect(shown).to_contain_text("Shaming a girl for her clothes.")
    expect(shown).to_contain_text("0 of 3 public voices reached")
    expect(page.locator("#feed-status")).to_be_hidden()
    width = page.evaluate("document.documentElement.scrollWidth")
    assert width <= 375, f"the feed is {width}px wide on a 375px screen"

    # On a phone the actions sit behind one control, which works without JavaScript.
    shown.locator("summary", has_text="Help with this").click()
    shown.get_by_label("Anonymous in the feed — Support the target privately").focus()
    page.keyboard.press("Space")
    page.keyboard.press("Tab")
    expect(page.locator(":focus")).to_have_text("Claim: Support the target privately")
    page.keyboard.press("Enter")

    expect(page.get_by_text("You took on: Support the target privately.")).to_be_visible()
    mine = card(page, alert_id)
    expect(mine.get_by_role("heading", name="A message idea")).to_be_visible()
    mine.get_by_role("button", name="Release — Support the target privately").click()
    expect(page.get_by_text("You released Support the target privately")).to_be_visible()
    card(page, alert_id).locator("summary", has_text="Help with this").click()
    expect(
        card(page, alert_id).get_by_role("button", name="Claim: Support the target privately")
    ).to_be_visible()


def test_a_launched_campaign_reaches_the_feed_and_its_progress_moves_on_both_screens(
    site: str, context: Callable[..., BrowserContext], create_member: Any, api_as: Any
) -> None:
    from datetime import UTC, datetime, timedelta

    organiser = create_member(role="organiser", display_name="Olga Organiser")
    member = create_member(display_name="Mo Member")
    now = datetime.now(UTC)
    campaign = api_as(
        organiser,
        "POST",
        "/api/v1/campaigns",
        json={
            "title": "Kind Words Week",
            "hashtag": "KindWords",
            "goal": 2,
            "starts_at": (now - timedelta(hours=1)).isoformat(),
            "ends_at": (now + timedelta(days=7)).isoformat(),
        },
    ).get_json()
    member_page = logged_in(context(), site, member)
    open_feed(member_page, site)
    expect(member_page.locator("#feed-campaigns")).to_be_hidden()

    organiser_page = logged_in(context(), site, organiser)
    organiser_page.goto(f"{site}/campaigns/{campaign['id']}")
    organiser_page.get_by_role("button", name="Launch now").click()
    expect(organiser_page.get_by_text("The campaign is live. Members see it now.")).to_be_visible()

    strip = member_page.locator("#feed-campaigns")
    expect(strip).to_contain_text("Kind Words Week", timeout=1500)
    assert not_reloaded(member_page)

    alert = api_as(
        create_member(trust_level=1),
        "POST",
        "/api/v1/alerts",
        json=alert_body(campaign_id=campaign["id"]),
    ).get_json()
    member_page.get_by_role("link", name="Kind Words Week").click()
    member_page.get_by_role("button", name="Join campaign").click()
    expect(member_page.get_by_text("You joined the campaign. Thank you!")).to_be_visible()
    organiser_page.reload()
    expect(organiser_page.locator("#campaign-progress-text")).to_have_text("0 of 2 actions done")
    member_page.evaluate("window.notReloaded = true")

    action = api_as(
        member, "POST", f"/api/v1/alerts/{alert['id']}/actions", json={"type": "report_platform"}
    ).get_json()
    api_as(member, "PATCH", f"/api/v1/actions/{action['id']}", json={"status": "done"})
    for page in (organiser_page, member_page):
        expect(page.locator("#campaign-progress-text")).to_have_text("1 of 2 actions done")
        expect(page.locator("#campaign-progress")).to_have_attribute("value", "1")
    assert not_reloaded(member_page)
