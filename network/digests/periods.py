"""Digest periods in the member's own time: daily at 08:00, weekly on Monday at 08:00."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from zoneinfo import ZoneInfo


@dataclass(frozen=True)
class Period:
    """The stretch of time a digest reports on; it ends at the local send time."""

    frequency: str
    time_zone: str
    end_date: date  # the local date of the send time
    start: datetime  # UTC
    end: datetime  # UTC

    @property
    def key(self) -> str:
        return f"{self.frequency}:{self.end_date.isoformat()}"

    def previous(self, send_hour: int) -> Period:
        """Return the period just before this one (for the trend in the norm message)."""
        step = 1 if self.frequency == "daily" else 7
        return period_ending(
            self.frequency, self.time_zone, self.end_date - timedelta(days=step), send_hour
        )


def period_ending(frequency: str, time_zone: str, end_date: date, send_hour: int) -> Period:
    """Return the period that ends at the send time on a local date."""
    zone = ZoneInfo(time_zone)
    end_local = datetime(end_date.year, end_date.month, end_date.day, send_hour, tzinfo=zone)
    days = 1 if frequency == "daily" else 7
    start_date = end_date - timedelta(days=days)
    start_local = datetime(
        start_date.year, start_date.month, start_date.day, send_hour, tzinfo=zone
    )
    return Period(
        frequency, time_zone, end_date, start_local.astimezone(UTC), end_local.astimezone(UTC)
    )


def latest_due(
    frequency: str, time_zone: str, now: datetime, *, send_hour: int, weekday: int
) -> Period:
    """Return the most recent period whose send time has come (catching up after downtime)."""
    local = now.astimezone(ZoneInfo(time_zone))
    end_date = local.date()
    if (local.hour, local.minute) < (send_hour, 0):
        end_date -= timedelta(days=1)
    if frequency == "weekly":
        end_date -= timedelta(days=(end_date.weekday() - weekday) % 7)
    return period_ending(frequency, time_zone, end_date, send_hour)


def from_key(key: str, time_zone: str, send_hour: int) -> Period:
    """Rebuild a period from its key and the member's time zone."""
    frequency, _sep, day = key.partition(":")
    return period_ending(frequency, time_zone, date.fromisoformat(day), send_hour)
