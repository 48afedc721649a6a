"""Several processes, one feed: two real web servers and a Celery worker meet in Redis.

A client connected to one web process hears what happens through the other web process and what
the worker does, because every process emits through the Redis message queue.
"""

from __future__ import annotations

import urllib.error
import urllib.request
import uuid
from collections.abc import Iterator
from contextlib import ExitStack, contextmanager
from pathlib import Path
from typing import Any

import pytest
import sqlalchemy as sa

from network.extensions import db
from tests.alerts.conftest import alert_body
from tests.conftest import PASSWORD
from tests.coordination.test_feed_socket import FeedClient
from tests.harness import (
    CommandProcess,
    add_member,
    free_port,
    request_json,
    standalone_app,
    upstander,
    wait_until,
    worker_process,
)

pytestmark = [pytest.mark.live, pytest.mark.postgres, pytest.mark.redis]
# Every run gets its own Socket.IO channel: Redis pub/sub ignores database numbers, so runs
# sharing a Redis server would otherwise hear each other.
SOCKETIO_CHANNEL = f"upstander-test-{uuid.uuid4().hex[:8]}"


@contextmanager
def serve_process(
    instance: Path, *, port: int, database_url: str, redis_url: str
) -> Iterator[CommandProcess]:
    """Run a real web process (`upstander serve`) on PostgreSQL and Redis."""
    with upstander(
        instance,
        "serve",
        "--host",
        "127.0.0.1",
        "--port",
        str(port),
        DATABASE_URL=database_url,
        REDIS_URL=redis_url,
        SITE_URL=f"http://127.0.0.1:{port}",
        SOCKETIO_ASYNC_MODE="threading",
        SOCKETIO_CHANNEL=SOCKETIO_CHANNEL,
    ) as web:
        yield web


@pytest.fixture
def fresh_schema(own_schema: str) -> str:
    """A PostgreSQL schema of this test's own."""
    return own_schema


def token_for(origin: str, email: str) -> str:
    status, body = request_json(
        origin, "POST", "/api/v1/tokens", {"email": email, "password": PASSWORD, "name": "test"}
    )
    assert status == 201, body
    token: str = body["token"]
    return token


def healthy(origin: str, process: CommandProcess) -> bool:
    if process.process.poll() is not None:
        raise AssertionError(f"the process exited early:\n{process.log()}")
    try:
        with urllib.request.urlopen(f"{origin}/healthz", timeout=5) as response:
            return response.status == 200
    except (urllib.error.URLError, ConnectionError):
        return False


