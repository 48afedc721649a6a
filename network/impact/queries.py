"""The impact figures: what happened to the alerts posted in a period, with set-based SQL.

Every figure is about one cohort: the alerts posted in the period that match the filters (team,
campaign, platform, category), and what happened to them and their actions since. The number of
queries is fixed, whatever the size of the network: each figure is one GROUP BY.
"""

from __future__ import annotations

import math
from collections import defaultdict
from dataclasses import dataclass, field
from datetime import datetime

import sqlalchemy as sa

from network.accounts.models import Member
from network.alerts.models import Alert, AlertStatus, Category
from network.campaigns.models import Campaign
from network.coordination.models import Action, ActionStatus, Ask, AskAnswer
from network.db import utcnow
from network.extensions import db
from network.learning.models import CheckIn, CheckInOutcome
from network.teams.models import Team, TeamMembership
from network.vocabulary import ActionType, Platform

# Cells counting fewer members or alerts than this are not shown: small numbers identify people.
SUPPRESS_BELOW = 5
# Public actions are seen by everyone in the thread; the others reach one person or a platform.
PUBLIC_ACTIONS = (ActionType.COUNTER_SPEECH, ActionType.SUPPORT_TARGET_PUBLIC)
Z_95 = 1.959963984540054


@dataclass(frozen=True)
class Filters:
    """Which alerts count: posted in [start, end) and, optionally, of one team, campaign, etc."""

    start: datetime
    end: datetime
    team_id: int | None = None
    campaign_id: int | None = None
    platform: Platform | None = None
    category: Category | None = None


def suppressed(count: int | None) -> bool:
    """Whether a count is too small to show (zero is shown: it identifies nobody)."""
    return count is not None and 0 < count < SUPPRESS_BELOW


def wilson(successes: int, trials: int, z: float = Z_95) -> tuple[float, float]:
    """The Wilson score interval of a proportion (95% by default)."""
    if trials <= 0:
        return (0.0, 1.0)
    p = successes / trials
    denominator = 1 + z * z / trials
    centre = (p + z * z / (2 * trials)) / denominator
    half = z * math.sqrt(p * (1 - p) / trials + z * z / (4 * trials * trials)) / denominator
    return (max(0.0, centre - half), min(1.0, centre + half))


def percentile(values: list[float], fraction: float) -> float | None:
    """Linear-interpolation percentile, the same as PostgreSQL's percentile_cont."""
    if not values:
        return None
    ordered = sorted(values)
    position = (len(ordered) - 1) * fraction
    low = math.floor(position)
    high = math.ceil(position)
    return ordered[low] + (ordered[high] - ordered[low]) * (position - low)


@dataclass
class Rate:
    """Successes out of trials, with the 95% Wilson interval."""

    successes: int
    trials: int

    @property
    def hidden(self) -> bool:
        return self.trials < SUPPRESS_BELOW

    @property
    def share(self) -> float | None:
        return None if self.hidden or not self.trials else self.successes / self.trials

    @property
    def interval(self) -> tuple[float, float] | None:
        return None if self.hidden else wilson(self.successes, self.trials)


@dataclass
class OutcomeGroup:
    """The check-in answers of one group of done actions (an action type, a category, a tone)."""

    key: str
    answered: int = 0
    outcomes: dict[str, int] = field(default_factory=dict)

    def rate(self, outcome: str) -> Rate:
        return Rate(self.outcomes.get(outcome, 0), self.answered)

    @property
    def removal(self) -> Rate:
        return self.rate(CheckInOutcome.CONTENT_REMOVED.value)

    @property
    def positive(self) -> Rate:
        # Something visibly got better: removed, calmed, the target responded, others joined.
        good = (
            CheckInOutcome.CONTENT_REMOVED,
            CheckInOutcome.AUTHOR_CALMED,
            CheckInOutcome.TARGET_POSITIVE,
            CheckInOutcome.OTHERS_JOINED,
        )
        return Rate(sum(self.outcomes.get(o.value, 0) for o in good), self.answered)

    @property
    def retaliation(self) -> Rate:
        return self.rate(CheckInOutcome.RETALIATION.value)


