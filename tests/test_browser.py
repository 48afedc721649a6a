"""A visitor in a real browser: join, log out, log back in; keyboard use; a phone-sized screen.

Headless Chromium (Playwright) against the app served over real HTTP, on a database of its own.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from playwright.sync_api import Browser, Page, expect

from tests.harness import free_port, live_server, standalone_app
from tests.support.browser import browser, log_in

__all__ = ["browser"]
pytestmark = pytest.mark.browser


@pytest.fixture(scope="module")
def site(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """The app on its own migrated SQLite database, served over HTTP; yields its origin."""
    port = free_port()
    origin = f"http://127.0.0.1:{port}"
    app = standalone_app(
        Path(tmp_path_factory.mktemp("site")), SITE_URL=origin, PASSWORD_HASH_PROFILE="cheapest"
    )
    with live_server(app, port) as served:
        yield served


@pytest.fixture
def page(browser: Browser) -> Iterator[Page]:
    context = browser.new_context(locale="en-GB", timezone_id="Europe/Amsterdam")
    context.set_default_timeout(5000)
    yield context.new_page()
    context.close()


def test_visitor_joins_logs_out_and_logs_back_in(page: Page, site: str) -> None:
    page.goto(site)
    page.get_by_role("link", name="Join the movement").first.click()
    expect(page.get_by_role("heading", name="Join the movement")).to_be_visible()

    page.get_by_label("Email address").fill("sam@example.org")
    page.get_by_label("Password").fill("stand up for each other")
    page.get_by_label("Display name").fill("Sam")
    page.get_by_label("I accept the code of conduct").check()
    page.get_by_role("button", name="Join").click()

    # The same answer whether or not the address had an account: look in the mailbox, log in.
    expect(page).to_have_url(f"{site}/join/sent")
    expect(page.get_by_role("heading", name="Look in your mailbox")).to_be_visible()
    page.get_by_role("main").get_by_role("link", name="Log in").click()
    log_in(page, "sam@example.org", "stand up for each other")
    page.get_by_role("banner").get_by_role("link", name="Profile").click()
    expect(page.get_by_role("heading", name="Your profile")).to_be_visible()
    expect(page.get_by_text("sam@example.org")).to_be_visible()
    expect(page.get_by_text("not confirmed yet")).to_be_visible()

    page.get_by_role("banner").get_by_role("button", name="Log out").click()
    expect(page.get_by_text("You are logged out.")).to_be_visible()
    expect(page.locator(".flash")).to_have_count(1)
    expect(page.get_by_role("banner").get_by_role("button", name="Log out")).to_have_count(0)
    page.goto(f"{site}/profile")
    expect(page.get_by_role("heading", name="Log in")).to_be_visible()

    page.get_by_role("banner").get_by_role("link", name="Log in").click()
    log_in(page, "sam@example.org", "stand up for each other")
    expect(page.get_by_text("Welcome back, Sam.")).to_be_visible()

    page.get_by_role("banner").get_by_role("link", name="Profile").click()
    expect(page.get_by_role("heading", name="Your profile")).to_be_visible()
    expect(page.get_by_text("sam@example.org")).to_be_visible()


def test_skip_link_is_the_first_tab_stop_and_focus_is_visible(page: Page, site: str) -> None:
    page.goto(site)
    page.keyboard.press("Tab")

    focused = page.locator(":focus")
    expect(focused).to_have_text("Skip to content")
    expect(focused).to_have_attribute("href", "#main")
    assert focused.evaluate("element => element.matches(':focus-visible')")
    outline = focused.evaluate(
        "element => { const style = getComputedStyle(element);"
        " return [style.outlineStyle, parseFloat(style.outlineWidth)]; }"
    )
    assert outline[0] != "none" and outline[1] >= 2, outline
    box = focused.bounding_box()
    assert box is not None and box["x"] >= 0 and box["y"] >= 0, "the focused link is on screen"

    page.keyboard.press("Enter")
    expect(page.locator(":focus")).to_have_id("main")


def test_phone_width_has_no_horizontal_scroll(browser: Browser, site: str) -> None:
    context = browser.new_context(viewport={"width": 375, "height": 740}, locale="en-GB")
    too_wide = {}
    try:
        page = context.new_page()
        for path in ("/", "/join", "/login", "/code-of-conduct"):
            page.goto(site + path)
            content, window = page.evaluate(
                "() => [document.documentElement.scrollWidth, document.documentElement.clientWidth]"
            )
            assert window == 375
            if content > window:
                too_wide[path] = content
    finally:
        context.close()
    assert too_wide == {}, f"pages wider than a 375px screen: {too_wide}"
