"""Jobs queued only once the transaction that calls for them has committed."""

from __future__ import annotations

import logging
from typing import Any

import sqlalchemy as sa
from flask import current_app
from sqlalchemy.orm import Session

from network.extensions import db

log = logging.getLogger(__name__)
KEY = "reach_jobs"


def after_commit(task_name: str, *args: Any) -> None:
    """Queue a Celery task by name once the current transaction commits (never if it rolls back)."""
    db.session.info.setdefault(KEY, []).append((task_name, args))


def send(task_name: str, *args: Any) -> None:
    """Queue a Celery task by name now (nothing to wait for); a broker outage is logged."""
    try:
        current_app.extensions["celery"].send_task(task_name, args=list(args))
    except Exception:  # a broker outage must not undo what was saved
        log.exception("could not queue %s", task_name)


@sa.event.listens_for(Session, "after_commit")
def _send_after_commit(session: Session) -> None:
    jobs: list[tuple[str, tuple[Any, ...]]] = session.info.pop(KEY, [])
    for name, args in jobs:
        send(name, *args)


@sa.event.listens_for(Session, "after_rollback")
def _forget_after_rollback(session: Session) -> None:
    session.info.pop(KEY, None)
