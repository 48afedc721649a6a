"""Fixtures for moderation: alerts to review, flags, reviews, and reading the audit log."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest
import sqlalchemy as sa
from flask import Flask

from network.extensions import db
from network.moderation.models import AuditEntry
from tests.alerts.conftest import alert_body, organiser, post_alert
from tests.digests.conftest import mail_to, smtp_sink

__all__ = ["alert_body", "mail_to", "organiser", "post_alert", "smtp_sink"]


@pytest.fixture
def review(api_as: Callable[..., Any]) -> Callable[..., Any]:
    """Review an alert over the API; return the response."""

    def decide(reviewer: Any, alert_id: int, decision: str, reason: str = "") -> Any:
        return api_as(
            reviewer,
            "POST",
            f"/api/v1/alerts/{alert_id}/review",
            json={"decision": decision, "reason": reason},
        )

    return decide


@pytest.fixture
def flag(api_as: Callable[..., Any]) -> Callable[..., Any]:
    """Flag an alert over the API; return the response."""

    def put(member: Any, alert_id: int, reason: str = "misleading", note: str = "") -> Any:
        return api_as(
            member,
            "POST",
            f"/api/v1/alerts/{alert_id}/flags",
            json={"reason": reason, "note": note},
        )

    return put


@pytest.fixture
def audit_entries(app: Flask) -> Callable[..., list[AuditEntry]]:
    """Return the audit entries of one action, oldest first."""

    def read(action: str) -> list[AuditEntry]:
        with app.app_context():
            return list(
                db.session.scalars(
                    sa.select(AuditEntry).where(AuditEntry.action == action).order_by(AuditEntry.id)
                )
            )

    return read
