"""Logs never hold passwords, tokens or alert summaries — not even with SQL logging switched on."""

from __future__ import annotations

import logging
from collections.abc import Callable
from typing import Any

import pytest
import sqlalchemy as sa
from flask import Flask
from flask.testing import FlaskClient

from network.alerts.models import Alert
from network.db import utcnow
from network.extensions import db
from network.privacy.redaction import redact
from tests.alerts.conftest import alert_body
from tests.conftest import csrf_token_from

PASSWORD = "correct-horse-battery-staple-42"
SUMMARY = "Strangers keep calling a swimmer names under her race video, thread 4471."


def everything_logged(caplog: pytest.LogCaptureFixture) -> str:
    """Return the captured log as written, plus every record's own message."""
    return caplog.text + "\n".join(record.getMessage() for record in caplog.records)


@pytest.mark.live
def test_sign_up_tokens_failed_logins_and_alerts_leave_no_secret_in_the_logs(
    app: Flask, client: FlaskClient, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.DEBUG)
    # What an operator switches on to debug: every SQL statement (parameters stay hidden).
    caplog.set_level(logging.INFO, logger="sqlalchemy.engine")

    join = client.get("/join").get_data(as_text=True)
    joined = client.post(
        "/join",
        data={
            "csrf_token": csrf_token_from(join),
            "email": "swimmer.fan@example.org",
            "password": PASSWORD,
            "display_name": "Kim",
            "locale": "en",
            "time_zone": "Europe/Amsterdam",
            "pledge_accepted": "y",
        },
    )
    assert joined.status_code == 302, joined.get_data(as_text=True)
    api = app.test_client()  # no session cookie: a program using the API
    api_member = api.post(
        "/api/v1/members",
        json={
            "email": "second.fan@example.org",
            "password": PASSWORD,
            "display_name": "Sam",
            "pledge_accepted": True,
        },
    )
    assert api_member.status_code == 202
    wrong = api.post(
        "/api/v1/tokens",
        json={"email": "second.fan@example.org", "password": PASSWORD + "-typo", "name": "cli"},
    )
    assert wrong.status_code == 401
    login = api.get("/login").get_data(as_text=True)
    failed = api.post(
        "/login",
        data={
            "csrf_token": csrf_token_from(login),
            "email": "swimmer.fan@example.org",
            "password": PASSWORD + "-typo",
        },
    )
    assert failed.status_code == 200
    token = api.post(
        "/api/v1/tokens",
        json={"email": "second.fan@example.org", "password": PASSWORD, "name": "cli"},
    ).get_json()["token"]
    bearer = {"Authorization": f"Bearer {token}"}
    posted = api.post("/api/v1/alerts", json=alert_body(summary=SUMMARY), headers=bearer)
    assert posted.status_code == 201
    refused = api.post(
        "/api/v1/alerts",
        json=alert_body(summary=SUMMARY + " Mail her at swimmer@example.org"),
        headers=bearer,
    )
    assert refused.status_code == 422
    assert api.get("/api/v1/me", headers=bearer).status_code == 200

    logged = everything_logged(caplog)
    assert "INSERT INTO alert" in logged  # the SQL log was on
    with app.app_context():
        hashes = list(db.session.scalars(sa.text("SELECT password_hash FROM member")))
    secrets = [PASSWORD, token, token.removeprefix("upn_"), SUMMARY, "thread 4471", *hashes]
    assert [secret for secret in secrets if secret in logged] == []


def test_log_records_are_redacted_whichever_logger_writes_them(
    app: Flask, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.DEBUG)
    logging.getLogger("werkzeug").info(
        '%s - - "%s" %s', "127.0.0.1", "GET /feed/?token=upn_AbC123-xyz_0 HTTP/1.1", 200
    )
    # Gunicorn formats its access log from a dict of atoms.
    logging.getLogger("gunicorn.access").info(
        '%(h)s "%(r)s" %(a)s',
        {"h": "10.0.0.1", "r": "GET /api/v1/me HTTP/1.1", "a": "curl Bearer upn_Zz9-secret"},
    )
    logging.getLogger("network.mail").warning("SMTP login failed: SMTP_PASSWORD=hunter2hunter2")
    try:
        raise RuntimeError('payload {"email": "x@example.org", "password": "hunter2hunter2"}')
    except RuntimeError:
        logging.getLogger("celery.worker").exception("task failed")

    logged = everything_logged(caplog)
    for secret in ("upn_AbC123-xyz_0", "AbC123", "Zz9-secret", "hunter2hunter2"):
        assert secret not in logged
    assert "upn_[redacted]" in logged and "SMTP_PASSWORD=[redacted]" in logged
    assert "RuntimeError" in logged  # the traceback itself is kept


def test_database_errors_in_the_log_carry_no_summary(
    app: Flask, create_member: Callable[..., Any], caplog: pytest.LogCaptureFixture
) -> None:
    member = create_member()
    summary = "A summary that must stay out of the logs, thread 9913."
    with app.app_context():
        try:
            with db.session.begin_nested():
                db.session.execute(
                    sa.insert(Alert).values(
                        url="https://x.com/a/status/1",
                        canonical_url="https://x.com/a/status/1",
                        canonical_hash="0" * 64,
                        platform="x",
                        category="hate",
                        severity=9,  # out of range: the CHECK constraint refuses the row
                        summary=summary,
                        language="nl",
                        target_requested_help=False,
                        wanted_actions=[],
                        responder_goal=3,
                        status="open",
                        reporter_id=member.id,
                        reporter_count=1,
                        created_at=utcnow(),
                        last_activity_at=utcnow(),
                    )
                )
        except sa.exc.IntegrityError:
            logging.getLogger("network").exception("could not store the alert")
        else:
            pytest.fail("the CHECK constraint did not refuse the row")
    logged = everything_logged(caplog)
    assert "ck_alert_severity_range" in logged or "CHECK constraint failed" in logged
    assert "thread 9913" not in logged


@pytest.mark.parametrize(
    ("line", "kept"),
    [
        ("password=hunter2 and more", "password=[redacted] and more"),
        ('{"new_password": "hunter2"}', '{"new_password": "[redacted]"}'),
        ("Authorization: Bearer abc.def", "Authorization: Bearer [redacted]"),
        ("/feed?token=upn_x-Y_z&since=4", "/feed?token=upn_[redacted]&since=4"),
        ("DETAIL:  Key (email)=(a@b.org) already exists.", "DETAIL: [redacted]"),
        ("GET /alerts/12 HTTP/1.1 200", "GET /alerts/12 HTTP/1.1 200"),
    ],
)
def test_redaction_patterns(line: str, kept: str) -> None:
    assert redact(line) == kept
