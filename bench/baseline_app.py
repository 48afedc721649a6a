"""The posting baseline of issue 15: a minimal Flask endpoint served by the project's gunicorn
config, with the same bearer-token check as the app (one statement), then a JSON body turned into
one INSERT through SQLAlchemy Core and a JSON answer. No limiter, no validation, no events.

Two more endpoints of the same kind show the framework's floor under the feed read and the
contention scenarios: the feed's first page (the token, then the page statement the app sends,
both in autocommit as the app reads) and a claim (the token, then the raw claim transaction of
bench/contention.py).

gunicorn -c gunicorn.conf.py --bind 127.0.0.1:PORT "bench.baseline_app:create_app()"
"""

from __future__ import annotations

import hashlib
import json
import os
from collections.abc import Mapping
from datetime import UTC, datetime, timedelta
from typing import Any

import orjson
import sqlalchemy as sa
from flask import Flask, Response, request

TOKEN = sa.text(
    "SELECT member.id FROM access_token JOIN member ON access_token.member_id = member.id "
    "WHERE access_token.token_hash = :digest AND access_token.revoked_at IS NULL "
    "AND member.status = 'active'"
)
INSERT = sa.text(
    "INSERT INTO alert (url, canonical_url, canonical_hash, platform, category, severity, summary,"
    " language, target_requested_help, wanted_actions, responder_goal, status, reporter_id,"
    " reporter_count, created_at, last_activity_at) VALUES (:url, :url, :digest, 'instagram',"
    " :category, :severity, :summary, :language, false, '[]', 3, 'open', :member, 1, :now, :now)"
    " RETURNING id"
)


def pool_size(environment: Mapping[str, str]) -> int:
    """The connections each web process keeps (the app's DATABASE_POOL_SIZE and default)."""
    return int(environment.get("DATABASE_POOL_SIZE") or 10)


def _answer(body: dict[str, Any], status: int) -> Response:
    return Response(json.dumps(body), status=status, mimetype="application/json")


def create_app() -> Flask:
    """Build the baseline app on DATABASE_URL (postgresql+psycopg)."""
    url = os.environ["DATABASE_URL"]
    if url.startswith("postgresql://"):
        url = "postgresql+psycopg://" + url[len("postgresql://") :]
    # The app's pool settings (network/extensions.py): as many connections as DATABASE_POOL_SIZE,
    # none beyond, and the connection returned last is lent first.
    engine = sa.create_engine(
        url, pool_size=pool_size(os.environ), max_overflow=0, pool_use_lifo=True
    )
    reads = engine.execution_options(isolation_level="AUTOCOMMIT")
    app = Flask("baseline")

    def member_of(connection: sa.Connection) -> int | None:
        scheme, _sep, secret = request.headers.get("Authorization", "").partition(" ")
        if scheme.lower() != "bearer":
            return None
        digest = hashlib.sha256(secret.strip().encode()).hexdigest()
        member: int | None = connection.execute(TOKEN, {"digest": digest}).scalar()
        return member

    @app.post("/api/v1/alerts")
    def post_alert() -> Response:
        body = request.get_json()
        now = datetime.now(UTC)
        with engine.begin() as connection:
            member = member_of(connection)
            if member is None:
                return _answer({"error": {"code": "unauthorised"}}, 401)
            alert_id = connection.execute(
                INSERT,
                {
                    "url": body["url"],
                    "digest": hashlib.sha256(body["url"].encode()).hexdigest(),
                    "category": body["category"],
                    "severity": body["severity"],
                    "summary": body["summary"],
                    "language": body["language"],
                    "member": member,
                    "now": now,
                },
            ).scalar_one()
        return _answer({"id": alert_id, "status": "open", "url": body["url"]}, 201)

    from bench.contention import CLAIM_SQL, GOAL
    from bench.feed_read import page_statement

    page_sql, page_fixed = page_statement()

    @app.get("/api/v1/alerts")
    def first_page() -> Response:
        with reads.connect() as connection:
            member = member_of(connection)
            if member is None:
                return _answer({"error": {"code": "unauthorised"}}, 401)
            parameters = {**page_fixed, "status": "open", "member_id": member}
            items, more, *_position, last_id = connection.exec_driver_sql(
                page_sql, {**parameters, "now": datetime.now(UTC)}
            ).one()
        cursor = str(last_id) if more else None
        body = orjson.dumps({"items": orjson.Fragment(items), "next_cursor": cursor})
        return Response(body, mimetype="application/json")

    @app.post("/api/v1/alerts/<int:alert>/actions")
    def claim(alert: int) -> Response:
        kind = request.get_json()["type"]
        with engine.begin() as connection:
            member = member_of(connection)
            if member is None:
                return _answer({"error": {"code": "unauthorised"}}, 401)
            refused = _answer({"error": {"code": "conflict"}}, 409)
            if connection.exec_driver_sql(CLAIM_SQL["lock"], (alert,)).first() is None:
                return refused
            if connection.exec_driver_sql(CLAIM_SQL["mine"], (alert, member, kind)).first():
                return refused
            if connection.exec_driver_sql(CLAIM_SQL["taken"], (alert,)).scalar_one() >= GOAL:
                return refused
            now = datetime.now(UTC)
            connection.exec_driver_sql(
                CLAIM_SQL["insert"], (alert, member, kind, now, now + timedelta(hours=2))
            )
            connection.exec_driver_sql(CLAIM_SQL["touch"], (now, alert))
        return _answer({"alert_id": alert, "type": kind, "status": "claimed"}, 201)

    @app.get("/healthz")
    def healthy() -> Response:
        return _answer({"status": "ok"}, 200)

    return app
