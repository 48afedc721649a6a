"""Summaries and private notes are deleted SUMMARY_RETENTION_DAYS after an alert closes."""

from __future__ import annotations

from collections.abc import Callable
from datetime import timedelta
from typing import Any

import pytest
import sqlalchemy as sa
from flask import Flask

from network.alerts.models import AbuseFlag, Alert, AlertStatus
from network.config import load
from network.coordination.models import Action
from network.db import utcnow
from network.extensions import db
from network.moderation.models import AuditEntry
from network.privacy import services
from network.tasks import beat_schedule
from network.tasks.privacy import delete_closed_alert_texts
from tests.alerts.conftest import alert_body
from tests.world import change_settings

Api = Callable[..., Any]
DAY = timedelta(days=1)


@pytest.fixture
def alert_with_note(
    app: Flask, api_as: Api, create_member: Callable[..., Any]
) -> Callable[..., int]:
    """Create an alert with a done action carrying a private note and a flag with a note."""

    def make(status: AlertStatus, closed_days_ago: float = 0) -> int:
        reporter, volunteer, flagger = (create_member(trust_level=1) for _ in range(3))
        alert = api_as(reporter, "POST", "/api/v1/alerts", json=alert_body()).get_json()
        action = api_as(
            volunteer,
            "POST",
            f"/api/v1/alerts/{alert['id']}/actions",
            json={"type": "report_platform"},
        ).get_json()
        done = api_as(
            volunteer,
            "PATCH",
            f"/api/v1/actions/{action['id']}",
            json={"status": "done", "note": "Reported it as hate speech."},
        )
        assert done.status_code == 200
        flagged = api_as(
            flagger,
            "POST",
            f"/api/v1/alerts/{alert['id']}/flags",
            json={"reason": "misleading", "note": "The screenshot looks edited."},
        )
        assert flagged.status_code == 201
        closed_at = utcnow() - closed_days_ago * DAY
        changes: dict[str, Any] = {"status": status}
        if status == AlertStatus.RESOLVED:
            changes["resolved_at"] = closed_at
        elif status == AlertStatus.REJECTED:
            changes["reviewed_at"] = closed_at
        elif status == AlertStatus.EXPIRED:
            # Alerts expire ALERT_EXPIRY_DAYS after their last activity.
            changes["last_activity_at"] = closed_at - app.config["ALERT_EXPIRY_DAYS"] * DAY
        with app.app_context():
            db.session.execute(sa.update(Alert).where(Alert.id == alert["id"]).values(**changes))
            db.session.commit()
        return int(alert["id"])

    return make


def texts_of(app: Flask, alert_id: int) -> tuple[str, list[str | None], list[str]]:
    with app.app_context():
        alert = db.session.get(Alert, alert_id)
        assert alert is not None
        notes = list(db.session.scalars(sa.select(Action.note).where(Action.alert_id == alert_id)))
        flags = list(
            db.session.scalars(sa.select(AbuseFlag.note).where(AbuseFlag.alert_id == alert_id))
        )
        return alert.summary, notes, flags


@pytest.fixture
def retention_days(app: Flask) -> int:
    return int(app.config["SUMMARY_RETENTION_DAYS"])


def test_summaries_are_kept_90_days_unless_configured_otherwise() -> None:
    env = {"SECRET_KEY": "a-secret-key-long-enough-for-the-test"}
    assert load(env=env)["SUMMARY_RETENTION_DAYS"] == 90
    assert load(env=env | {"SUMMARY_RETENTION_DAYS": "30"})["SUMMARY_RETENTION_DAYS"] == 30


@pytest.mark.parametrize(
    "status", [AlertStatus.RESOLVED, AlertStatus.REJECTED, AlertStatus.EXPIRED]
)
def test_texts_of_alerts_closed_long_enough_ago_are_deleted(
    app: Flask, alert_with_note: Callable[..., int], retention_days: int, status: AlertStatus
) -> None:
    old = alert_with_note(status, closed_days_ago=retention_days + 1)
    recent = alert_with_note(status, closed_days_ago=retention_days - 1)

    with app.app_context():
        result = services.delete_closed_alert_texts()
    assert (result.summaries, result.notes, result.flag_notes) == (1, 1, 1)

    assert texts_of(app, old) == ("", [None], [""])
    summary, notes, flags = texts_of(app, recent)
    assert summary and notes == ["Reported it as hate speech."]
    assert flags == ["The screenshot looks edited."]


def test_open_alerts_keep_their_texts_however_old(
    app: Flask, alert_with_note: Callable[..., int]
) -> None:
    alert_id = alert_with_note(AlertStatus.OPEN)
    with app.app_context():
        db.session.execute(
            sa.update(Alert)
            .where(Alert.id == alert_id)
            .values(created_at=utcnow() - 400 * DAY, last_activity_at=utcnow() - 400 * DAY)
        )
        db.session.commit()
        services.delete_closed_alert_texts()
    summary, notes, _flags = texts_of(app, alert_id)
    assert summary and notes == ["Reported it as hate speech."]


def test_the_retention_period_is_configurable(
    app: Flask, alert_with_note: Callable[..., int], monkeypatch: pytest.MonkeyPatch
) -> None:
    alert_id = alert_with_note(AlertStatus.RESOLVED, closed_days_ago=8)
    change_settings(monkeypatch, app, summary_retention_days=7)
    with app.app_context():
        services.delete_closed_alert_texts()
    assert texts_of(app, alert_id)[0] == ""


def test_every_run_writes_one_audit_entry_and_a_second_run_finds_nothing(
    app: Flask, alert_with_note: Callable[..., int], retention_days: int
) -> None:
    alert_with_note(AlertStatus.RESOLVED, closed_days_ago=retention_days + 5)
    first = delete_closed_alert_texts.apply().get()
    second = delete_closed_alert_texts.apply().get()
    assert first == {"summaries": 1, "notes": 1, "flag_notes": 1}
    assert second == {"summaries": 0, "notes": 0, "flag_notes": 0}
    with app.app_context():
        runs = db.session.scalars(
            sa.select(AuditEntry)
            .where(AuditEntry.action == "privacy.retention")
            .order_by(AuditEntry.id)
        ).all()
    assert [run.details for run in runs] == [
        {"days": retention_days, "summaries": 1, "notes": 1, "flag_notes": 1},
        {"days": retention_days, "summaries": 0, "notes": 0, "flag_notes": 0},
    ]
    assert {run.actor_id for run in runs} == {None}


def test_beat_runs_the_retention_job_daily() -> None:
    entry = beat_schedule()["delete-closed-alert-texts"]
    assert entry["task"] == "network.privacy.delete_closed_alert_texts"
    assert entry["schedule"].hour == {3}


def test_feed_events_past_their_retention_are_deleted_with_the_summaries_they_carry(
    app: Flask, api_as: Any, create_member: Any
) -> None:
    from network.realtime.models import FeedEvent

    reporter = create_member(trust_level=1)
    api_as(
        reporter,
        "POST",
        "/api/v1/alerts",
        json=alert_body(summary="Old summary that must not outlive retention."),
    )
    with app.app_context():
        assert db.session.scalar(sa.select(sa.func.count()).select_from(FeedEvent))
        services.delete_closed_alert_texts(now=utcnow() + timedelta(days=2))
        assert db.session.scalar(sa.select(sa.func.count()).select_from(FeedEvent)), "recent kept"
        services.delete_closed_alert_texts(now=utcnow() + timedelta(days=8))
        assert db.session.scalar(sa.select(sa.func.count()).select_from(FeedEvent)) == 0
