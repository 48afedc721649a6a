"""The posting baseline of issue 15: a minimal Flask endpoint served by the project's gunicorn
config, with the same bearer-token check as the app (one statement), then a JSON body turned into
one INSERT through SQLAlchemy Core and a JSON answer. No limiter, no validation, no events.

gunicorn -c gunicorn.conf.py --bind 127.0.0.1:PORT "bench.baseline_app:create_app()"
"""

from __future__ import annotations

import hashlib
import json
import os
from datetime import UTC, datetime
from typing import Any

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


def _answer(body: dict[str, Any], status: int) -> Response:
    return Response(json.dumps(body), status=status, mimetype="application/json")


def create_app() -> Flask:
    """Build the baseline app on DATABASE_URL (postgresql+psycopg)."""
    url = os.environ["DATABASE_URL"]
    if url.startswith("postgresql://"):
        url = "postgresql+psycopg://" + url[len("postgresql://") :]
    engine = sa.create_engine(url, pool_size=10, max_overflow=20)
    app = Flask("baseline")

    @app.post("/api/v1/alerts")
    def post_alert() -> Response:
        scheme, _sep, secret = request.headers.get("Authorization", "").partition(" ")
        if scheme.lower() != "bearer":
            return _answer({"error": {"code": "unauthorised"}}, 401)
        body = request.get_json()
        digest = hashlib.sha256(secret.strip().encode()).hexdigest()
        now = datetime.now(UTC)
        with engine.begin() as connection:
            member = connection.execute(TOKEN, {"digest": digest}).scalar()
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

    @app.get("/healthz")
    def healthy() -> Response:
        return _answer({"status": "ok"}, 200)

    return app
