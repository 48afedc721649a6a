"""A heartbeat job: proves that a worker runs and can reach the database."""

from __future__ import annotations

import sqlalchemy as sa
from celery import shared_task

from network.extensions import db

SCHEDULE: dict[str, dict[str, object]] = {}


@shared_task(name="network.heartbeat")
def heartbeat() -> str:
    """Answer from a worker after touching the database."""
    db.session.execute(sa.text("SELECT 1"))
    return "ok"
