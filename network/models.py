"""Import every model so the metadata is complete (for Alembic and the schema test)."""

from network.accounts.models import AccessToken, Member
from network.teams.models import Team, TeamMembership

__all__ = ["AccessToken", "Member", "Team", "TeamMembership"]
