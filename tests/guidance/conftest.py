"""Fixtures for guidance: open alerts on a chosen platform, pages in a member's language."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest
from flask import Flask
from flask.testing import FlaskClient

from tests.alerts.conftest import alert_body

__all__ = ["alert_body"]


@pytest.fixture
def page(client: FlaskClient) -> Callable[..., str]:
    """Fetch a page that must answer 200 and return its HTML."""

    def get(path: str, **kwargs: Any) -> str:
        response = client.get(path, **kwargs)
        assert response.status_code == 200, (path, response.status_code)
        return response.get_data(as_text=True)

    return get


@pytest.fixture
def in_language(app: Flask) -> Callable[..., Any]:
    """Evaluate a function as a request in one language would (what the page should show)."""
    from flask_babel import force_locale

    def run(locale: str, function: Callable[..., Any], /, *args: Any, **kwargs: Any) -> Any:
        with app.test_request_context(), force_locale(locale):
            return function(*args, **kwargs)

    return run
