"""Request and response schemas of the impact figures."""

from __future__ import annotations

from datetime import date

from pydantic import BaseModel, Field

from network.accounts.schemas import Strict
from network.alerts.models import Category
from network.db import utcnow
from network.ids import Id
from network.impact.queries import SUPPRESS_BELOW, Figures, OutcomeGroup, Rate, suppressed
from network.vocabulary import Platform


class ImpactQuery(Strict):
    """The period (last 7, 30 or 90 days, or from start to end) and the filters."""

    days: int | None = Field(default=None, description="7, 30 or 90 (default 30).")
    start: date | None = Field(default=None, description="First day, in your time zone.")
    end: date | None = Field(default=None, description="Last day (inclusive), at most today.")
    team: Id | None = None
    campaign: Id | None = None
    platform: Platform | None = None
    category: Category | None = None


def count(value: int) -> int | None:
    """A count, or null when it counts fewer than 5 (and more than 0) members or alerts."""
    return None if suppressed(value) else value


class RateOut(BaseModel):
    """A share with its 95% Wilson interval; null share and bounds under 5 trials."""

    successes: int | None
    trials: int | None
    share: float | None
    low: float | None
    high: float | None

    @classmethod
    def of(cls, rate: Rate) -> RateOut:
        interval = rate.interval
        return cls(
            successes=None if rate.hidden else rate.successes,
            trials=count(rate.trials),
            share=None if rate.share is None else round(rate.share, 4),
            low=None if interval is None else round(interval[0], 4),
            high=None if interval is None else round(interval[1], 4),
        )


class OutcomeGroupOut(BaseModel):
    """Check-in answers of one group of done actions."""

    key: str
    answered: int | None
    outcomes: dict[str, int | None]
    removal: RateOut
    positive: RateOut
    retaliation: RateOut

    @classmethod
    def of(cls, group: OutcomeGroup) -> OutcomeGroupOut:
        return cls(
            key=group.key,
            answered=count(group.answered),
            outcomes={k: count(v) for k, v in group.outcomes.items()},
            removal=RateOut.of(group.removal),
            positive=RateOut.of(group.positive),
            retaliation=RateOut.of(group.retaliation),
        )


class AlertsOut(BaseModel):
    posted: int | None
    approved: int | None
    rejected: int | None
    expired: int | None
    goal_reached: int | None
    goal_reached_share: RateOut


class FirstClaimOut(BaseModel):
    """Minutes from going live to the first claim; null when fewer than 5 alerts were claimed."""

    alerts: int | None
    median_minutes: float | None
    p90_minutes: float | None


class AsksOut(BaseModel):
    sent: int | None
    answered: int | None
    accepted: int | None


class MembersOut(BaseModel):
    active: int | None
    new: int | None


class CampaignGoalOut(BaseModel):
    id: int
    title: str
    goal: int
    done: int | None


class WhatWorksOut(BaseModel):
    """Outcomes from check-ins: public against private, by action type, category and tone."""

    by_visibility: list[OutcomeGroupOut]
    by_action: list[OutcomeGroupOut]
    by_category: list[OutcomeGroupOut]
    by_tone: list[OutcomeGroupOut]


class ImpactOut(BaseModel):
    """The impact figures of the alerts posted in the period (null: fewer than 5)."""

    start: str
    end: str
    as_of: str = Field(
        description="When the figures were computed (kept ones are refreshed every 15 minutes)."
    )
    suppressed_below: int = SUPPRESS_BELOW
    alerts: AlertsOut
    first_claim: FirstClaimOut
    actions: dict[str, dict[str, int | None]]
    asks: AsksOut
    alert_outcomes: dict[str, dict[str, int | None]]
    retaliation_reports: int | None
    members: MembersOut
    campaigns: list[CampaignGoalOut]
    what_works: WhatWorksOut

    @classmethod
    def of(cls, figures: Figures) -> ImpactOut:
        hidden = figures.timing_hidden and figures.first_claim_count > 0

        def minutes(value: float | None) -> float | None:
            return None if hidden or value is None else round(value, 2)

        return cls(
            start=figures.filters.start.isoformat(),
            end=figures.filters.end.isoformat(),
            as_of=(figures.as_of or utcnow()).isoformat(),
            alerts=AlertsOut(
                posted=count(figures.alerts_posted),
                approved=count(figures.alerts_approved),
                rejected=count(figures.alerts_rejected),
                expired=count(figures.alerts_expired),
                goal_reached=count(figures.goal_reached),
                goal_reached_share=RateOut.of(figures.goal_rate),
            ),
            first_claim=FirstClaimOut(
                alerts=count(figures.first_claim_count),
                median_minutes=minutes(figures.first_claim_median_minutes),
                p90_minutes=minutes(figures.first_claim_p90_minutes),
            ),
            actions={
                kind: {status: count(n) for status, n in counts.items()}
                for kind, counts in figures.actions.items()
            },
            asks=AsksOut(
                sent=count(figures.asks_sent),
                answered=count(figures.asks_answered),
                accepted=count(figures.asks_accepted),
            ),
            alert_outcomes={
                category: {outcome: count(n) for outcome, n in counts.items()}
                for category, counts in figures.alert_outcomes.items()
            },
            retaliation_reports=count(figures.retaliation_reports),
            members=MembersOut(
                active=count(figures.active_members), new=count(figures.new_members)
            ),
            campaigns=[
                CampaignGoalOut(id=c.id, title=c.title, goal=c.goal, done=count(c.done))
                for c in figures.campaigns
            ],
            what_works=WhatWorksOut(
                by_visibility=[OutcomeGroupOut.of(g) for g in figures.by_visibility],
                by_action=[OutcomeGroupOut.of(g) for g in figures.by_action],
                by_category=[OutcomeGroupOut.of(g) for g in figures.by_category],
                by_tone=[OutcomeGroupOut.of(g) for g in figures.by_tone],
            ),
        )
