"""The production topology, small: two gunicorn web processes (gevent WebSocket worker, the
project's gunicorn.conf.py), a Celery worker and beat, on PostgreSQL and Redis.

A client on one web process hears what happens through the other and what the worker does; when
its web process stops, it reconnects to the other with `since` and misses nothing.
"""

from __future__ import annotations

import os
import subprocess
import sys
import urllib.error
import urllib.request
import uuid
from collections.abc import Iterator
from contextlib import ExitStack, contextmanager
from pathlib import Path
from typing import Any

import pytest
import sqlalchemy as sa

from network.accounts.tokens import token_digest
from network.extensions import db
from tests.alerts.conftest import alert_body
from tests.coordination.test_feed_socket import FeedClient
from tests.harness import (
    CommandProcess,
    free_port,
    member_with_token,
    request_json,
    standalone_app,
    upstander,
    wait_until,
)

pytestmark = [pytest.mark.live, pytest.mark.postgres, pytest.mark.redis]
ROOT = Path(__file__).resolve().parent.parent
GUNICORN = Path(sys.executable).with_name("gunicorn")
# Redis pub/sub ignores database numbers: a channel of this run's own keeps other runs' events out.
CHANNEL = f"upstander-topology-{uuid.uuid4().hex[:8]}"
SECRET_KEY = "topology-test-secret-key-that-is-long-enough"


@pytest.fixture
def schema_url(own_schema: str) -> str:
    """A PostgreSQL schema of this test's own."""
    return own_schema


def app_environment(instance: Path, database_url: str, redis_url: str) -> dict[str, str]:
    """Production settings for a process of the topology; nothing from the developer's shell."""
    inherited = {
        key: value
        for key, value in os.environ.items()
        if key in {"PATH", "HOME", "LANG", "LC_ALL", "TMPDIR", "VIRTUAL_ENV"}
    }
    return {
        **inherited,
        "UPSTANDER_ENV": "production",
        "SECRET_KEY": SECRET_KEY,
        "DATABASE_URL": database_url,
        "REDIS_URL": redis_url,
        "SOCKETIO_CHANNEL": CHANNEL,
        "INSTANCE_PATH": str(instance),
        "PYTHONUNBUFFERED": "1",
        "ACCESS_LOG": "",
        "LOG_LEVEL": "info",
    }


@contextmanager
def gunicorn(
    instance: Path, port: int, database_url: str, redis_url: str
) -> Iterator[CommandProcess]:
    """Run a web process as production does: gunicorn with gunicorn.conf.py, on a free port."""
    instance.mkdir(parents=True, exist_ok=True)
    environment = app_environment(instance, database_url, redis_url)
    environment["SITE_URL"] = f"http://127.0.0.1:{port}"
    log_path = instance / "gunicorn.log"
    with log_path.open("wb") as log:
        process = subprocess.Popen(
            [
                str(GUNICORN),
                "-c",
                "gunicorn.conf.py",
                "--bind",
                f"127.0.0.1:{port}",
                # A short graceful timeout: an open feed would hold a stop for 20 s otherwise.
                "--graceful-timeout",
                "2",
            ],
            cwd=ROOT,
            env=environment,
            stdout=log,
            stderr=subprocess.STDOUT,
        )
    running = CommandProcess(process, log_path)
    try:
        yield running
    finally:
        running.stop()


def healthy(origin: str, process: CommandProcess) -> bool:
    if process.process.poll() is not None:
        raise AssertionError(f"the process exited early:\n{process.log()}")
    try:
        with urllib.request.urlopen(f"{origin}/healthz", timeout=5) as response:
            return bool(response.status == 200)
    except OSError:  # not listening yet, or still starting up
        return False


def post(origin: str, path: str, body: Any, token: str) -> tuple[int, Any]:
    return request_json(origin, "POST", path, body, token, timeout=10)


def alert_urls(feed: FeedClient) -> list[str]:
    return [data["alert"]["url"] for data in feed.named("alert.created")]


