"""The API reference page in a real browser: Redoc renders the live document under the site's CSP.

Headless Chromium (Playwright) against the app served over real HTTP. Redoc comes from npm at
set-up (`make frontend`); without it the page says so and links to the JSON document.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from pathlib import Path

import pytest
from playwright.sync_api import Browser, ConsoleMessage, Page, expect

from network.config import PROJECT_ROOT
from tests.harness import free_port, live_server, standalone_app
from tests.support.browser import browser

__all__ = ["browser"]
pytestmark = pytest.mark.browser

REDOC = PROJECT_ROOT / "static" / "vendor" / "redoc.standalone.js"


@pytest.fixture(scope="module")
def site(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    port = free_port()
    origin = f"http://127.0.0.1:{port}"
    app = standalone_app(Path(tmp_path_factory.mktemp("site")), SITE_URL=origin)
    with live_server(app, port) as served:
        yield served


@pytest.fixture
def page(browser: Browser) -> Iterator[Page]:
    context = browser.new_context(locale="en-GB", timezone_id="Europe/Amsterdam")
    context.set_default_timeout(15000)
    yield context.new_page()
    context.close()


def console_problems(page: Page) -> list[str]:
    """Collect errors and CSP violations the page reports while it is used."""
    problems: list[str] = []

    def heard(message: ConsoleMessage) -> None:
        if message.type == "error" or "Content Security Policy" in message.text:
            problems.append(message.text)

    page.on("console", heard)
    page.on("pageerror", lambda error: problems.append(str(error)))
    return problems


def test_the_reference_renders_every_operation_without_csp_violations(
    page: Page, site: str
) -> None:
    if not REDOC.exists():
        pytest.skip("Redoc is not installed (make frontend)")
    problems = console_problems(page)
    page.goto(f"{site}/api/docs")
    reference = page.locator("#api-reference")
    # Each operation is a heading named by its summary (after Redoc's anchor link).
    listing = reference.get_by_role("heading", name=re.compile("List alerts by urgency"))
    # Redoc lays out every operation before the first shows: seconds on a loaded machine.
    expect(listing).to_be_visible(timeout=30000)
    expect(
        reference.get_by_role("heading", name=re.compile("Create a personal access token"))
    ).to_be_visible()
    # Redoc's own styles apply: its menu sits beside the operations, not above them.
    menu = page.locator(".menu-content")
    expect(menu).to_be_visible()
    menu_box, operation_box = menu.bounding_box(), listing.bounding_box()
    assert menu_box and operation_box and menu_box["x"] + menu_box["width"] <= operation_box["x"]
    assert problems == [], "\n".join(problems)


def test_without_the_viewer_the_page_points_to_the_document(page: Page, site: str) -> None:
    page.route("**/static/vendor/redoc.standalone.js", lambda route: route.abort())
    page.goto(f"{site}/api/docs")
    link = page.get_by_role("main").get_by_role("link", name="/api/v1/openapi.json")
    expect(link).to_be_visible()
    link.click()
    assert '"openapi": "3.1.0"' in page.content() or '"openapi":"3.1.0"' in page.content()
