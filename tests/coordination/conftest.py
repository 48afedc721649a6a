"""Fixtures for coordination: open alerts and claims."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest

from tests.alerts.conftest import alert_body

__all__ = ["alert_body"]


@pytest.fixture
def open_alert(api_as: Callable[..., Any], create_member: Callable[..., Any]) -> Callable[..., Any]:
    """Create an open alert posted by a trusted member; return its JSON."""

    def make(**changes: Any) -> dict[str, Any]:
        reporter = create_member(trust_level=1)
        response = api_as(reporter, "POST", "/api/v1/alerts", json=alert_body(**changes))
        assert response.status_code == 201, response.get_data(as_text=True)
        return response.get_json()

    return make


@pytest.fixture
def claim(api_as: Callable[..., Any]) -> Callable[..., Any]:
    def make(member: Any, alert_id: int, action_type: str, **extra: Any) -> Any:
        return api_as(
            member,
            "POST",
            f"/api/v1/alerts/{alert_id}/actions",
            json={"type": action_type, **extra},
        )

    return make
