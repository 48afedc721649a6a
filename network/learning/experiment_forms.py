"""Page forms of norm-message experiments."""

from __future__ import annotations

from wtforms import IntegerField, SelectField, StringField
from wtforms.validators import DataRequired, InputRequired, Length, NumberRange

from network.forms import Form
from network.learning.experiments import ARM_LABELS
from network.translation import lazy_gettext as _l


def _arm_choices(optional: bool) -> list[tuple[str, str]]:
    choices = [(code, label) for code, label in ARM_LABELS.items()]
    return [("", _l("(none)")), *choices] if optional else choices


class ExperimentForm(Form):
    """Start an experiment: a name, 2 to 4 messages (the first is the control), the effect."""

    name = StringField(_l("Name"), validators=[DataRequired(), Length(max=120)])
    control = SelectField(_l("Control message"), choices=_arm_choices(False), default="invitation")
    arm2 = SelectField(_l("Message 2"), choices=_arm_choices(False), default="descriptive")
    arm3 = SelectField(_l("Message 3"), choices=_arm_choices(True), default="")
    arm4 = SelectField(_l("Message 4"), choices=_arm_choices(True), default="")
    minimum_effect = IntegerField(
        _l("Smallest difference worth detecting (percentage points)"),
        default=5,
        validators=[InputRequired(), NumberRange(min=1, max=50)],
    )

    def arms(self) -> list[str]:
        """Return the chosen messages in order, the control first."""
        chosen = [self.control.data, self.arm2.data, self.arm3.data, self.arm4.data]
        return [str(code) for code in chosen if code]


class StopForm(Form):
    """Only the CSRF token: stopping is a single button."""
