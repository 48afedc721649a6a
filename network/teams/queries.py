"""Read side of teams."""

from __future__ import annotations

import sqlalchemy as sa

from network.accounts.models import Member
from network.errors import NotFound
from network.extensions import db
from network.teams.models import Team, TeamMembership
from network.translation import gettext as _


def teams_of(member: Member, *, after_id: int | None = None, limit: int = 50) -> list[Team]:
    """Return the member's teams in id order, starting after a cursor."""
    query = (
        sa.select(Team)
        .join(TeamMembership, TeamMembership.team_id == Team.id)
        .where(TeamMembership.member_id == member.id)
        .order_by(Team.id)
        .limit(limit)
    )
    if after_id is not None:
        query = query.where(Team.id > after_id)
    return list(db.session.scalars(query))


def team_for_member(member: Member, team_id: int) -> Team:
    """Return a team the member belongs to; other teams do not exist for them."""
    team = db.session.get(Team, team_id)
    if team is None or db.session.get(TeamMembership, (team_id, member.id)) is None:
        raise NotFound(_("This team does not exist."))
    return team


def members_of(team: Team) -> list[tuple[Member, TeamMembership]]:
    """Return the team's members (for display names) with their memberships, by join date."""
    rows = db.session.execute(
        sa.select(Member, TeamMembership)
        .join(TeamMembership, TeamMembership.member_id == Member.id)
        .where(TeamMembership.team_id == team.id)
        .order_by(TeamMembership.joined_at, Member.id)
    )
    return [(member, membership) for member, membership in rows]


def member_counts(team_ids: list[int]) -> dict[int, int]:
    """Return how many members each team has."""
    if not team_ids:
        return {}
    rows = db.session.execute(
        sa.select(TeamMembership.team_id, sa.func.count())
        .where(TeamMembership.team_id.in_(team_ids))
        .group_by(TeamMembership.team_id)
    )
    return {team_id: count for team_id, count in rows}


def team_size(team_id: int) -> int:
    """Return how many members a team has."""
    query = sa.select(sa.func.count()).select_from(TeamMembership)
    return db.session.scalar(query.where(TeamMembership.team_id == team_id)) or 0
