"""The impact page in a real browser, in English and in Dutch: charts and tables, no errors."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest
from playwright.sync_api import Browser, expect

from tests.support.browser import browser, log_in_at, site

__all__ = ["browser", "site"]
pytestmark = [pytest.mark.browser, pytest.mark.live]


@pytest.mark.parametrize("locale", ["en", "nl"])
def test_the_impact_page_renders_its_charts_and_tables(
    locale: str,
    browser: Browser,
    site: str,
    seed_history: Callable[..., dict[str, Any]],
    create_member: Callable[..., Any],
) -> None:
    seed_history(2)
    organiser = create_member(role="organiser", locale=locale)
    context = browser.new_context(locale="en-GB", timezone_id="Europe/Amsterdam")
    context.set_default_timeout(10_000)
    problems: list[str] = []
    context.on("weberror", lambda error: problems.append(str(error.error)))
    context.on("console", lambda message: message.type == "error" and problems.append(message.text))
    try:
        page = context.new_page()
        log_in_at(page, site, organiser.email, organiser.password)
        page.wait_for_url(lambda url: "/login" not in url)

        page.goto(f"{site}/impact/?days=30")

        expect(page.locator("html")).to_have_attribute("lang", locale)
        charts = page.locator("svg.chart[role=img]")
        tables = page.locator("table.impact-table")
        expect(charts.first).to_be_visible()
        assert charts.count() == tables.count() >= 7
        posted = "Posted" if locale == "en" else "Geplaatst"
        # The chart says what the table says, also to a screen reader.
        label = charts.first.get_attribute("aria-label") or ""
        assert f"{posted}: 20" in label or "Posted: 20" in label
        expect(page.locator("#what-works")).to_be_visible()
        expect(page.locator("#figure-by_visibility table")).to_be_visible()
    finally:
        context.close()
    assert problems == []
