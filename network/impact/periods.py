"""Reading the period and filters of the impact page and API, the same way for both."""

from __future__ import annotations

from datetime import date, datetime, time, timedelta
from typing import TypeVar
from zoneinfo import ZoneInfo

from network.alerts.models import Category
from network.errors import ValidationFailed
from network.impact.queries import Filters
from network.translation import gettext as _
from network.vocabulary import Platform

E = TypeVar("E", Platform, Category)

PERIODS = (7, 30, 90)
LONGEST_DAYS = 366
EARLIEST = date(2020, 1, 1)


def _invalid(field: str, message: str) -> ValidationFailed:
    return ValidationFailed(_("Some fields are not valid."), fields={field: message})


def _date(field: str, raw: str | date | None) -> date | None:
    if raw is None or raw == "":
        return None
    if isinstance(raw, date):
        return raw
    try:
        return date.fromisoformat(raw.strip())
    except ValueError:
        raise _invalid(field, _("Use a date like 2026-03-31.")) from None


def _choice(field: str, kind: type[E], raw: str | None) -> E | None:
    if not raw:
        return None
    try:
        return kind(raw)
    except ValueError:
        raise _invalid(field, _("Choose one of the options.")) from None


def read_filters(
    *,
    days: int | None,
    start: str | date | None,
    end: str | date | None,
    team: int | None,
    campaign: int | None,
    platform: str | None,
    category: str | None,
    zone: ZoneInfo,
    now: datetime,
) -> tuple[Filters, int | None]:
    """Return the filters and the chosen number of days (None for dates); refuse what is off."""
    today = now.astimezone(zone).date()
    first, last = _date("start", start), _date("end", end)
    if first is None and last is None:
        days = days or 30
        if days not in PERIODS:
            raise _invalid("days", _("Choose 7, 30 or 90 days."))
        first, last = today - timedelta(days=days - 1), today
    else:
        days = None
        last = last or today
        first = first or last - timedelta(days=29)
        if first > last:
            raise _invalid("start", _("The first day must come before the last."))
        if first < EARLIEST or last > today:
            raise _invalid("end", _("Choose days between 2020-01-01 and today."))
        if (last - first).days + 1 > LONGEST_DAYS:
            raise _invalid("end", _("Choose at most 366 days."))
    filters = Filters(
        start=datetime.combine(first, time.min, zone),
        end=datetime.combine(last + timedelta(days=1), time.min, zone),
        team_id=team,
        campaign_id=campaign,
        platform=_choice("platform", Platform, platform),
        category=_choice("category", Category, category),
    )
    return filters, days
