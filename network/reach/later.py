"""Jobs queued through the job port (network/jobs.py) only once the transaction that calls for
them has committed."""

from __future__ import annotations

import logging
from typing import Any

import sqlalchemy as sa
from sqlalchemy.orm import Session

from network import jobs
from network.extensions import db

log = logging.getLogger(__name__)
KEY = "reach_jobs"
GATHERED = "reach_gathered_jobs"


def after_commit(job_name: str, *args: Any) -> None:
    """Queue a job by name once the current transaction commits (never if it rolls back)."""
    db.session.info.setdefault(KEY, []).append((job_name, args))


def gathered_after_commit(job_name: str, item: Any) -> None:
    """Queue `item` for a job that takes a list once the current transaction commits, gathered
    with the items of requests running at the same time (network.jobs.Gathering)."""
    db.session.info.setdefault(GATHERED, []).append((job_name, item))


def send(job_name: str, *args: Any) -> None:
    """Queue a job by name now (nothing to wait for); a broker outage is logged."""
    try:
        jobs.enqueue(job_name, *args)
    except Exception:  # a broker outage must not undo what was saved
        log.exception("could not queue %s", job_name)


@sa.event.listens_for(Session, "after_commit")
def _send_after_commit(session: Session) -> None:
    queued: list[tuple[str, tuple[Any, ...]]] = session.info.pop(KEY, [])
    for name, args in queued:
        send(name, *args)
    for name, item in session.info.pop(GATHERED, []):
        try:
            jobs.gather(name, item)
        except Exception:  # a broker outage must not undo what was saved
            log.exception("could not queue %s", name)


@sa.event.listens_for(Session, "after_rollback")
def _forget_after_rollback(session: Session) -> None:
    session.info.pop(KEY, None)
    session.info.pop(GATHERED, None)
