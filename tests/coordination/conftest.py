"""Fixtures for coordination: open alerts and claims."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest

from tests.alerts.conftest import alert_body

__all__ = ["alert_body"]


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
