"""The impact page in a real browser, in English and in Dutch: charts and tables, no errors."""

from __future__ import annotations

import os
from collections.abc import Callable, Iterator
from typing import Any

import pytest
from flask import Flask
from playwright.sync_api import Browser, expect, sync_playwright

from tests.conftest import service_missing
from tests.harness import free_port, live_server
from tests.test_browser import CHROMIUM_ARGS

pytestmark = [pytest.mark.browser, pytest.mark.live]


@pytest.fixture(scope="module")
def browser() -> Iterator[Browser]:
    executable = os.environ.get("CHROMIUM_PATH") or "/usr/bin/chromium"
    if not os.access(executable, os.X_OK):
        service_missing(f"Chromium ({executable})")
    with sync_playwright() as playwright:
        chromium = playwright.chromium.launch(executable_path=executable, args=CHROMIUM_ARGS)
        yield chromium
        chromium.close()


@pytest.fixture
def site(app: Flask) -> Iterator[str]:
    with live_server(app, free_port()) as origin:
        yield origin


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
        page.goto(f"{site}/login")
        page.locator("input[name=email]").fill(organiser.email)
        page.locator("input[name=password]").fill(organiser.password)
        page.get_by_role("main").locator("button[type=submit]").click()
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
