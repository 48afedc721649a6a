"""Pages: my teams, create, join with a code, see members, leave."""

from __future__ import annotations

from flask import Blueprint, flash, redirect, render_template, url_for
from flask_login import current_user, login_required
from werkzeug.wrappers import Response

from network.accounts.models import Member
from network.errors import ServiceError
from network.forms import show_service_error
from network.teams import queries, services
from network.teams.forms import JoinTeamForm, LeaveTeamForm, TeamForm
from network.translation import gettext as _

teams = Blueprint("teams", __name__, url_prefix="/teams")


def _me() -> Member:
    member: Member = current_user._get_current_object()
    return member


def _index(create_form: TeamForm, join_form: JoinTeamForm) -> str:
    my_teams = queries.teams_of(_me(), limit=200)
    counts = queries.member_counts([team.id for team in my_teams])
    return render_template(
        "teams/index.html",
        teams=my_teams,
        counts=counts,
        create_form=create_form,
        join_form=join_form,
    )


@teams.get("/")
@login_required
def index() -> str:
    """List my teams, with forms to create and join one."""
    return _index(TeamForm(prefix="create"), JoinTeamForm(prefix="join"))


@teams.post("/")
@login_required
def create() -> str | Response:
    """Create a team."""
    form = TeamForm(prefix="create")
    if form.validate_on_submit():
        try:
            team = services.create_team(
                _me(), name=form.name.data or "", description=form.description.data or ""
            )
        except ServiceError as error:
            show_service_error(form, error)
        else:
            flash(_("Team created. Share the invite code with the people you trust."), "success")
            return redirect(url_for("teams.show", team_id=team.id))
    return _index(form, JoinTeamForm(prefix="join"))


@teams.post("/join")
@login_required
def join() -> str | Response:
    """Join a team with its invite code."""
    form = JoinTeamForm(prefix="join")
    if form.validate_on_submit():
        try:
            team = services.join_team(_me(), invite_code=form.invite_code.data or "")
        except ServiceError as error:
            show_service_error(form, error)
        else:
            flash(_("You joined %(team)s.", team=team.name), "success")
            return redirect(url_for("teams.show", team_id=team.id))
    return _index(TeamForm(prefix="create"), form)


@teams.get("/<int:team_id>")
@login_required
def show(team_id: int) -> str:
    """Show a team's members and invite code."""
    team = queries.team_for_member(_me(), team_id)
    return render_template("teams/show.html", team=team, members=queries.members_of(team))


@teams.route("/<int:team_id>/leave", methods=["GET", "POST"])
@login_required
def leave(team_id: int) -> str | Response:
    """Confirm, then leave a team."""
    team = queries.team_for_member(_me(), team_id)
    form = LeaveTeamForm()
    if form.validate_on_submit():
        services.leave_team(_me(), team_id)
        flash(_("You left %(team)s.", team=team.name), "info")
        return redirect(url_for("teams.index"))
    return render_template("teams/leave.html", team=team, form=form)
