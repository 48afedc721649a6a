"""Impact figures kept ready: a Celery job computes the usual periods, the page reads them.

On a large network the eight aggregates of one period scan every action of the cohort (seconds
at a million actions), so the periods organisers open most — the last 7, 30 and 90 days, no
filter, in each organiser's time zone — are computed every 15 minutes by `refresh()` and kept
as snapshots. Any other period or filter is computed when asked. A snapshot older than
IMPACT_SNAPSHOT_MAX_AGE_MINUTES is never shown.
"""

from __future__ import annotations

import logging
from dataclasses import asdict
from datetime import datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

import sqlalchemy as sa

from network.accounts.models import Member, MemberStatus, Role
from network.db import utcnow
from network.extensions import db
from network.impact import queries
from network.impact.models import ImpactSnapshot
from network.impact.periods import PERIODS, read_filters
from network.impact.queries import CampaignFigure, Figures, Filters, OutcomeGroup
from network.settings import settings

log = logging.getLogger(__name__)

GROUPS = ("by_action", "by_visibility", "by_category", "by_tone")


def key_of(filters: Filters) -> str:
    """Write a period and its filters out as the snapshot's key."""
    parts = [
        filters.start.isoformat(),
        filters.end.isoformat(),
        str(filters.team_id or ""),
        str(filters.campaign_id or ""),
        filters.platform.value if filters.platform else "",
        filters.category.value if filters.category else "",
    ]
    return "|".join(parts)


def dump(figures: Figures) -> dict[str, Any]:
    """Figures as JSON-able data (the filters are the key, not part of it)."""
    data = asdict(figures)
    data.pop("filters")
    data.pop("as_of")
    return data


def load(filters: Filters, data: dict[str, Any], as_of: datetime) -> Figures:
    """Rebuild the figures a snapshot holds."""
    fields = dict(data)
    for name in GROUPS:
        fields[name] = [OutcomeGroup(**group) for group in fields.get(name, [])]
    fields["campaigns"] = [CampaignFigure(**c) for c in fields.get("campaigns", [])]
    return Figures(filters=filters, as_of=as_of, **fields)


def figures_for(filters: Filters, *, now: datetime | None = None) -> Figures:
    """Return the figures of a period: a fresh snapshot when there is one, else computed now."""
    now = now or utcnow()
    oldest = now - timedelta(minutes=settings().impact_snapshot_max_age_minutes)
    row = db.session.execute(
        sa.select(ImpactSnapshot.figures, ImpactSnapshot.computed_at).where(
            ImpactSnapshot.key == key_of(filters), ImpactSnapshot.computed_at >= oldest
        )
    ).first()
    if row is not None:
        try:
            return load(filters, row.figures, row.computed_at)
        except (TypeError, KeyError):  # a snapshot written by an older release: recompute
            log.warning("impact snapshot %s no longer fits the figures", key_of(filters))
    return queries.impact(filters)


def usual_periods(now: datetime) -> list[Filters]:
    """The periods the job keeps ready: 7, 30 and 90 days in each organiser's time zone."""
    zones = db.session.scalars(
        sa.select(Member.time_zone)
        .where(Member.role.in_([Role.ORGANISER, Role.ADMIN]), Member.status == MemberStatus.ACTIVE)
        .distinct()
        .order_by(Member.time_zone)
        .limit(20)
    )
    periods = []
    for zone in zones:
        for days in PERIODS:
            filters, _days = read_filters(
                days=days,
                start=None,
                end=None,
                team=None,
                campaign=None,
                platform=None,
                category=None,
                zone=ZoneInfo(zone),
                now=now,
            )
            periods.append(filters)
    return periods


def refresh(now: datetime | None = None) -> int:
    """Compute and keep the usual periods' figures; drop old snapshots; return how many kept."""
    now = now or utcnow()
    kept = 0
    for filters in usual_periods(now):
        figures = queries.impact(filters)
        key = key_of(filters)
        # Delete and insert in one transaction; a second scheduler doing the same at the same
        # moment loses on the unique key and simply leaves the other's equal figures.
        db.session.execute(sa.delete(ImpactSnapshot).where(ImpactSnapshot.key == key))
        db.session.add(ImpactSnapshot(key=key, figures=dump(figures), computed_at=figures.as_of))
        try:
            db.session.commit()
            kept += 1
        except sa.exc.IntegrityError:
            db.session.rollback()
    db.session.execute(
        sa.delete(ImpactSnapshot).where(ImpactSnapshot.computed_at < now - timedelta(days=1))
    )
    db.session.commit()
    return kept
