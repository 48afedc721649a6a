"""Factories for alerts."""

from __future__ import annotations

from collections.abc import Callable
from itertools import count
from typing import Any

import pytest

_thread = count(1)


def alert_body(**changes: Any) -> dict[str, Any]:
    """Return a valid alert payload for a fresh thread."""
    body: dict[str, Any] = {
        "url": f"https://www.instagram.com/p/thread{next(_thread)}/",
        "category": "hate",
        "severity": 2,
        "summary": "Dozens of comments mocking a girl for her religion.",
        "language": "nl",
    }
    body.update(changes)
    return body


@pytest.fixture
def organiser(create_member: Callable[..., Any]) -> Any:
    return create_member(role="organiser")


@pytest.fixture
def post_alert(api_as: Callable[..., Any]) -> Callable[..., Any]:
    """Post an alert as a member; return the response."""

    def post(member: Any, **changes: Any) -> Any:
        return api_as(member, "POST", "/api/v1/alerts", json=alert_body(**changes))

    return post


@pytest.fixture
def open_alert(
    post_alert: Callable[..., Any], create_member: Callable[..., Any]
) -> Callable[..., Any]:
    """Create an open alert (posted by a trusted member); return (reporter, alert json)."""

    def make(**changes: Any) -> tuple[Any, dict[str, Any]]:
        reporter = create_member(trust_level=1)
        response = post_alert(reporter, **changes)
        assert response.status_code == 201, response.get_data(as_text=True)
        alert = response.get_json()
        assert alert["status"] == "open"
        return reporter, alert

    return make
