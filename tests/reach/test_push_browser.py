"""The notifications page in headless Chromium: its script runs under the CSP, registers the push
worker at the site's root when the site has none, and says so when push cannot be turned on
(this browser has no push service to reach)."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from playwright.sync_api import Browser, Page, expect

from network.accounts import services
from tests.conftest import PASSWORD
from tests.harness import free_port, live_server, standalone_app
from tests.support.browser import chromium as launched_chromium
from tests.support.browser import log_in_at

pytestmark = pytest.mark.browser


@pytest.fixture(scope="module")
def chromium() -> Iterator[Browser]:
    # Not `browser`: in this folder that names the factory of browsers' push keys.
    with launched_chromium() as launched:
        yield launched


@pytest.fixture(scope="module")
def site(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    port = free_port()
    origin = f"http://localhost:{port}"
    app = standalone_app(
        Path(tmp_path_factory.mktemp("push-site")),
        SITE_URL=origin,
        PASSWORD_HASH_PROFILE="cheapest",
    )
    with app.test_request_context():
        from network.extensions import db

        services.sign_up(
            email="pia@example.org",
            password=PASSWORD,
            display_name="Pia",
            locale="en",
            time_zone="Europe/Amsterdam",
            pledge_accepted=True,
            verified=True,
        )
        db.session.commit()
    with live_server(app, port) as served:
        yield served


def test_the_push_switch_uses_the_apps_worker_with_push_handlers_under_the_csp(
    chromium: Browser, site: str
) -> None:
    context = chromium.new_context(locale="en-GB", timezone_id="Europe/Amsterdam")
    context.set_default_timeout(10000)
    context.grant_permissions(["notifications"], origin=site)
    page: Page = context.new_page()
    problems: list[str] = []
    page.on(
        "console",
        lambda message: problems.append(message.text) if message.type == "error" else None,
    )
    log_in_at(page, site, "pia@example.org", PASSWORD)
    page.goto(f"{site}/profile/reach")

    switch = page.get_by_role("button", name="Turn push on for this device")
    expect(switch).to_be_visible()  # push.js ran: the page had it hidden
    expect(page.locator("#push-status")).to_have_text("Push is off for this device.")
    switch.click()
    expect(page.locator("#push-status")).to_have_text(
        "Push could not be turned on. Try again later."
    )
    worker = page.evaluate(
        "navigator.serviceWorker.getRegistration('/').then(r => r && (r.active || r.waiting"
        " || r.installing).scriptURL)"
    )
    # The app's own worker holds the scope and imports the push handlers.
    assert worker == f"{site}/sw.js"
    assert "js/push-sw.js" in page.evaluate("fetch('/sw.js').then(r => r.text())")
    assert not [text for text in problems if "Content Security Policy" in text], problems
    context.close()
