"""Page forms of reach: what is pushed or mailed, quiet hours, group chats."""

from __future__ import annotations

from wtforms import BooleanField, PasswordField, SelectField, StringField
from wtforms.validators import DataRequired, Length, Regexp

from network.forms import Form
from network.translation import lazy_gettext as _l

HHMM = Regexp(r"^[0-2][0-9]:[0-5][0-9]$", message=_l("Give a time as HH:MM, e.g. 22:00."))


class ReachSettingsForm(Form):
    """What is pushed or mailed to the member; personal asks are always pushed while push is on."""

    team_alerts = BooleanField(_l("New alerts in my teams"))
    severe_alerts = BooleanField(_l("New severe alerts on my platforms and in my languages"))
    campaign_launches = BooleanField(_l("Campaign launches"))
    reviews = BooleanField(_l("Alerts waiting for review (organisers)"))
    ask_mail = BooleanField(_l("Email me a personal ask when I have no push on"))
    detailed = BooleanField(_l("Name the kind of alert on my lock screen"))
    quiet_from = StringField(_l("Quiet from"), validators=[DataRequired(), HHMM])
    quiet_until = StringField(_l("Quiet until"), validators=[DataRequired(), HHMM])


class RemoveForm(Form):
    """Only the CSRF token: removing is one button per row."""


class GroupChatForm(Form):
    """Connect a group chat through its Apprise URL."""

    name = StringField(_l("Name"), validators=[DataRequired(), Length(max=80)])
    # A password field: the secret in it is not shown back, not even after an error.
    url = PasswordField(_l("Apprise URL"), validators=[DataRequired(), Length(max=1024)])
    team_id = SelectField(_l("For"), choices=[], validate_choice=True)
