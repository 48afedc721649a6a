"""Honest numbers for a period, computed once per period and scope with set-based SQL."""

from __future__ import annotations

import statistics
from collections import defaultdict
from dataclasses import asdict, dataclass, field
from datetime import UTC, datetime
from typing import Any

import sqlalchemy as sa

from network.accounts.models import Member, MemberStatus
from network.alerts.models import Alert, AlertStatus, Outcome
from network.campaigns.models import Campaign, CampaignMember, CampaignStatus
from network.coordination.models import Action, ActionStatus
from network.coordination.needs import PUBLIC_VOICES, wanted_counts
from network.digests.periods import Period
from network.extensions import db
from network.teams.models import Team, TeamMembership


@dataclass
class NetworkNumbers:
    """What the whole network did in a period."""

    active_members: int
    members_acted: int
    alerts_handled: int
    actions_by_type: dict[str, int]
    median_minutes_to_first_action: float | None
    goal_reached_share: float | None
    outcomes: dict[str, int]
    # How many alerts reached their goal: what the digest states when few did.
    goal_reached: int = 0

    @property
    def share(self) -> float:
        return self.members_acted / self.active_members if self.active_members else 0.0

    def as_dict(self) -> dict[str, Any]:
        return {
            "active_members": self.active_members,
            "members_acted": self.members_acted,
            "share": round(self.share, 4),
            "alerts_handled": self.alerts_handled,
            "actions_by_type": self.actions_by_type,
            "median_minutes_to_first_action": self.median_minutes_to_first_action,
            "goal_reached_share": self.goal_reached_share,
            "goal_reached": self.goal_reached,
            "outcomes": self.outcomes,
            "content_removed": self.outcomes.get(Outcome.CONTENT_REMOVED.value, 0),
        }


@dataclass
class PeriodNumbers:
    """The network's numbers for a period and its participation the period before.

    The same for every member, so the dispatcher works them out once for all the batches of a
    period and hands them to each batch job (as JSON, `as_json`/`from_json`): the network's
    aggregates run once per period instead of once per batch, and every digest of the period
    states the same numbers, retries too."""

    network: NetworkNumbers
    acted_before: int
    active_before: int

    def as_json(self) -> dict[str, Any]:
        return {
            "network": asdict(self.network),
            "acted_before": self.acted_before,
            "active_before": self.active_before,
        }

    @classmethod
    def from_json(cls, data: Any) -> PeriodNumbers:
        """Read what as_json wrote; raise ValueError on anything else."""
        try:
            network = NetworkNumbers(**data["network"])
            numbers = cls(network, int(data["acted_before"]), int(data["active_before"]))
        except (KeyError, TypeError, ValueError) as error:
            raise ValueError(f"not a period's numbers: {error}") from error
        counts = (network.active_members, network.members_acted, network.alerts_handled)
        if not all(isinstance(count, int) and count >= 0 for count in counts):
            raise ValueError("not a period's numbers: counts must be whole and not negative")
        return numbers


def period_numbers(period: Period, send_hour: int) -> PeriodNumbers:
    """Work out the network's numbers of a period and the participation of the one before."""
    network = network_numbers(period.start, period.end)
    previous = period.previous(send_hour)
    acted_before, active_before = participation(previous.start, previous.end)
    return PeriodNumbers(network, acted_before, active_before)


def _done_in(start: datetime, end: datetime) -> sa.ColumnElement[bool]:
    return sa.and_(
        Action.status == ActionStatus.DONE, Action.done_at >= start, Action.done_at < end
    )


def _counted_members(end: datetime) -> sa.ColumnElement[bool]:
    """Members who count for a period: active, and already members when it ended."""
    return sa.and_(Member.status == MemberStatus.ACTIVE, Member.created_at < end)


def participation(start: datetime, end: datetime) -> tuple[int, int]:
    """Return (members who acted, active members) for a period."""
    active = (
        db.session.scalar(
            sa.select(sa.func.count()).select_from(Member).where(_counted_members(end))
        )
        or 0
    )
    # Only members counted as active can be among those who acted, so the share stays a share.
    acted = (
        db.session.scalar(
            sa.select(sa.func.count(sa.distinct(Action.member_id)))
            .join(Member, Member.id == Action.member_id)
            .where(_done_in(start, end), _counted_members(end))
        )
        or 0
    )
    return acted, active


