"""Check-ins and research data: the real push service and browsers of tests/reach."""

from __future__ import annotations

from tests.alerts.conftest import organiser, post_alert
from tests.reach.conftest import browser, push_service

__all__ = ["browser", "organiser", "post_alert", "push_service"]
