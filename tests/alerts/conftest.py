"""Factories for alerts."""

from __future__ import annotations

from collections.abc import Callable
from itertools import count
from typing import Any

import pytest

from tests.conftest import ask_members_job

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
    """Post an alert as a member and run its asks job, as the worker would; return the response."""

    def post(member: Any, **changes: Any) -> Any:
        response = api_as(member, "POST", "/api/v1/alerts", json=alert_body(**changes))
        if response.status_code == 201:
            ask_members_job(response.get_json()["id"])
        return response

    return post
