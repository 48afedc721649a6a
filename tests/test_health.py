"""/healthz against the real database, the real Redis and a real Celery worker process."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any
from urllib.request import urlopen

import pytest
from flask import Flask
from flask.testing import FlaskClient

from tests.harness import free_port, standalone_app, upstander, wait_until, worker_process


def health(app: Flask) -> tuple[int, dict[str, Any]]:
    response = app.test_client().get("/healthz")
    return response.status_code, response.get_json()


def with_redis(tmp_path: Path, redis_url: str, **extra: Any) -> Flask:
    """An app configured like production: Redis for Celery and Socket.IO, no embedded worker."""
    return standalone_app(
        tmp_path / "web",
        REDIS_URL=redis_url,
        CELERY_EMBEDDED=False,
        SOCKETIO_MESSAGE_QUEUE=redis_url,
        **extra,
    )


def test_upstander_serve_runs_the_worker_embedded(tmp_path: Path) -> None:
    port = free_port()
    instance, elsewhere = tmp_path / "instance", tmp_path / "started-here"
    elsewhere.mkdir()
    with upstander(instance, "serve", cwd=elsewhere, PORT=str(port)) as serve:
        serve.wait_for_log("Running on")
        with urlopen(f"http://127.0.0.1:{port}/healthz", timeout=5) as response:
            status, body = response.status, json.load(response)
        beat_files = wait_until(lambda: list(instance.glob("celerybeat-schedule*")))
    assert (status, body) == (
        200,
        {"status": "ok", "database": "ok", "redis": "not configured", "worker": "embedded"},
    )
    assert beat_files and list(elsewhere.iterdir()) == []


def test_embedded_default_is_healthy_without_any_service(client: FlaskClient) -> None:
    response = client.get("/healthz")
    assert response.status_code == 200
    assert response.get_json() == {
        "status": "ok",
        "database": "ok",
        "redis": "not configured",
        "worker": "embedded",
    }
    assert response.headers["Content-Type"] == "application/json"


@pytest.mark.redis
def test_worker_turns_ok_once_a_real_worker_answers(tmp_path: Path, redis_url: str) -> None:
    app = with_redis(tmp_path, redis_url)

    # The web process itself is fine without a worker (it stays in the load balancer: 200),
    # but the installation is degraded: queued jobs would wait.
    status, body = health(app)
    assert (status, body) == (
        200,
        {"status": "degraded", "database": "ok", "redis": "ok", "worker": "no worker"},
    )

    with worker_process(
        tmp_path / "worker", database_url=app.config["DATABASE_URL"], redis_url=redis_url
    ) as worker:
        wait_until(
            lambda: health(app)[1]["worker"] == "ok",
            what=lambda: f"/healthz to see the worker; worker log:\n{worker.log()}",
        )
        assert health(app) == (
            200,
            {"status": "ok", "database": "ok", "redis": "ok", "worker": "ok"},
        )


def test_unreachable_redis_makes_the_app_unhealthy(tmp_path: Path) -> None:
    closed = f"redis://127.0.0.1:{free_port()}/0"
    app = with_redis(tmp_path, closed)

    status, body = health(app)

    assert status == 503
    assert body == {
        "status": "degraded",
        "database": "ok",
        "redis": "unreachable",
        "worker": "unreachable",
    }


def test_unreachable_database_makes_the_app_unhealthy(tmp_path: Path) -> None:
    app = standalone_app(
        tmp_path / "web", database_url="postgresql://postgres@127.0.0.1:1/none", migrate=False
    )

    status, body = health(app)

    assert status == 503
    assert body == {
        "status": "degraded",
        "database": "unreachable",
        "redis": "not configured",
        "worker": "embedded",
    }
