"""The webhook pages in a real browser: register, copy the secret once, confirm a resend."""

from __future__ import annotations

from typing import Any

import pytest
from flask import Flask
from playwright.sync_api import Browser, expect

from tests.harness import free_port, live_server
from tests.support.browser import browser
from tests.webhooks.conftest import Receiver, pending, send_pending

pytestmark = [pytest.mark.browser, pytest.mark.live]
__all__ = ["browser"]


def test_an_organiser_registers_an_endpoint_and_resends_a_delivery_in_the_browser(
    app: Flask, browser: Browser, organiser: Any, open_alert: Any, receiver: Receiver
) -> None:
    context = browser.new_context(locale="en-GB", timezone_id="Europe/Amsterdam")
    context.set_default_timeout(10_000)
    problems: list[str] = []
    context.on("weberror", lambda error: problems.append(str(error.error)))
    context.on("console", lambda message: message.type == "error" and problems.append(message.text))
    try:
        with live_server(app, free_port()) as site:
            page = context.new_page()
            page.goto(f"{site}/login")
            page.locator("input[name=email]").fill(organiser.email)
            page.locator("input[name=password]").fill(organiser.password)
            page.get_by_role("main").locator("button[type=submit]").click()
            page.wait_for_url(lambda url: "/login" not in url)

            page.goto(f"{site}/webhooks/")
            expect(page.get_by_text("No webhook endpoint yet.")).to_be_visible()
            page.get_by_label("Endpoint address (https)").fill(receiver.url())
            page.get_by_label("An alert goes live").check()
            page.get_by_role("main").get_by_role("button", name="Register").click()
            secret = page.locator("#webhook-secret").inner_text()
            assert secret.startswith("whsec_")
            page.get_by_role("link", name="I have saved it").click()
            expect(page.get_by_text("Nothing was sent to this endpoint yet.")).to_be_visible()

            open_alert()
            assert send_pending(app) == ["delivered"]
            page.reload()
            expect(page.get_by_role("cell", name="Delivered")).to_be_visible()
            page.get_by_role("link", name="Resend").click()
            expect(page.get_by_role("heading", name="Resend this delivery?")).to_be_visible()
            page.get_by_role("main").get_by_role("button", name="Resend").click()
            expect(page.get_by_text("The event is on its way again.")).to_be_visible()
            assert len(pending(app)) == 1
            assert secret not in page.content()
    finally:
        context.close()
    send_pending(app)
    first, again = receiver.requests()
    assert first.signed_with(secret) and again.signed_with(secret)
    assert problems == []