@dataclass
class CampaignFigure:
    """A campaign that ran during the period, against its goal in done actions."""

    id: int
    title: str
    goal: int
    done: int

    @property
    def share(self) -> float:
        return self.done / self.goal if self.goal else 0.0


@dataclass
class Figures:
    """Everything the impact page and the API show for one period and filter."""

    filters: Filters
    # When these figures were computed (a kept snapshot can be up to 20 minutes old).
    as_of: datetime | None = None
    alerts_posted: int = 0
    alerts_approved: int = 0
    alerts_rejected: int = 0
    alerts_expired: int = 0
    alerts_live: int = 0
    goal_reached: int = 0
    first_claim_count: int = 0
    first_claim_median_minutes: float | None = None
    first_claim_p90_minutes: float | None = None
    actions: dict[str, dict[str, int]] = field(default_factory=dict)
    asks_sent: int = 0
    asks_answered: int = 0
    asks_accepted: int = 0
    alert_outcomes: dict[str, dict[str, int]] = field(default_factory=dict)
    by_action: list[OutcomeGroup] = field(default_factory=list)
    by_visibility: list[OutcomeGroup] = field(default_factory=list)
    by_category: list[OutcomeGroup] = field(default_factory=list)
    by_tone: list[OutcomeGroup] = field(default_factory=list)
    retaliation_reports: int = 0
    active_members: int = 0
    new_members: int = 0
    campaigns: list[CampaignFigure] = field(default_factory=list)

    @property
    def goal_rate(self) -> Rate:
        return Rate(self.goal_reached, self.alerts_live)

    @property
    def timing_hidden(self) -> bool:
        return self.first_claim_count < SUPPRESS_BELOW


def _cohort(filters: Filters) -> list[sa.ColumnElement[bool]]:
    conditions: list[sa.ColumnElement[bool]] = [
        Alert.created_at >= filters.start,
        Alert.created_at < filters.end,
    ]
    if filters.team_id is not None:
        conditions.append(Alert.team_id == filters.team_id)
    if filters.campaign_id is not None:
        conditions.append(Alert.campaign_id == filters.campaign_id)
    if filters.platform is not None:
        conditions.append(Alert.platform == filters.platform)
    if filters.category is not None:
        conditions.append(Alert.category == filters.category)
    return conditions


def _alerts(figures: Figures, cohort: list[sa.ColumnElement[bool]]) -> None:
    done = (
        sa.select(Action.alert_id, sa.func.count().label("done"))
        .where(Action.status == ActionStatus.DONE)
        .group_by(Action.alert_id)
        .subquery()
    )

    def count_if(condition: sa.ColumnElement[bool]) -> sa.ColumnElement[int]:
        return sa.func.coalesce(sa.func.sum(sa.case((condition, 1), else_=0)), 0)

    row = db.session.execute(
        sa.select(
            sa.func.count(Alert.id),
            count_if(Alert.live_at.is_not(None)),
            count_if(Alert.status == AlertStatus.REJECTED),
            count_if(Alert.status == AlertStatus.EXPIRED),
            count_if(
                sa.and_(
                    Alert.live_at.is_not(None),
                    sa.func.coalesce(done.c.done, 0) >= Alert.responder_goal,
                )
            ),
        )
        .select_from(Alert)
        .outerjoin(done, done.c.alert_id == Alert.id)
        .where(*cohort)
    ).one()
    posted, live, rejected, expired, reached = (int(value or 0) for value in row)
    figures.alerts_posted = posted
    figures.alerts_approved = live
    figures.alerts_live = live
    figures.alerts_rejected = rejected
    figures.alerts_expired = expired
    figures.goal_reached = reached


