"""Fixtures shared with the feed's tests."""

from tests.coordination.conftest import open_alert  # noqa: F401
