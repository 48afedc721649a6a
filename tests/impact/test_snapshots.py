"""Kept impact figures: the job's snapshot equals the live figures and is served while fresh."""

from __future__ import annotations

from collections.abc import Callable
from datetime import timedelta
from typing import Any
from zoneinfo import ZoneInfo

import pytest
import sqlalchemy as sa
from flask import Flask
from flask.testing import FlaskClient

from network.db import utcnow
from network.extensions import db
from network.impact import snapshots
from network.impact.models import ImpactSnapshot
from network.tasks import beat_schedule
from tests.world import change_settings


def kept(app: Flask) -> list[ImpactSnapshot]:
    with app.app_context():
        return list(db.session.scalars(sa.select(ImpactSnapshot).order_by(ImpactSnapshot.key)))


def statements_of(app: Flask, call: Callable[[], Any]) -> list[str]:
    seen: list[str] = []

    def record(_conn: Any, _cursor: Any, statement: str, *_args: Any) -> None:
        seen.append(statement)

    engine = db.engine_for(app)
    sa.event.listen(engine, "before_cursor_execute", record)
    try:
        call()
    finally:
        sa.event.remove(engine, "before_cursor_execute", record)
    return seen


def test_the_job_keeps_each_organiser_zone_and_usual_period(
    app: Flask, seed_history: Callable[..., Any], create_member: Callable[..., Any]
) -> None:
    seed_history(2)
    create_member(role="organiser")
    create_member(role="organiser")  # the same zone: kept once
    with app.app_context():
        from network.accounts.models import Member

        other = db.session.get(Member, create_member(role="organiser").id)
        assert other is not None
        other.time_zone = "America/New_York"
        db.session.commit()
        assert snapshots.refresh() == 6
        assert snapshots.refresh() == 6, "a second run replaces, it does not add"
    keys = [row.key for row in kept(app)]
    assert len(keys) == len(set(keys)) == 6
    assert "schedule" in beat_schedule()["impact-snapshots"]


@pytest.mark.parametrize("days", [7, 30, 90])
def test_a_kept_snapshot_gives_exactly_the_live_figures(
    app: Flask,
    seed_history: Callable[..., Any],
    create_member: Callable[..., Any],
    api_as: Callable[..., Any],
    days: int,
) -> None:
    seed_history(3)
    organiser = create_member(role="organiser")
    live = api_as(organiser, "GET", f"/api/v1/impact?days={days}").get_json()
    with app.app_context():
        snapshots.refresh()
    served = api_as(organiser, "GET", f"/api/v1/impact?days={days}").get_json()
    served.pop("as_of"), live.pop("as_of")  # when they were computed differs, nothing else
    assert served == live


def test_the_page_reads_a_fresh_snapshot_and_recomputes_a_stale_one(
    app: Flask,
    client: FlaskClient,
    monkeypatch: pytest.MonkeyPatch,
    seed_history: Callable[..., Any],
    create_member: Callable[..., Any],
    log_in: Callable[..., Any],
    api_as: Callable[..., Any],
) -> None:
    organiser = create_member(role="organiser")
    log_in(organiser)
    seed_history(1)
    with app.app_context():
        snapshots.refresh()
    seed_history(2, team_name="Later")  # more alerts after the snapshot was taken
    before = api_as(organiser, "GET", "/api/v1/impact?days=30").get_json()
    assert before["alerts"]["posted"] == 10, "the snapshot from before the new alerts"

    cohort_queries = statements_of(
        app, lambda: client.get("/impact/?days=30").get_data(as_text=True)
    )
    assert not [s for s in cohort_queries if "FROM action" in s or "FROM check_in" in s]
    assert "Figures as of" in client.get("/impact/?days=30").get_data(as_text=True)

    with app.app_context():  # the snapshot ages past the limit
        db.session.execute(
            sa.update(ImpactSnapshot).values(computed_at=utcnow() - timedelta(minutes=21))
        )
        db.session.commit()
    change_settings(monkeypatch, app, impact_snapshot_max_age_minutes=20)
    after = api_as(organiser, "GET", "/api/v1/impact?days=30").get_json()
    assert after["alerts"]["posted"] == 30


def test_filtered_and_custom_periods_are_computed_when_asked(
    app: Flask,
    seed_history: Callable[..., Any],
    create_member: Callable[..., Any],
    api_as: Callable[..., Any],
) -> None:
    organiser = create_member(role="organiser")
    seed_history(1, team_name="Only")
    with app.app_context():
        snapshots.refresh()
    seed_history(1, team_name="Newer")
    today = utcnow().astimezone(ZoneInfo("Europe/Amsterdam")).date()
    first = (today - timedelta(days=28)).isoformat()  # 29 days: not a kept period

    kept_copy = api_as(organiser, "GET", "/api/v1/impact?days=30").get_json()
    same_days = api_as(
        organiser, "GET", f"/api/v1/impact?start={first}&end={today.isoformat()}"
    ).get_json()
    filtered = api_as(organiser, "GET", "/api/v1/impact?days=30&platform=tiktok").get_json()

    assert kept_copy["alerts"]["posted"] == 10
    assert same_days["end"] == kept_copy["end"]
    assert same_days["alerts"]["posted"] == 20, "a period given by dates is computed now"
    with app.app_context():
        tiktok = db.session.execute(
            sa.text("SELECT count(*) FROM alert WHERE platform = 'tiktok'")
        ).scalar()
    assert filtered["alerts"]["posted"] == (None if 0 < tiktok < 5 else tiktok)


def test_a_snapshot_that_no_longer_fits_is_recomputed(
    app: Flask,
    seed_history: Callable[..., Any],
    create_member: Callable[..., Any],
    api_as: Callable[..., Any],
) -> None:
    organiser = create_member(role="organiser")
    seed_history(1)
    with app.app_context():
        snapshots.refresh()
        for row in db.session.scalars(sa.select(ImpactSnapshot)):
            row.figures = {"a_field_from_an_older_release": 1}
        db.session.commit()
    got = api_as(organiser, "GET", "/api/v1/impact?days=30").get_json()
    assert got["alerts"]["posted"] == 10
