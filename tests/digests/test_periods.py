"""Digest periods: daily at 08:00 and weekly on Monday at 08:00, in the member's own time zone."""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, date, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from flask import Flask

from network.db import utcnow
from network.digests import services
from network.digests.models import Digest, DigestStatus
from network.digests.periods import Period, from_key, latest_due, period_ending
from network.extensions import db
from tests.world import change_settings

MONDAY = 0


def due(frequency: str, time_zone: str, now: datetime) -> Period:
    return latest_due(frequency, time_zone, now, send_hour=8, weekday=MONDAY)


def utc(*parts: int) -> datetime:
    return datetime(*parts, tzinfo=UTC)


def local(time_zone: str, *parts: int) -> datetime:
    return datetime(*parts, tzinfo=ZoneInfo(time_zone))


@pytest.mark.parametrize(
    ("time_zone", "send_time_utc", "local_date"),
    [
        # Winter: Amsterdam is UTC+1, New York UTC-5, Tokyo UTC+9 (a day ahead of UTC here).
        ("Europe/Amsterdam", utc(2026, 11, 27, 7, 0), date(2026, 11, 27)),
        ("America/New_York", utc(2026, 11, 27, 13, 0), date(2026, 11, 27)),
        ("Asia/Tokyo", utc(2026, 11, 26, 23, 0), date(2026, 11, 27)),
        # Summer: Amsterdam UTC+2, New York UTC-4.
        ("Europe/Amsterdam", utc(2026, 7, 1, 6, 0), date(2026, 7, 1)),
        ("America/New_York", utc(2026, 7, 1, 12, 0), date(2026, 7, 1)),
    ],
)
def test_daily_digest_is_due_at_eight_in_the_morning_local_time(
    time_zone: str, send_time_utc: datetime, local_date: date
) -> None:
    just_before = due("daily", time_zone, send_time_utc - timedelta(seconds=1))
    at_send_time = due("daily", time_zone, send_time_utc)

    assert at_send_time.key == f"daily:{local_date.isoformat()}"
    assert at_send_time.end == send_time_utc
    assert at_send_time.start == send_time_utc - timedelta(days=1)
    assert just_before.key == f"daily:{(local_date - timedelta(days=1)).isoformat()}"
    assert just_before.end == at_send_time.start


@pytest.mark.parametrize(
    ("time_zone", "monday_eight_utc"),
    [
        ("Europe/Amsterdam", utc(2026, 11, 23, 7, 0)),
        ("America/New_York", utc(2026, 11, 23, 13, 0)),
        ("Asia/Tokyo", utc(2026, 11, 22, 23, 0)),  # Monday 08:00 in Tokyo is Sunday in UTC
    ],
)
def test_weekly_digest_is_due_on_monday_at_eight_local_time(
    time_zone: str, monday_eight_utc: datetime
) -> None:
    week = due("weekly", time_zone, monday_eight_utc)
    assert week.key == "weekly:2026-11-23"
    assert (week.start, week.end) == (monday_eight_utc - timedelta(days=7), monday_eight_utc)
    # Every moment of the following week still points at that Monday.
    for hours in (1, 30, 100, 167):
        assert due("weekly", time_zone, monday_eight_utc + timedelta(hours=hours)) == week
    assert due("weekly", time_zone, monday_eight_utc - timedelta(seconds=1)).key == (
        "weekly:2026-11-16"
    )


@pytest.mark.parametrize(
    ("time_zone", "monday", "hours"),
    [
        ("Europe/Amsterdam", date(2026, 3, 30), 167),  # clocks went forward on 29 March
        ("Europe/Amsterdam", date(2026, 10, 26), 169),  # clocks went back on 25 October
        ("America/New_York", date(2026, 3, 9), 167),  # forward on 8 March
        ("America/New_York", date(2026, 11, 2), 169),  # back on 1 November
        ("Asia/Tokyo", date(2026, 3, 30), 168),  # no daylight saving time
    ],
)
def test_a_week_with_a_clock_change_still_runs_from_monday_eight_to_monday_eight(
    time_zone: str, monday: date, hours: int
) -> None:
    week = period_ending("weekly", time_zone, monday, 8)
    zone = ZoneInfo(time_zone)
    assert week.end.astimezone(zone) == local(time_zone, monday.year, monday.month, monday.day, 8)
    begin = monday - timedelta(days=7)
    assert week.start.astimezone(zone) == local(time_zone, begin.year, begin.month, begin.day, 8)
    assert week.end - week.start == timedelta(hours=hours)
    assert due("weekly", time_zone, week.end) == week


