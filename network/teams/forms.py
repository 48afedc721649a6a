"""Page forms of teams."""

from __future__ import annotations

from wtforms import StringField, TextAreaField
from wtforms.validators import DataRequired, Length

from network.forms import Form
from network.translation import lazy_gettext as _l


class TeamForm(Form):
    name = StringField(_l("Team name"), validators=[DataRequired(), Length(max=80)])
    description = TextAreaField(
        _l("What is this team?"),
        validators=[Length(max=500)],
        description=_l("For example: our class, our football club."),
    )


class JoinTeamForm(Form):
    invite_code = StringField(
        _l("Invite code"),
        validators=[DataRequired(), Length(max=32)],
        description=_l("Ask a member of the team for its code."),
    )


class LeaveTeamForm(Form):
    """Only the CSRF token: leaving is confirmed on its own page."""