def _first_claims(figures: Figures, cohort: list[sa.ColumnElement[bool]]) -> None:
    claimed = [*cohort, Alert.live_at.is_not(None), Alert.first_claim_at.is_not(None)]
    if db.session.get_bind().dialect.name == "postgresql":
        minutes = sa.extract("epoch", Alert.first_claim_at - Alert.live_at) / 60.0
        row = db.session.execute(
            sa.select(
                sa.func.count(),
                sa.func.percentile_cont(0.5).within_group(minutes),
                sa.func.percentile_cont(0.9).within_group(minutes),
            ).where(*claimed)
        ).one()
        figures.first_claim_count = int(row[0])
        figures.first_claim_median_minutes = None if row[1] is None else float(row[1])
        figures.first_claim_p90_minutes = None if row[2] is None else float(row[2])
        return
    # SQLite has no percentile: fetch the two columns of the claimed alerts, once.
    pairs = db.session.execute(sa.select(Alert.live_at, Alert.first_claim_at).where(*claimed))
    values = [(claim - live).total_seconds() / 60.0 for live, claim in pairs if live and claim]
    figures.first_claim_count = len(values)
    figures.first_claim_median_minutes = percentile(values, 0.5)
    figures.first_claim_p90_minutes = percentile(values, 0.9)


def _actions(figures: Figures, cohort: list[sa.ColumnElement[bool]]) -> None:
    rows = db.session.execute(
        sa.select(Action.type, Action.status, sa.func.count())
        .join(Alert, Alert.id == Action.alert_id)
        .where(*cohort)
        .group_by(Action.type, Action.status)
    ).all()
    actions: dict[str, dict[str, int]] = {
        kind.value: {status.value: 0 for status in ActionStatus} for kind in ActionType
    }
    for kind, status, count in rows:
        actions[ActionType(kind).value][ActionStatus(status).value] = int(count)
    figures.actions = actions


def _asks(figures: Figures, cohort: list[sa.ColumnElement[bool]]) -> None:
    rows = db.session.execute(
        sa.select(Ask.answer, sa.func.count())
        .join(Alert, Alert.id == Ask.alert_id)
        .where(*cohort)
        .group_by(Ask.answer)
    ).all()
    counts = {AskAnswer(answer): int(count) for answer, count in rows}
    figures.asks_sent = sum(counts.values())
    figures.asks_accepted = counts.get(AskAnswer.ACCEPTED, 0)
    figures.asks_answered = figures.asks_accepted + counts.get(AskAnswer.DECLINED, 0)


def _alert_outcomes(figures: Figures, cohort: list[sa.ColumnElement[bool]]) -> None:
    rows = db.session.execute(
        sa.select(Alert.category, Alert.outcome, sa.func.count())
        .where(*cohort, Alert.outcome.is_not(None))
        .group_by(Alert.category, Alert.outcome)
    ).all()
    outcomes: dict[str, dict[str, int]] = defaultdict(dict)
    for category, outcome, count in rows:
        outcomes[Category(category).value][str(outcome)] = int(count)
    figures.alert_outcomes = dict(outcomes)


