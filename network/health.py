"""/healthz: database, Redis and worker health for load balancers and operators."""

from __future__ import annotations

import redis
import sqlalchemy as sa
from flask import Blueprint, Response, current_app, jsonify

from network.extensions import db
from network.settings import settings

health = Blueprint("health", __name__)


def database_state() -> str:
    """Return "ok" when the database answers."""
    try:
        db.session.execute(sa.text("SELECT 1"))
        return "ok"
    except sa.exc.SQLAlchemyError:
        db.session.rollback()
        return "unreachable"


def redis_state() -> str:
    """Return "ok", "unreachable" or "not configured"."""
    url = settings().redis_url
    if not url:
        return "not configured"
    client = redis.Redis.from_url(url, socket_timeout=1, socket_connect_timeout=1)
    try:
        client.ping()
        return "ok"
    except redis.RedisError:
        return "unreachable"
    finally:
        client.close()


def worker_state(redis: str) -> str:
    """Return "ok" when a worker answers a ping, "embedded" in the zero-service mode."""
    if settings().celery_embedded:
        return "embedded"
    if redis != "ok":
        return "unreachable"
    # limit=1: answer as soon as one worker replies instead of always waiting the full timeout.
    replies = current_app.extensions["celery"].control.ping(timeout=0.5, limit=1)
    return "ok" if replies else "no worker"


@health.get("/healthz")
def healthz() -> Response:
    """Report the health of the database, Redis and workers."""
    state = {"database": database_state(), "redis": redis_state()}
    state["worker"] = worker_state(state["redis"])
    healthy = state["database"] == "ok" and state["redis"] in {"ok", "not configured"}
    body = {"status": "ok" if healthy and state["worker"] in {"ok", "embedded"} else "degraded"}
    body.update(state)
    response = jsonify(body)
    response.status_code = 200 if healthy else 503
    return response
