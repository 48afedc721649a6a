"""In a real browser, opening the notices page marks what the member saw as read."""

from __future__ import annotations

from pathlib import Path

import pytest
import sqlalchemy as sa
from playwright.sync_api import Browser, expect

from network.accounts.services import sign_up
from network.extensions import db
from network.notices.models import Notice
from network.notices.services import notify_each
from tests.harness import free_port, live_server, standalone_app, wait_until
from tests.support.browser import browser, log_in_at

__all__ = ["browser"]
pytestmark = pytest.mark.browser
PASSWORD = "stand up for each other"


def test_seen_notices_are_marked_read_and_the_count_goes(browser: Browser, tmp_path: Path) -> None:
    port = free_port()
    origin = f"http://127.0.0.1:{port}"
    app = standalone_app(tmp_path, SITE_URL=origin, PASSWORD_HASH_PROFILE="cheapest")
    with app.test_request_context():
        member = sign_up(
            email="rosa@example.org",
            password=PASSWORD,
            display_name="Rosa",
            locale="en",
            time_zone="Europe/Amsterdam",
            pledge_accepted=True,
        )
        notify_each([member.id], "alert_rejected", body="A joke between friends.")
        db.session.commit()

    def unread() -> int:
        with app.app_context():
            query = sa.select(sa.func.count()).select_from(Notice).where(Notice.read_at.is_(None))
            return db.session.scalar(query) or 0

    with live_server(app, port):
        context = browser.new_context(locale="en-GB")
        context.set_default_timeout(5000)
        page = context.new_page()
        log_in_at(page, origin, "rosa@example.org", PASSWORD)
        notices = page.get_by_role("banner").get_by_role("link", name="Notices")
        expect(notices).to_contain_text("1")
        notices.click()
        expect(page.get_by_text("A joke between friends.")).to_be_visible()
        wait_until(lambda: unread() == 0, timeout=10, what="the seen notice to be marked read")
        page.reload()
        expect(page.get_by_role("banner").get_by_role("link", name="Notices")).to_have_text(
            "Notices"
        )
        context.close()
