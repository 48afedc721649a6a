"""Headless Chromium for the browser tests: the launch, the live site, contexts whose script and
console errors fail the test, and logging in as a member.

Import the fixtures a test module needs (`browser`, `site`, `context`; `context` needs
`browser`)."""

from __future__ import annotations

import os
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import Any

import pytest
from flask import Flask
from playwright.sync_api import Browser, BrowserContext, Page, expect, sync_playwright

from tests.conftest import MemberHandle, service_missing
from tests.harness import free_port, live_server

CHROMIUM_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]


def chromium_path() -> str:
    """The Chromium to drive (CHROMIUM_PATH); skip, or fail in CI, when there is none."""
    executable = os.environ.get("CHROMIUM_PATH") or "/usr/bin/chromium"
    if not os.access(executable, os.X_OK):
        service_missing(f"Chromium ({executable})")
    return executable


@contextmanager
def chromium() -> Iterator[Browser]:
    """Launch headless Chromium with Playwright; close it after."""
    executable = chromium_path()
    with sync_playwright() as playwright:
        launched = playwright.chromium.launch(executable_path=executable, args=CHROMIUM_ARGS)
        yield launched
        launched.close()


@pytest.fixture(scope="module")
def browser() -> Iterator[Browser]:
    with chromium() as launched:
        yield launched


@pytest.fixture
def site(app: Flask) -> Iterator[str]:
    """The test's app (its database, with what the test committed) served over real HTTP."""
    with live_server(app, free_port()) as origin:
        yield origin


@pytest.fixture
def context(browser: Browser) -> Iterator[Callable[..., BrowserContext]]:
    """Open browser contexts (separate cookie jars: separate people); close them after.

    Script errors and console errors (a CSP violation is one) fail the test."""
    opened: list[BrowserContext] = []
    problems: list[str] = []

    def make(**options: Any) -> BrowserContext:
        options = {"locale": "en-GB", "timezone_id": "Europe/Amsterdam", **options}
        opened.append(browser.new_context(**options))
        opened[-1].set_default_timeout(10_000)
        opened[-1].on("weberror", lambda error: problems.append(str(error.error)))
        opened[-1].on(
            "console",
            lambda message: (
                message.type == "error"
                and not message.text.startswith("Failed to load resource")  # aborted on purpose
                and problems.append(message.text)
            ),
        )
        return opened[-1]

    yield make
    for each in opened:
        each.close()
    assert problems == []


def log_in(page: Page, email: str, password: str) -> None:
    """Fill in and send the log-in form the page shows."""
    page.get_by_label("Email address").fill(email)
    page.get_by_label("Password").fill(password)
    page.get_by_role("main").get_by_role("button", name="Log in").click()


def log_in_at(page: Page, site: str, email: str, password: str) -> None:
    """Open the site's log-in page and log in."""
    page.goto(f"{site}/login")
    log_in(page, email, password)


def logged_in(context: BrowserContext, site: str, member: MemberHandle) -> Page:
    """A new page of `context`, logged in as `member` and welcomed back."""
    page = context.new_page()
    log_in_at(page, site, member.email, member.password)
    expect(page.get_by_text(f"Welcome back, {member.display_name}.")).to_be_visible()
    return page
