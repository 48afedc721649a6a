"""The installable app and the phone-first feed in a real browser (headless Chromium).

Installability is Chromium's own check (DevTools `Page.getInstallabilityErrors`); 127.0.0.1
counts as a secure context, so the service worker runs over plain HTTP here.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any
from urllib.parse import urlencode

import pytest
from flask import Flask
from playwright.sync_api import (
    Browser,
    BrowserContext,
    Page,
    Playwright,
    expect,
    sync_playwright,
)

from network.demo import DEMO_PASSWORD, seed_demo_data
from tests.support.browser import (
    CHROMIUM_ARGS,
    chromium_path,
    context,
    log_in,
    log_in_at,
    logged_in,
    site,
)

__all__ = ["context", "site"]
pytestmark = [pytest.mark.browser, pytest.mark.live]
PHONE = {"width": 375, "height": 812}


@pytest.fixture(scope="module")
def driver() -> Iterator[Playwright]:
    with sync_playwright() as playwright:
        yield playwright


@pytest.fixture(scope="module")
def browser(driver: Playwright) -> Iterator[Browser]:
    chromium = driver.chromium.launch(executable_path=chromium_path(), args=CHROMIUM_ARGS)
    yield chromium
    chromium.close()


def quiet(page: Page, site: str) -> None:
    """Leave the live feed for a page without background requests, so none of them can answer
    with an older session cookie after the next page has put a message in it."""
    page.goto(f"{site}/privacy")


def controlled_by_service_worker(page: Page, attempts: int = 3) -> None:
    """Wait until the page's service worker is active and handles its requests.

    Chromium can leave a registration that never settles (once in CI, `ready` waited until the
    test's own timeout): wait with a deadline and load the page again, which registers anew and
    is controlled by a worker that did activate, rather than wait for ever."""
    controlled = """async () => {
          const control = (async () => {
            await navigator.serviceWorker.ready;
            if (navigator.serviceWorker.controller) return true;
            await new Promise((done) =>
              navigator.serviceWorker.addEventListener("controllerchange", done, { once: true }));
            return true;
          })();
          const late = new Promise((resolve) => setTimeout(() => resolve(false), 15000));
          return Promise.race([control, late]);
        }"""
    for _attempt in range(attempts):
        if page.evaluate(controlled):
            return
        page.reload()
    raise AssertionError("no service worker took control of the page")


def test_manifest_and_service_worker_pass_chromiums_installability_check(
    site: str, driver: Playwright, tmp_path: Path
) -> None:
    # A profile on disk: Chromium never offers to install from an incognito-like context.
    profile = driver.chromium.launch_persistent_context(
        str(tmp_path / "profile"), executable_path=chromium_path(), args=CHROMIUM_ARGS
    )
    try:
        page = profile.new_page()
        check_installability(page, site)
    finally:
        profile.close()


def check_installability(page: Page, site: str) -> None:
    errors: list[str] = []
    page.on("console", lambda message: message.type == "error" and errors.append(message.text))
    page.goto(site)
    controlled_by_service_worker(page)
    devtools = page.context.new_cdp_session(page)

    manifest = devtools.send("Page.getAppManifest")
    installability = devtools.send("Page.getInstallabilityErrors")

    assert manifest["url"] == f"{site}/manifest.webmanifest"
    assert manifest["errors"] == []
    assert installability["installabilityErrors"] == []
    assert errors == [], "no CSP violation or script error"


def test_without_a_network_a_page_visit_shows_the_offline_page(
    site: str, context: Callable[..., BrowserContext], create_member: Any
) -> None:
    browser_context = context()
    page = logged_in(browser_context, site, create_member())
    controlled_by_service_worker(page)

    browser_context.set_offline(True)
    page.goto(f"{site}/feed/")

    expect(page.get_by_role("heading", name="You are offline")).to_be_visible()
    expect(page.get_by_role("link", name="Try again")).to_be_visible()
    browser_context.set_offline(False)
    page.goto(f"{site}/feed/")
    expect(page.get_by_role("heading", name="Alerts that need upstanders now")).to_be_visible()


def test_the_service_worker_stores_only_the_static_shell(
    site: str, context: Callable[..., BrowserContext], create_member: Any
) -> None:
    page = logged_in(context(), site, create_member(display_name="Private Person"))
    controlled_by_service_worker(page)
    page.goto(f"{site}/feed/")
    page.goto(f"{site}/profile")

    # Chromium's Cache API can stall while the worker is still settling: read it with a
    # deadline and try again, rather than wait for ever.
    read_caches = """async () => {
          const read = (async () => {
            const found = [];
            for (const name of await caches.keys()) {
              const cache = await caches.open(name);
              for (const request of await cache.keys()) {
                const response = await cache.match(request);
                found.push([new URL(request.url).pathname, await response.text()]);
              }
            }
            return found;
          })();
          const late = new Promise((resolve) => setTimeout(() => resolve(null), 10000));
          return Promise.race([read, late]);
        }"""
    stored = None
    for _attempt in range(3):
        stored = page.evaluate(read_caches)
        if stored is not None:
            break
        page.reload()
    assert stored is not None, "the service worker's caches could not be read"

    paths = sorted(path for path, _body in stored)
    assert paths == sorted(
        [
            "/offline",
            "/static/css/site.css",
            "/static/js/site.js",
            "/static/favicon.svg",
            "/static/icons/icon-192.png",
            "/static/icons/icon-512.png",
            "/static/icons/icon-maskable-512.png",
            "/static/icons/apple-touch-icon.png",
        ]
    )
    offline = dict(stored)["/offline"]
    assert "Private Person" not in offline and "csrf_token" not in offline


def shared(site: str, **fields: str) -> str:
    return f"{site}/share?{urlencode(fields)}"


def test_shared_text_opens_the_alert_form_with_its_link_filled_in(
    site: str, context: Callable[..., BrowserContext], create_member: Any
) -> None:
    page = logged_in(context(), site, create_member())
    quiet(page, site)

    page.goto(
        shared(
            site,
            title="Look at this",
            text="Awful pile-on: https://www.instagram.com/p/shared-1/ (please help)",
        )
    )

    expect(page.get_by_role("heading", name="Post an alert")).to_be_visible()
    expect(page.get_by_label("Link to the thread")).to_have_value(
        "https://www.instagram.com/p/shared-1/"
    )
    expect(page.get_by_text("The link you shared is filled in.")).to_be_visible()


def test_only_the_page_itself_refreshes_the_session_cookie_not_what_loads_beside_it(
    site: str, context: Callable[..., BrowserContext], create_member: Any
) -> None:
    """Style sheets, scripts, icons, the service worker and the feed's own requests carry the
    cookie but never write it back: one answering late would undo a newer one (a form's message
    lost, as once in CI). Once the service worker runs, it fetches the pages themselves: those
    requests still say `navigate`, and they alone write the cookie."""
    browsing = context()
    written: list[tuple[str, str, str]] = []

    def note(response: Any) -> None:
        if response.header_value("set-cookie") is not None:
            mode = response.request.header_value("sec-fetch-mode") or ""
            written.append((mode, response.request.resource_type, response.url))

    page = logged_in(browsing, site, create_member())
    browsing.on("response", note)
    page.goto(f"{site}/feed/")
    controlled_by_service_worker(page)
    expect(page.locator(".is-live")).to_have_count(1)  # its live connection is up
    page.goto(f"{site}/privacy")
    page.wait_for_load_state("networkidle")
    assert written, "a page load keeps the session alive"
    assert {mode for mode, _kind, _url in written} == {"navigate"}, written


def test_shared_text_without_a_link_opens_the_form_with_a_clear_message(
    site: str, context: Callable[..., BrowserContext], create_member: Any
) -> None:
    page = logged_in(context(), site, create_member())
    quiet(page, site)

    page.goto(shared(site, title="Screenshot", text="they are at it again"))

    expect(page.get_by_role("heading", name="Post an alert")).to_be_visible()
    expect(page.get_by_text("We found no web link in what you shared.")).to_be_visible()
    expect(page.get_by_label("Link to the thread")).to_have_value("")


def test_logged_out_member_shares_logs_in_and_lands_on_the_filled_form(
    site: str, context: Callable[..., BrowserContext], create_member: Any
) -> None:
    member = create_member()
    page = context().new_page()

    page.goto(shared(site, url="https://x.com/someone/status/123", text="Look"))
    expect(page.get_by_role("heading", name="Log in")).to_be_visible()
    log_in(page, member.email, member.password)

    expect(page.get_by_role("heading", name="Post an alert")).to_be_visible()
    expect(page.get_by_label("Link to the thread")).to_have_value(
        "https://x.com/someone/status/123"
    )


def test_profile_bookmarklet_opens_the_share_url_for_the_current_tab(
    site: str, context: Callable[..., BrowserContext], create_member: Any
) -> None:
    page = logged_in(context(), site, create_member())
    page.goto(f"{site}/profile")
    bookmarklet = page.get_by_role("link", name="Alert the network")

    code = bookmarklet.get_attribute("href")
    assert code is not None and code.startswith("javascript:")
    bookmarklet.click()  # on our own page it only explains itself (our CSP blocks javascript:)
    expect(page.get_by_role("status")).to_have_text(
        "Drag this link to your bookmarks bar, then use it on the page you want to alert the "
        "network about."
    )

    # Elsewhere it runs in that page (the other site's CSP is its own): on a thread, run it.
    thread = "https://forum.example/thread/42?page=2"
    page.route(
        "https://forum.example/**",
        lambda route: route.fulfill(content_type="text/html", body="<title>A thread</title>"),
    )
    page.goto(thread)
    page.evaluate(code.removeprefix("javascript:"))

    expect(page.get_by_role("heading", name="Post an alert")).to_be_visible()
    expect(page.get_by_label("Link to the thread")).to_have_value(thread)


@pytest.fixture
def demo(app: Flask) -> None:
    with app.test_request_context():
        list(seed_demo_data())


def phone_feed(context: Callable[..., BrowserContext], site: str) -> Page:
    page = context(viewport=PHONE, has_touch=True, is_mobile=True).new_page()
    log_in_at(page, site, "kai@example.org", DEMO_PASSWORD)
    page.goto(f"{site}/feed/")
    expect(page.get_by_role("heading", name="Alerts that need upstanders now")).to_be_visible()
    return page


def test_on_a_phone_the_first_alert_card_is_fully_visible_without_scrolling(
    site: str, context: Callable[..., BrowserContext], demo: None
) -> None:
    page = phone_feed(context, site)

    first = page.locator(".feed-item").first
    expect(first).to_be_visible()
    box = first.bounding_box()
    assert box is not None
    assert page.evaluate("window.scrollY") == 0
    assert box["y"] >= 0 and box["y"] + box["height"] <= PHONE["height"], box
    assert box["x"] >= 0 and box["x"] + box["width"] <= PHONE["width"], box
    # The menu is folded behind one button and opens on demand.
    expect(page.get_by_role("link", name="Campaigns")).to_be_hidden()
    page.get_by_role("button", name="Menu").click()
    expect(page.get_by_role("link", name="Campaigns")).to_be_visible()
    expect(page.get_by_role("button", name="Menu")).to_have_attribute("aria-expanded", "true")


def test_a_card_opens_its_actions_behind_one_help_control(
    site: str, context: Callable[..., BrowserContext], demo: None
) -> None:
    page = phone_feed(context, site)
    first = page.locator(".feed-item").first
    expect(first.locator(".labels")).to_contain_text("Severity")
    claim = first.get_by_role("button", name="Claim: Report to the platform")
    expect(claim).to_be_hidden()

    first.locator("summary", has_text="Help with this").click()

    expect(claim).to_be_visible()
    expect(first.get_by_role("link", name="How to do it — Report to the platform")).to_be_visible()


SMALL_TARGETS = """() => [...document.querySelectorAll(
      'button, summary, .button, input[type=checkbox], input[type=radio], select')]
    .filter((element) => element.getClientRects().length > 0)
    .map((element) => [element.outerHTML.slice(0, 80), element.getBoundingClientRect()])
    .filter(([, box]) => box.width < 24 || box.height < 24)
    .map(([html, box]) => `${html} ${box.width}x${box.height}`)"""


def test_touch_targets_measure_at_least_24_by_24_css_pixels(
    site: str, context: Callable[..., BrowserContext], demo: None
) -> None:
    page = phone_feed(context, site)
    too_small = {}
    for path in ("/feed/", "/alerts/new", "/profile", "/alerts/", "/campaigns/", "/teams/"):
        page.goto(site + path)
        page.get_by_role("button", name="Menu").click()
        for summary in page.locator("summary").all():
            summary.click()
        too_small[path] = page.evaluate(SMALL_TARGETS)
    assert {path: found for path, found in too_small.items() if found} == {}
    page.goto(f"{site}/feed/")
    page.locator("summary", has_text="Help with this").first.click()
    checkbox = page.get_by_label("Anonymous in the feed").first.bounding_box()
    assert checkbox is not None and checkbox["width"] >= 24 and checkbox["height"] >= 24
