"""Page forms of guidance: the notice generator and a practice answer."""

from __future__ import annotations

from wtforms import RadioField, StringField, TextAreaField
from wtforms.validators import DataRequired, InputRequired, Length

from network.alerts.guide import severity_guide
from network.forms import Form
from network.guidance.notice import EMAIL_MAX, EXPLANATION_MAX, NAME_MAX
from network.translation import lazy_gettext as _l
from network.vocabulary import ActionType, action_info


class NoticeForm(Form):
    explanation = TextAreaField(
        _l("Why is this content illegal, or against the platform's rules?"),
        validators=[
            DataRequired(_l("Explain why the content is illegal or breaks the platform's rules.")),
            Length(max=EXPLANATION_MAX),
        ],
    )
    name = StringField(
        _l("Your name"),
        validators=[DataRequired(_l("Give your name.")), Length(max=NAME_MAX)],
        description=_l(
            "The Digital Services Act asks for the name of the person sending a notice. "
            "Platforms do not normally tell the author; they may only where strictly necessary."
        ),
    )
    email = StringField(
        _l("Your email address"),
        validators=[
            DataRequired(_l("Give an email address where the platform can reach you.")),
            Length(max=EMAIL_MAX),
        ],
        description=_l("The platform confirms receipt and tells you its decision here."),
    )


class PracticeForm(Form):
    severity = RadioField(
        _l("How serious is it?"),
        coerce=int,
        validators=[InputRequired(_l("Choose a severity from 1 to 4."))],
    )
    action_type = RadioField(
        _l("What would you do first?"),
        validators=[InputRequired(_l("Choose what you would do."))],
    )

    def __init__(self, *args: object, **kwargs: object) -> None:
        super().__init__(*args, **kwargs)
        self.severity.choices = [
            (level.level, f"{level.level} · {level.title}") for level in severity_guide()
        ]
        self.action_type.choices = [
            (action.value, action_info(action).label) for action in ActionType
        ]
