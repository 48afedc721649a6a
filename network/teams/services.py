"""Use cases of teams: create, join with the invite code, leave."""

from __future__ import annotations

import secrets

import sqlalchemy as sa

from network.accounts.models import Member
from network.errors import Forbidden, NotFound, ValidationFailed
from network.extensions import db
from network.teams.models import Team, TeamMembership, TeamRole
from network.translation import gettext as _


def new_invite_code() -> str:
    """Return a random invite code that is easy to read aloud and type."""
    alphabet = "ABCDEFGHJKLMNPQRSTUVWXYZ23456789"
    return "".join(secrets.choice(alphabet) for _ in range(10))


def create_team(actor: Member, *, name: str, description: str = "") -> Team:
    """Create a team with the actor as its owner."""
    name = name.strip()
    if not name:
        raise ValidationFailed(
            _("Give the team a name."), fields={"name": _("Give the team a name.")}
        )
    team = Team(
        name=name[:80],
        description=description.strip()[:500],
        invite_code=new_invite_code(),
        created_by_id=actor.id,
    )
    team.memberships.append(TeamMembership(member_id=actor.id, role=TeamRole.OWNER))
    db.session.add(team)
    db.session.commit()
    return team


def join_team(actor: Member, *, invite_code: str, team_id: int | None = None) -> Team:
    """Join the team with this invite code; joining twice changes nothing."""
    code = invite_code.strip().upper().replace(" ", "").replace("-", "")
    team = db.session.scalar(sa.select(Team).where(Team.invite_code == code)) if code else None
    if team is None or (team_id is not None and team.id != team_id):
        if team_id is not None and db.session.get(Team, team_id) is None:
            raise NotFound(_("This team does not exist."))
        raise Forbidden(
            _("This invite code is not valid."),
            fields={"invite_code": _("This invite code is not valid.")},
            code="invalid_invite_code",
        )
    if db.session.get(TeamMembership, (team.id, actor.id)) is None:
        db.session.add(TeamMembership(team_id=team.id, member_id=actor.id))
        try:
            db.session.commit()
        except sa.exc.IntegrityError:
            db.session.rollback()  # joined at the same instant from another tab
    return team


def leave_team(actor: Member, team_id: int) -> None:
    """Leave a team; the last member leaving removes the team."""
    membership = db.session.get(TeamMembership, (team_id, actor.id))
    if membership is None:
        raise NotFound(_("You are not in this team."))
    _leave(membership)
    db.session.commit()


def leave_every_team(member: Member) -> None:
    """Take the member out of all their teams, without committing (the erasure commits)."""
    memberships = db.session.scalars(
        sa.select(TeamMembership).where(TeamMembership.member_id == member.id)
    ).all()
    for membership in memberships:
        _leave(membership)


def _leave(membership: TeamMembership) -> None:
    # Lock the team: two owners leaving at once must still leave it with an owner.
    team = db.session.scalar(sa.select(Team).where(Team.id == membership.team_id).with_for_update())
    assert team is not None
    db.session.delete(membership)
    db.session.flush()
    remaining = db.session.scalars(
        sa.select(TeamMembership)
        .where(TeamMembership.team_id == team.id)
        .order_by(TeamMembership.joined_at, TeamMembership.member_id)
    ).all()
    if not remaining:
        db.session.delete(team)
    elif membership.role == TeamRole.OWNER and not any(m.role == TeamRole.OWNER for m in remaining):
        remaining[0].role = TeamRole.OWNER  # a team always keeps someone who can manage it