def test_a_client_on_one_web_process_hears_the_other_web_process_and_the_worker(
    tmp_path: Path, fresh_schema: str, redis_url: str
) -> None:
    # The setup app migrates the fresh schema and sends jobs; it serves nothing.
    setup = standalone_app(
        tmp_path / "setup",
        database_url=fresh_schema,
        REDIS_URL=redis_url,
        CELERY_EMBEDDED=False,
        SOCKETIO_MESSAGE_QUEUE=None,
    )
    engine = db.engine_for(setup)
    # Unique names and links: other test runs may share this Redis server, and Socket.IO's
    # channel is the same in every Redis database, so their events could reach this client.
    run = uuid.uuid4().hex[:8]
    watcher_email = add_member(setup, display_name=f"Watcher {run}")
    reporter_email = add_member(setup, display_name=f"Reporter {run}", trust_level=1)
    volunteer_name = f"Volunteer {run}"
    volunteer_email = add_member(setup, display_name=volunteer_name)

    first_port, second_port = free_port(), free_port()
    first, second = f"http://127.0.0.1:{first_port}", f"http://127.0.0.1:{second_port}"
    feed = FeedClient()
    with ExitStack() as processes:
        processes.callback(engine.dispose)
        # Closed after the servers stopped: a WebSocket close handshake with the development
        # server would wait three seconds for an answer.
        processes.callback(feed.close)
        # Each context manager stops its process (SIGTERM, then SIGKILL) in a finally block.
        worker = processes.enter_context(
            worker_process(
                tmp_path / "worker",
                database_url=fresh_schema,
                redis_url=redis_url,
                SOCKETIO_CHANNEL=SOCKETIO_CHANNEL,
            )
        )
        web_one = processes.enter_context(
            serve_process(
                tmp_path / "web1", port=first_port, database_url=fresh_schema, redis_url=redis_url
            )
        )
        web_two = processes.enter_context(
            serve_process(
                tmp_path / "web2", port=second_port, database_url=fresh_schema, redis_url=redis_url
            )
        )
        wait_until(lambda: healthy(first, web_one), timeout=20, what="web process 1 /healthz")
        wait_until(lambda: healthy(second, web_two), timeout=20, what="web process 2 /healthz")

        feed.connect(first, auth={"token": token_for(first, watcher_email)})
        feed.wait_until_subscribed(redis_url, SOCKETIO_CHANNEL)
        reporter = token_for(second, reporter_email)
        volunteer = token_for(second, volunteer_email)

        # (a) HTTP requests to process 2 reach the client on process 1.
        link = f"https://www.instagram.com/p/many-processes-{run}/"
        status, alert = request_json(
            second, "POST", "/api/v1/alerts", alert_body(url=link, severity=2), reporter
        )
        assert status == 201 and alert["status"] == "open", f"{alert}\n{web_two.log()}"
        created = wait_until(
            lambda: [data for data in feed.named("alert.created") if data["alert"]["url"] == link],
            timeout=10,
            what=lambda: f"alert.created for {link}; received {[e for e, _ in feed.events]}",
        )
        assert created[0]["alert"]["id"] == alert["id"]
        assert created[0]["alert"]["needs"]["report_platform"]["open"] == 2

        def action_events(action_id: int, status: str) -> list[dict[str, Any]]:
            return [
                data["action"]
                for data in feed.named("action.updated")
                if data["action"]["id"] == action_id
                and data["action"]["alert_id"] == alert["id"]
                and data["action"]["volunteer"] == volunteer_name
                and data["action"]["status"] == status
            ]

        def await_action(action_id: int, status: str, timeout: float = 10) -> dict[str, Any]:
            [event] = wait_until(
                lambda: action_events(action_id, status),
                timeout=timeout,
                what=lambda: (
                    f"action.updated {action_id} {status} among {feed.named('action.updated')}"
                    f"\nworker log:\n{worker.log()}"
                ),
            )
            return event

        status, reported = request_json(
            second,
            "POST",
            f"/api/v1/alerts/{alert['id']}/actions",
            {"type": "report_platform"},
            volunteer,
        )
        assert status == 201, reported
        assert await_action(reported["id"], "claimed")["type"] == "report_platform"
        status, done = request_json(
            second, "PATCH", f"/api/v1/actions/{reported['id']}", {"status": "done"}, volunteer
        )
        assert status == 200 and done["status"] == "done", done
        await_action(reported["id"], "done")

        # (b) The worker expires a claim past its time; the client hears it through Redis.
        status, claimed = request_json(
            second,
            "POST",
            f"/api/v1/alerts/{alert['id']}/actions",
            {"type": "support_target_private"},
            volunteer,
        )
        assert status == 201, claimed
        await_action(claimed["id"], "claimed")
        with engine.begin() as connection:
            connection.execute(
                sa.text(
                    "UPDATE action SET expires_at = now() - interval '1 minute' WHERE id = :id"
                ),
                {"id": claimed["id"]},
            )
        setup.extensions["celery"].send_task("network.coordination.expire_claims")
        # The worker started with the web processes and may still be finishing its start-up.
        expired = await_action(claimed["id"], "expired", timeout=20)
        assert expired["type"] == "support_target_private"

        ours = [
            data["event_id"]
            for _name, data in feed.events
            if data.get("alert", {}).get("url") == link
            or data.get("action", {}).get("volunteer") == volunteer_name
        ]
        assert ours == sorted(ours) and len(set(ours)) == len(ours), feed.events
