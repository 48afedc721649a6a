"""Check-ins and research data: the real push service and browsers' keys (tests/support/push.py)."""

from __future__ import annotations

from tests.alerts.conftest import organiser, post_alert
from tests.support.push import browser, push_service

__all__ = ["browser", "organiser", "post_alert", "push_service"]
