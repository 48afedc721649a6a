"""API resources: teams and joining them."""

from __future__ import annotations

from network.accounts.models import Member
from network.api import operation
from network.api.pagination import decode_cursor, encode_cursor
from network.teams import queries, services
from network.teams.models import Team
from network.teams.schemas import JoinTeamIn, TeamIn, TeamListQuery, TeamOut, TeamPage


def _out(team: Team, count: int) -> TeamOut:
    return TeamOut(
        id=team.id,
        name=team.name,
        description=team.description,
        invite_code=team.invite_code,
        member_count=count,
        created_at=team.created_at,
    )


@operation("/teams", "GET", tag="teams", query=TeamListQuery, response=TeamPage)
def list_teams(actor: Member, query: TeamListQuery) -> TeamPage:
    """List the teams the member belongs to."""
    position = decode_cursor(query.cursor)
    after = position.get("id") if position else None
    teams = queries.teams_of(
        actor, after_id=after if isinstance(after, int) else None, limit=query.limit + 1
    )
    page, more = teams[: query.limit], len(teams) > query.limit
    counts = queries.member_counts([team.id for team in page])
    return TeamPage(
        items=[_out(team, counts.get(team.id, 0)) for team in page],
        next_cursor=encode_cursor({"id": page[-1].id}) if more else None,
    )


@operation("/teams", "POST", tag="teams", body=TeamIn, response=TeamOut, status=201)
def create_team(actor: Member, body: TeamIn) -> TeamOut:
    """Create a team; the creator becomes its owner."""
    team = services.create_team(actor, name=body.name, description=body.description)
    return _out(team, 1)


@operation("/teams/<int:team_id>", "GET", tag="teams", response=TeamOut, errors=(404,))
def get_team(actor: Member, team_id: int) -> TeamOut:
    """Return one of the member's teams."""
    team = queries.team_for_member(actor, team_id)
    return _out(team, queries.member_counts([team.id]).get(team.id, 0))


@operation(
    "/teams/<int:team_id>/members",
    "POST",
    tag="teams",
    body=JoinTeamIn,
    response=TeamOut,
    errors=(403, 404),
)
def join_team(actor: Member, team_id: int, body: JoinTeamIn) -> TeamOut:
    """Join a team with its invite code."""
    team = services.join_team(actor, invite_code=body.invite_code, team_id=team_id)
    return _out(team, queries.member_counts([team.id]).get(team.id, 0))


@operation("/teams/<int:team_id>/members/me", "DELETE", tag="teams", status=204, errors=(404,))
def leave_team(actor: Member, team_id: int) -> None:
    """Leave a team."""
    services.leave_team(actor, team_id)
