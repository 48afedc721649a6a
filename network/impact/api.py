"""API resource: the impact figures for organisers."""

from __future__ import annotations

from zoneinfo import ZoneInfo

from network.accounts.models import Member
from network.accounts.policy import require_organiser
from network.api import operation
from network.db import utcnow
from network.impact import snapshots
from network.impact.periods import read_filters
from network.impact.schemas import ImpactOut, ImpactQuery


@operation("/impact", "GET", tag="impact", query=ImpactQuery, response=ImpactOut, errors=(403,))
def get_impact(actor: Member, query: ImpactQuery) -> ImpactOut:
    """The impact figures of a period, with the page's filters (organisers)."""
    require_organiser(actor)
    filters, _days = read_filters(
        days=query.days,
        start=query.start,
        end=query.end,
        team=query.team,
        campaign=query.campaign,
        platform=query.platform.value if query.platform else None,
        category=query.category.value if query.category else None,
        zone=ZoneInfo(actor.time_zone),
        now=utcnow(),
    )
    return ImpactOut.of(snapshots.figures_for(filters))