@pytest.mark.parametrize("time_zone", ["Europe/Amsterdam", "America/New_York", "Asia/Tokyo"])
@pytest.mark.parametrize("frequency", ["daily", "weekly"])
def test_periods_follow_each_other_without_gap_or_overlap_all_year(
    time_zone: str, frequency: str
) -> None:
    period = due(frequency, time_zone, utc(2027, 1, 10, 12))
    for _ in range(60 if frequency == "weekly" else 400):
        earlier = period.previous(8)
        assert earlier.end == period.start
        assert from_key(period.key, time_zone, 8) == period
        period = earlier


def test_a_dispatcher_that_was_down_across_the_send_time_still_finds_that_period() -> None:
    # Down from Monday 07:45 until Wednesday afternoon (Amsterdam): the week that ended on
    # Monday 08:00 is the one due, whenever the dispatcher comes back that week.
    monday_eight = utc(2026, 11, 23, 7, 0)
    before_outage = due("weekly", "Europe/Amsterdam", monday_eight - timedelta(minutes=15))
    for back in (timedelta(minutes=1), timedelta(hours=7), timedelta(days=2, hours=7)):
        assert due("weekly", "Europe/Amsterdam", monday_eight + back).key == "weekly:2026-11-23"
    assert before_outage.key == "weekly:2026-11-16"
    # A daily dispatcher down for two days catches up with the latest day, not older ones.
    assert due("daily", "Europe/Amsterdam", utc(2026, 11, 27, 15)).key == "daily:2026-11-27"


def add_digest(app: Flask, member_id: int, period: Period, **values: object) -> None:
    with app.app_context():
        row = Digest(
            member_id=member_id,
            period_key=period.key,
            period_start=period.start,
            period_end=period.end,
            status=values.pop("status", DigestStatus.SENT),
            claimed_by=str(values.pop("claimed_by", "earlier-job")),
            claimed_at=values.pop("claimed_at", utcnow()),
            numbers={},
        )
        db.session.add(row)
        db.session.commit()


def due_now(app: Flask) -> tuple[list[services.Batch], datetime, datetime]:
    with app.app_context():
        before = utcnow()
        batches = services.due_batches()
        return batches, before, utcnow()


def test_dispatcher_finds_each_member_due_for_their_latest_period_once(
    app: Flask, add_members: Callable[..., list[int]], monkeypatch: pytest.MonkeyPatch
) -> None:
    change_settings(monkeypatch, app, digest_batch_size=2)
    now = utcnow()
    amsterdam = due("daily", "Europe/Amsterdam", now)
    amsterdam_daily = add_members(3, frequency="daily")
    new_york_weekly = add_members(1, frequency="weekly", time_zone="America/New_York")
    tokyo_daily = add_members(1, frequency="daily", time_zone="Asia/Tokyo")
    # Joined after the period ended: their first digest comes with the next period.
    newcomer = add_members(1, frequency="daily", created_at=amsterdam.end + timedelta(seconds=1))
    off = add_members(1, frequency="off")
    suspended = add_members(1, frequency="daily", status="suspended")
    already = add_members(1, frequency="daily")
    add_digest(app, already[0], amsterdam)
    # The dispatcher was down across the last send time: a digest for the period before only.
    behind = add_members(1, frequency="daily")
    add_digest(app, behind[0], amsterdam.previous(8))
    # A job claimed one and still works on it; another job died long ago (lease ran out).
    busy = add_members(1, frequency="daily")
    add_digest(app, busy[0], amsterdam, status=DigestStatus.CLAIMED)
    abandoned = add_members(1, frequency="daily")
    add_digest(
        app,
        abandoned[0],
        amsterdam,
        status=DigestStatus.CLAIMED,
        claimed_at=now - timedelta(hours=1),
    )
    unknown_zone = add_members(1, frequency="daily", time_zone="Mars/Olympus_Mons")

    batches, before, after = due_now(app)

    found = {member_id: batch for batch in batches for member_id in batch.member_ids}
    assert sorted(found) == sorted(
        amsterdam_daily + new_york_weekly + tokyo_daily + behind + abandoned
    )
    assert all(len(batch.member_ids) <= 2 for batch in batches)
    assert not set(newcomer + off + suspended + already + busy + unknown_zone) & set(found)
    for member_ids, frequency, time_zone in [
        (amsterdam_daily + behind + abandoned, "daily", "Europe/Amsterdam"),
        (new_york_weekly, "weekly", "America/New_York"),
        (tokyo_daily, "daily", "Asia/Tokyo"),
    ]:
        keys = {due(frequency, time_zone, moment).key for moment in (before, after)}
        for member_id in member_ids:
            batch = found[member_id]
            assert (batch.frequency, batch.time_zone) == (frequency, time_zone)
            assert batch.period_key in keys