def network_numbers(start: datetime, end: datetime) -> NetworkNumbers:
    """Compute the network's numbers for a period (a fixed handful of queries)."""
    acted, active = participation(start, end)
    by_type = {
        str(kind): n
        for kind, n in db.session.execute(
            sa.select(Action.type, sa.func.count())
            .where(_done_in(start, end))
            .group_by(Action.type)
        ).all()
    }
    handled = (
        db.session.scalar(
            sa.select(sa.func.count(sa.distinct(Action.alert_id))).where(_done_in(start, end))
        )
        or 0
    )
    # Only what was known when the period ended counts, so a digest for a period shows the same
    # numbers whenever it is built; a claim that was released or expired is no help given.
    done_by_end = sa.and_(Action.status == ActionStatus.DONE, Action.done_at < end)
    first_actions = db.session.execute(
        sa.select(Alert.created_at, sa.func.min(Action.done_at))
        .join(Action, Action.alert_id == Alert.id)
        .where(Alert.created_at >= start, Alert.created_at < end, done_by_end)
        .group_by(Alert.id, Alert.created_at)
    ).all()
    waits = [
        max(0.0, (_aware(first) - _aware(created)).total_seconds() / 60)
        for created, first in first_actions
        if first is not None
    ]
    public_done = (
        sa.select(Action.alert_id, sa.func.count().label("voices"))
        .where(done_by_end, Action.type.in_(PUBLIC_VOICES))
        .group_by(Action.alert_id)
        .subquery()
    )
    goal_rows = db.session.execute(
        sa.select(
            Alert.category,
            Alert.severity,
            Alert.responder_goal,
            Alert.target_requested_help,
            Alert.wanted_actions,
            sa.func.coalesce(public_done.c.voices, 0),
        )
        .outerjoin(public_done, public_done.c.alert_id == Alert.id)
        .where(
            Alert.created_at >= start,
            Alert.created_at < end,
            Alert.status.in_([AlertStatus.OPEN, AlertStatus.RESOLVED, AlertStatus.EXPIRED]),
        )
    ).all()
    reached, with_goal = 0, 0
    for category, severity, goal, asked, wishes, voices in goal_rows:
        wanted = wanted_counts(
            category=str(category),
            severity=severity,
            responder_goal=goal,
            target_requested_help=asked,
            wanted_actions=wishes or [],
        )
        # Alerts whose target wanted no public voices have no voices goal to reach.
        public_goal = max(wanted[action] for action in PUBLIC_VOICES)
        if public_goal:
            with_goal += 1
            reached += voices >= public_goal
    outcomes = {
        str(outcome): n
        for outcome, n in db.session.execute(
            sa.select(Alert.outcome, sa.func.count())
            .where(Alert.resolved_at >= start, Alert.resolved_at < end, Alert.outcome.is_not(None))
            .group_by(Alert.outcome)
        ).all()
    }
    return NetworkNumbers(
        active_members=active,
        members_acted=acted,
        alerts_handled=handled,
        actions_by_type=by_type,
        median_minutes_to_first_action=round(statistics.median(waits), 1) if waits else None,
        goal_reached_share=round(reached / with_goal, 4) if with_goal else None,
        outcomes=outcomes,
        goal_reached=reached,
    )


def _aware(moment: datetime) -> datetime:
    return moment if moment.tzinfo else moment.replace(tzinfo=UTC)


@dataclass(frozen=True)
class TeamNumbers:
    """How a team did: members, and how many acted."""

    team_id: int
    name: str
    members: int
    acted: int

    def seen_by(self, member_acted: bool) -> TeamNumbers:
        """Return the numbers of one member's teammates: the team without that member."""
        return TeamNumbers(
            self.team_id,
            self.name,
            max(0, self.members - 1),
            max(0, self.acted - int(member_acted)),
        )


@dataclass(frozen=True)
class CampaignNumbers:
    """A campaign's progress toward its goal when the period ended."""

    campaign_id: int
    title: str
    goal: int
    done: int

    def as_dict(self) -> dict[str, Any]:
        return {"title": self.title, "goal": self.goal, "done": self.done}