def _what_works(figures: Figures, cohort: list[sa.ColumnElement[bool]]) -> None:
    # One query for every breakdown: answered check-ins of done actions by type, category, tone.
    rows = db.session.execute(
        sa.select(
            Action.type, Alert.category, Action.template_tone, CheckIn.outcome, sa.func.count()
        )
        .join(Action, Action.id == CheckIn.action_id)
        .join(Alert, Alert.id == Action.alert_id)
        .where(*cohort, Action.status == ActionStatus.DONE, CheckIn.outcome.is_not(None))
        .group_by(Action.type, Alert.category, Action.template_tone, CheckIn.outcome)
    ).all()
    groups: dict[str, dict[str, OutcomeGroup]] = defaultdict(dict)

    def add(dimension: str, key: str, outcome: str, count: int) -> None:
        group = groups[dimension].setdefault(key, OutcomeGroup(key))
        group.answered += count
        group.outcomes[outcome] = group.outcomes.get(outcome, 0) + count

    for kind, category, tone, outcome, count in rows:
        kind, answer = ActionType(kind), str(outcome)
        add("action", kind.value, answer, count)
        add("visibility", "public" if kind in PUBLIC_ACTIONS else "private", answer, count)
        add("category", Category(category).value, answer, count)
        add("tone", tone or "none", answer, count)
        if answer == CheckInOutcome.RETALIATION.value:
            figures.retaliation_reports += count
    figures.by_action = [groups["action"][k.value] for k in ActionType if k in groups["action"]]
    figures.by_visibility = [
        groups["visibility"][k] for k in ("public", "private") if k in groups["visibility"]
    ]
    figures.by_category = [
        groups["category"][c.value] for c in Category if c.value in groups["category"]
    ]
    figures.by_tone = [groups["tone"][t] for t in sorted(groups["tone"])]


def _members(figures: Figures, cohort: list[sa.ColumnElement[bool]]) -> None:
    filters = figures.filters
    active = (
        sa.select(sa.func.count(sa.distinct(Action.member_id)))
        .join(Alert, Alert.id == Action.alert_id)
        .where(
            *cohort,
            Action.member_id.is_not(None),
            Action.claimed_at >= filters.start,
            Action.claimed_at < filters.end,
        )
        .scalar_subquery()
    )
    new = sa.select(sa.func.count(Member.id)).where(
        Member.created_at >= filters.start, Member.created_at < filters.end
    )
    if filters.team_id is not None:
        new = new.where(
            Member.id.in_(
                sa.select(TeamMembership.member_id).where(TeamMembership.team_id == filters.team_id)
            )
        )
    row = db.session.execute(sa.select(active, new.scalar_subquery())).one()
    figures.active_members, figures.new_members = int(row[0] or 0), int(row[1] or 0)


def _campaigns(figures: Figures) -> None:
    filters = figures.filters
    done = sa.func.count(Action.id)
    query = (
        sa.select(Campaign.id, Campaign.title, Campaign.goal, done)
        .outerjoin(Alert, Alert.campaign_id == Campaign.id)
        .outerjoin(Action, sa.and_(Action.alert_id == Alert.id, Action.status == ActionStatus.DONE))
        .where(
            Campaign.launched_at.is_not(None),
            Campaign.starts_at < filters.end,
            Campaign.ends_at > filters.start,
        )
        .group_by(Campaign.id, Campaign.title, Campaign.goal)
        .order_by(Campaign.starts_at.desc(), Campaign.id)
        .limit(50)
    )
    if filters.campaign_id is not None:
        query = query.where(Campaign.id == filters.campaign_id)
    figures.campaigns = [
        CampaignFigure(id, title, goal, int(count))
        for id, title, goal, count in db.session.execute(query)
    ]


def impact(filters: Filters) -> Figures:
    """Compute every figure for a period and filter: eight queries whatever the data."""
    figures = Figures(filters, as_of=utcnow())
    cohort = _cohort(filters)
    _alerts(figures, cohort)
    _first_claims(figures, cohort)
    _actions(figures, cohort)
    _asks(figures, cohort)
    _alert_outcomes(figures, cohort)
    _what_works(figures, cohort)
    _members(figures, cohort)
    _campaigns(figures)
    return figures


def filter_choices() -> tuple[list[tuple[int, str]], list[tuple[int, str]]]:
    """The teams and campaigns an organiser can filter by (at most 200 of each)."""
    teams = db.session.execute(sa.select(Team.id, Team.name).order_by(Team.name).limit(200))
    campaigns = db.session.execute(
        sa.select(Campaign.id, Campaign.title).order_by(Campaign.starts_at.desc()).limit(200)
    )
    return [(i, n) for i, n in teams], [(i, t) for i, t in campaigns]
