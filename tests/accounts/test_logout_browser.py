"""Logging out from the live feed in a real browser shows exactly one message."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest
from playwright.sync_api import BrowserContext, expect

from tests.support.browser import browser, context, logged_in, site
from tests.test_feed_browser import open_feed

__all__ = ["browser", "context", "site"]

pytestmark = [pytest.mark.browser, pytest.mark.live]


def test_logging_out_from_the_live_feed_shows_one_message(
    site: str, context: Callable[..., BrowserContext], create_member: Any
) -> None:
    page = logged_in(context(), site, create_member())
    open_feed(page, site)  # its socket hears "session.ended" when this very tab logs out
    page.get_by_role("banner").get_by_role("button", name="Log out").click()
    expect(page.get_by_text("You are logged out.")).to_be_visible()
    expect(page.locator(".flash")).to_have_count(1)
    page.wait_for_load_state("networkidle")
    expect(page.locator(".flash")).to_have_text(["You are logged out."])
