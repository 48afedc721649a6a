"""Query counts of the hot paths at two sizes: none may grow with rows or connected clients.

Runs the app in this process (Flask and Socket.IO test clients) on the benchmark database and
counts the SQL statements of one request on each hot path, first with a small network, then with
100 times the members and alerts and 20 times the connected feed clients.
"""

from __future__ import annotations

import secrets
from collections.abc import Callable
from pathlib import Path
from typing import Any

import sqlalchemy as sa

from bench.common import Options, Row
from bench.feed_read import seed
from bench.topology import Member, Topology

SMALL, LARGE = 100, 10_000  # members and alerts
FEW, MANY = 10, 200  # connected feed clients


def in_process_app(topology: Topology, name: str = "queries") -> Any:
    """An app in this process on the benchmark's database (jobs run embedded)."""
    from network import create_app

    return create_app(
        {
            "ENVIRONMENT": "production",
            "SECRET_KEY": secrets.token_urlsafe(48),
            "DATABASE_URL": topology.database_url,
            "INSTANCE_PATH": str(topology.workdir / name),
            "REDIS_URL": None,
            "CELERY_EMBEDDED": True,
            "SOCKETIO_MESSAGE_QUEUE": None,
            "SOCKETIO_ASYNC_MODE": "threading",
            "RATELIMIT_STORAGE_URI": "memory://",
            "RATELIMIT_ENABLED": False,
            "TRUST_PROMOTION_APPROVED_ALERTS": 1_000_000,
            "SITE_URL": "http://localhost",
            # Every request counts its token's statement, as a token's first request does: a
            # process that remembers the member (network/accounts/token_cache.py) sends one
            # fewer, whether or not it has seen the token would otherwise decide the counts.
            "TOKEN_CACHE_SECONDS": 0,
        }
    )


class Counter:
    """Count the statements the app's engine sends while a block runs."""

    def __init__(self, engine: sa.Engine) -> None:
        self.count = self.rows = 0
        self.active = False
        sa.event.listen(engine, "after_cursor_execute", self._seen)

    def _seen(self, _connection: Any, cursor: Any, statement: str, *_args: Any) -> None:
        if self.active:
            self.count += 1
            # A read may start with its common table expressions (the feed's page does).
            if statement.lstrip().upper().startswith(("SELECT", "WITH")) and cursor.rowcount > 0:
                self.rows += cursor.rowcount

    def of(self, action: Callable[[], Any]) -> tuple[int, int]:
        """Return the statements and the rows selected while `action` runs."""
        self.count, self.rows, self.active = 0, 0, True
        try:
            action()
        finally:
            self.active = False
        return self.count, self.rows


def _measure(
    app: Any, counter: Counter, people: dict[str, Member], clients: int
) -> dict[str, tuple[int, int]]:
    from network.extensions import socketio

    client = app.test_client()
    number = secrets.token_hex(4)

    def call(member: Member, method: str, path: str, body: Any = None, status: int = 200) -> Any:
        response = client.open(
            path, method=method, json=body, headers={"Authorization": f"Bearer {member.token}"}
        )
        assert response.status_code == status, response.get_data(as_text=True)
        return response.get_json()

    def alert_body(tag: str) -> dict[str, Any]:
        url = f"https://www.instagram.com/p/queries-{number}-{tag}/"
        return {
            "url": url,
            "category": "hate",
            "severity": 2,
            "summary": "Mocking.",
            "language": "nl",
        }

    feeds = [
        socketio.test_client(app, namespace="/feed", auth={"token": people["watcher"].token})
        for _ in range(clients)
    ]
    found: dict[str, tuple[int, int]] = {}
    try:
        created: dict[str, Any] = {}
        found["post an alert (it goes live)"] = counter.of(
            lambda: created.update(
                call(people["trusted"], "POST", "/api/v1/alerts", alert_body("live"), 201)
            )
        )
        pending = call(people["new"], "POST", "/api/v1/alerts", alert_body("pending"), 201)
        found["approve an alert"] = counter.of(
            lambda: call(
                people["organiser"],
                "POST",
                f"/api/v1/alerts/{pending['id']}/review",
                {"decision": "approve"},
            )
        )
        found["first page of the feed"] = counter.of(
            lambda: call(people["watcher"], "GET", "/api/v1/alerts")
        )
        found["claim an action"] = counter.of(
            lambda: call(
                people["volunteer"],
                "POST",
                f"/api/v1/alerts/{created['id']}/actions",
                {"type": "report_platform"},
                201,
            )
        )
        found["connect to /feed with since"] = counter.of(
            lambda: feeds.append(
                socketio.test_client(
                    app, namespace="/feed", auth={"token": people["watcher"].token, "since": 0}
                )
            )
        )
    finally:
        for feed in feeds:
            feed.disconnect(namespace="/feed")
    return found


def run(topology: Topology, options: Options) -> list[Row]:
    from network.extensions import activate, db

    topology.empty()
    app = in_process_app(topology)
    activate(app)
    counter = Counter(db.engine_for(app))
    people = {
        "trusted": topology.add_members(1, trust_level=1, prefix="q-trusted")[0],
        "new": topology.add_members(1, prefix="q-new")[0],
        "organiser": topology.add_members(1, role="organiser", trust_level=1, prefix="q-org")[0],
        "watcher": topology.add_members(1, prefix="q-watcher")[0],
        "volunteer": topology.add_members(1, prefix="q-volunteer")[0],
    }
    volunteers = [member.id for member in topology.add_members(SMALL, prefix="q-small")]
    seed(topology, SMALL, people["trusted"].id, volunteers)
    topology.analyze()
    # No app context around the requests: each pushes its own, as in production (a shared one
    # would keep the first request's member in `g`).
    small = _measure(app, counter, people, FEW)
    volunteers += [member.id for member in topology.add_members(LARGE - SMALL, prefix="q-large")]
    seed(topology, LARGE - SMALL, people["trusted"].id, volunteers)
    topology.analyze()
    large = _measure(app, counter, people, MANY)
    db.engine_for(app).dispose()
    Path(topology.workdir / "queries").mkdir(exist_ok=True)
    return [
        Row(
            "queries",
            f"{path}: statements",
            float(large[path][0]),
            float(small[path][0]),
            f"same at {SMALL} members and alerts, {FEW} clients",
            "",
            target=1.0,
            note=(
                f"{LARGE:,} members and alerts, {MANY} clients; "
                f"rows read {small[path][1]} → {large[path][1]}"
            ),
        )
        for path in small
    ]