@dataclass
class MemberContext:
    """What a batch needs to know per member, fetched for the whole batch at once."""

    teams: dict[int, list[int]] = field(default_factory=lambda: defaultdict(list))
    team_numbers: dict[int, TeamNumbers] = field(default_factory=dict)
    own_actions: dict[int, dict[str, int]] = field(default_factory=lambda: defaultdict(dict))
    campaigns: dict[int, list[CampaignNumbers]] = field(default_factory=lambda: defaultdict(list))


def member_context(member_ids: list[int], start: datetime, end: datetime) -> MemberContext:
    """Fetch teams, campaigns and own actions for a batch of members (at most eight queries)."""
    context = MemberContext()
    if not member_ids:
        return context
    for team_id, member_id in db.session.execute(
        sa.select(TeamMembership.team_id, TeamMembership.member_id).where(
            db.one_of(TeamMembership.member_id, member_ids)
        )
    ).all():
        context.teams[member_id].append(team_id)
    team_ids = sorted({team for teams in context.teams.values() for team in teams})
    if team_ids:
        # Teams count the members the network counts, so "4 of your 6 teammates" adds up.
        sizes = dict(
            db.session.execute(
                sa.select(TeamMembership.team_id, sa.func.count())
                .join(Member, Member.id == TeamMembership.member_id)
                .where(db.one_of(TeamMembership.team_id, team_ids), _counted_members(end))
                .group_by(TeamMembership.team_id)
            ).all()
        )
        acted = dict(
            db.session.execute(
                sa.select(TeamMembership.team_id, sa.func.count(sa.distinct(Action.member_id)))
                .join(Member, Member.id == TeamMembership.member_id)
                .join(Action, Action.member_id == TeamMembership.member_id)
                .where(
                    db.one_of(TeamMembership.team_id, team_ids),
                    _counted_members(end),
                    _done_in(start, end),
                )
                .group_by(TeamMembership.team_id)
            ).all()
        )
        for team_id, name in db.session.execute(
            sa.select(Team.id, Team.name).where(db.one_of(Team.id, team_ids))
        ).all():
            context.team_numbers[team_id] = TeamNumbers(
                team_id, name, sizes.get(team_id, 0), acted.get(team_id, 0)
            )
    for volunteer_id, kind, n in db.session.execute(
        sa.select(Action.member_id, Action.type, sa.func.count())
        .where(db.one_of(Action.member_id, member_ids), _done_in(start, end))
        .group_by(Action.member_id, Action.type)
        # The digest lists them in this order: the same whatever plan the database chose.
        .order_by(Action.member_id, Action.type)
    ).all():
        if volunteer_id is not None:  # never, given the filter; erased members' actions have none
            context.own_actions[volunteer_id][str(kind)] = n
    _campaigns(context, member_ids, start, end)
    return context


def _campaigns(
    context: MemberContext, member_ids: list[int], start: datetime, end: datetime
) -> None:
    """Add the campaigns the members had joined that ran in the period, with their progress."""
    joined = db.session.execute(
        sa.select(CampaignMember.member_id, Campaign.id, Campaign.title, Campaign.goal)
        .join(Campaign, Campaign.id == CampaignMember.campaign_id)
        .where(
            db.one_of(CampaignMember.member_id, member_ids),
            CampaignMember.joined_at < end,
            Campaign.status != CampaignStatus.DRAFT,
            Campaign.starts_at < end,
            Campaign.ends_at > start,
        )
        .order_by(Campaign.id)
    ).all()
    campaign_ids = sorted({campaign_id for _member, campaign_id, _title, _goal in joined})
    if not campaign_ids:
        return
    # Progress as campaign pages count it (completed actions on its alerts), at the period's end.
    done = dict(
        db.session.execute(
            sa.select(Alert.campaign_id, sa.func.count(Action.id))
            .join(Action, Action.alert_id == Alert.id)
            .where(
                db.one_of(Alert.campaign_id, campaign_ids),
                Action.status == ActionStatus.DONE,
                Action.done_at < end,
            )
            .group_by(Alert.campaign_id)
        ).all()
    )
    for member_id, campaign_id, title, goal in joined:
        context.campaigns[member_id].append(
            CampaignNumbers(campaign_id, title, goal, done.get(campaign_id, 0))
        )