def test_two_web_processes_a_worker_and_beat_share_one_feed(
    tmp_path: Path, schema_url: str, redis_url: str
) -> None:
    # The setup app migrates the fresh schema, creates members and sends jobs; it serves nothing.
    setup = standalone_app(
        tmp_path / "setup",
        database_url=schema_url,
        REDIS_URL=redis_url,
        CELERY_EMBEDDED=False,
        SOCKETIO_MESSAGE_QUEUE=None,
        PASSWORD_HASH_PROFILE="cheapest",
    )
    engine = db.engine_for(setup)
    run = uuid.uuid4().hex[:8]
    watcher = member_with_token(setup, display_name="Watcher")
    reporter = member_with_token(setup, display_name="Reporter", trust_level=1)
    volunteer = member_with_token(setup, display_name="Volunteer")

    def link(name: str) -> str:
        return f"https://www.instagram.com/p/topology-{run}-{name}/"

    first_port, second_port = free_port(), free_port()
    first, second = f"http://127.0.0.1:{first_port}", f"http://127.0.0.1:{second_port}"
    feed, again = FeedClient(), FeedClient()
    with ExitStack() as stack:
        stack.callback(engine.dispose)
        stack.callback(again.close)
        stack.callback(feed.close)
        environment = app_environment(tmp_path / "jobs", schema_url, redis_url)
        jobs = {key: environment[key] for key in ("DATABASE_URL", "REDIS_URL", "SOCKETIO_CHANNEL")}
        worker = stack.enter_context(
            upstander(
                tmp_path / "worker",
                "worker",
                "--pool=solo",
                "--loglevel=INFO",
                # A worker alone need not look for others first (a second saved at start-up).
                "--without-mingle",
                "--without-gossip",
                **jobs,
            )
        )
        beat = stack.enter_context(upstander(tmp_path / "beat", "beat", "--loglevel=INFO", **jobs))
        web_one = stack.enter_context(
            gunicorn(tmp_path / "web1", first_port, schema_url, redis_url)
        )
        web_two = stack.enter_context(
            gunicorn(tmp_path / "web2", second_port, schema_url, redis_url)
        )
        wait_until(lambda: healthy(first, web_one), timeout=60, what="web process 1 /healthz")
        wait_until(lambda: healthy(second, web_two), timeout=60, what="web process 2 /healthz")
        beat.wait_for_log("beat: Starting", timeout=20)

        feed.connect(first, auth={"token": watcher})
        feed.wait_until_subscribed(redis_url, CHANNEL)

        # (a) A post through web process 2 reaches the client on web process 1.
        status, alert = post(
            second, "/api/v1/alerts", alert_body(url=link("posted"), severity=2), reporter
        )
        assert status == 201 and alert["status"] == "open", alert
        wait_until(
            lambda: link("posted") in alert_urls(feed),
            timeout=10,
            what=lambda: f"alert.created through web 2; received {feed.events}",
        )

        # (b) The worker expires a claim past its time; the client hears it through Redis.
        status, claim = post(
            second, f"/api/v1/alerts/{alert['id']}/actions", {"type": "report_platform"}, volunteer
        )
        assert status == 201, claim
        with engine.begin() as connection:
            connection.execute(
                sa.text(
                    "UPDATE action SET expires_at = now() - interval '1 minute' WHERE id = :id"
                ),
                {"id": claim["id"]},
            )
        setup.extensions["celery"].send_task("network.coordination.expire_claims")

        def expired() -> bool:
            return any(
                data["action"]["id"] == claim["id"] and data["action"]["status"] == "expired"
                for data in feed.named("action.updated")
            )

        wait_until(
            expired,
            timeout=20,
            what=lambda: f"the worker's action.updated; worker log:\n{worker.log()}",
        )

        # (b2) Web process 2 remembers the volunteer behind their token (network/accounts/
        # token_cache.py); revoked through web process 1, the token is refused by web process 2
        # within moments (PostgreSQL notifies every process; its entry alone would live 60 s).
        for _ in range(2):
            assert request_json(second, "GET", "/api/v1/me", token=volunteer)[0] == 200
        with engine.connect() as connection:
            token_id = connection.execute(
                sa.text("SELECT id FROM access_token WHERE token_hash = :digest"),
                {"digest": token_digest(volunteer)},
            ).scalar_one()
        revoked = request_json(first, "DELETE", f"/api/v1/tokens/{token_id}", token=volunteer)
        assert revoked[0] == 204, revoked
        wait_until(
            lambda: request_json(second, "GET", "/api/v1/me", token=volunteer)[0] == 401,
            timeout=5,
            what="web process 2 to refuse the token revoked through web process 1",
        )

        # (c) Web process 1 stops; what happens meanwhile is replayed on web process 2.
        last_seen = max(data["event_id"] for _name, data in feed.events if "event_id" in data)
        web_one.stop()
        wait_until(lambda: not feed.sio.connected, timeout=10, what="the client to notice")
        missed = [link("while-down-1"), link("while-down-2")]
        for url in missed:
            status, _alert = post(second, "/api/v1/alerts", alert_body(url=url), reporter)
            assert status == 201, _alert
        again.connect(second, auth={"token": watcher, "since": last_seen})
        wait_until(
            lambda: set(missed) <= set(alert_urls(again)),
            timeout=10,
            what=lambda: f"the missed alerts replayed; received {again.events}",
        )
        replayed = [data["event_id"] for _name, data in again.events if "event_id" in data]
        assert replayed == sorted(replayed) and len(set(replayed)) == len(replayed)
        assert min(replayed) > last_seen
        assert alert_urls(again) == missed, "exactly what was missed, in order"
        assert beat.process.poll() is None, beat.log()
