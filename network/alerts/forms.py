"""Page forms of alerts: posting, flagging and resolving them."""

from __future__ import annotations

from wtforms import BooleanField, IntegerField, RadioField, SelectField, StringField, TextAreaField
from wtforms.validators import DataRequired, InputRequired, Length, NumberRange, Optional

from network.alerts.guide import category_label, severity_guide
from network.alerts.models import Category, FlagReason, Outcome
from network.forms import Form
from network.translation import lazy_gettext as _l
from network.vocabulary import ActionType, action_info, language_choices
from network.widgets import MultiCheckboxField


class AlertForm(Form):
    url = StringField(
        _l("Link to the thread"),
        validators=[DataRequired(_l("Paste the link to the thread.")), Length(max=2048)],
        description=_l("We never open this link ourselves; members open it after a warning."),
    )
    category = SelectField(_l("What is happening?"), validators=[DataRequired()])
    severity = RadioField(
        _l("How serious is it?"),
        validators=[InputRequired(_l("Severity runs from 1 (unkind) to 4 (dangerous)."))],
        coerce=int,
    )
    summary = TextAreaField(
        _l("Short summary"),
        validators=[
            DataRequired(_l("Describe in a sentence what is happening.")),
            Length(max=500),
        ],
        # Say exactly what the check refuses (network/alerts/personal_data.py), and no more.
        description=_l(
            "What is going on, in a sentence or two. Leave out the target's name. Email "
            "addresses, phone numbers, postcodes and street addresses are refused."
        ),
    )
    language = SelectField(_l("Language of the thread"), choices=language_choices())
    target_requested_help = BooleanField(_l("I am the target and I ask for help myself"))
    wanted_actions = MultiCheckboxField(
        _l("Help I welcome (only when you are the target)"), choices=[]
    )
    responder_goal = IntegerField(
        _l("Public voices wanted"),
        default=3,
        validators=[NumberRange(min=1, max=10)],
        description=_l("Public replies stop at this number, so nobody gets piled on."),
    )
    team_id = SelectField(
        _l("Team (optional)"),
        coerce=lambda v: int(v) if v else None,
        validators=[Optional()],
        description=_l(
            "Only teams of at least three members can have team alerts: in a smaller team the "
            "others could tell who posted it."
        ),
    )

    def __init__(
        self, *args: object, teams: tuple[tuple[int, str], ...] = (), **kwargs: object
    ) -> None:
        super().__init__(*args, **kwargs)
        self.category.choices = [(c.value, category_label(c)) for c in Category]
        self.severity.choices = [
            (level.level, f"{level.level} · {level.title}") for level in severity_guide()
        ]
        self.wanted_actions.choices = [(a.value, action_info(a).label) for a in ActionType]
        self.team_id.choices = [("", str(_l("No team")))] + [(str(i), n) for i, n in teams]


class FlagForm(Form):
    reason = RadioField(
        _l("Why should organisers look at this alert?"),
        choices=[
            (FlagReason.MISLEADING.value, _l("It is misleading")),
            (FlagReason.ABUSIVE.value, _l("It misuses the network (harassment, pile-on)")),
        ],
        validators=[DataRequired()],
    )
    note = StringField(_l("Note (optional)"), validators=[Length(max=500)])


class ResolveForm(Form):
    outcome = SelectField(
        _l("What happened?"),
        choices=[
            (Outcome.CONTENT_REMOVED.value, _l("The content was removed")),
            (Outcome.THREAD_CALMED.value, _l("The thread calmed down")),
            (Outcome.NO_CHANGE.value, _l("Nothing changed")),
            (Outcome.UNKNOWN.value, _l("I don't know")),
        ],
    )
