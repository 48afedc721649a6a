"""Page forms of campaigns."""

from __future__ import annotations

from wtforms import (
    BooleanField,
    DateTimeLocalField,
    IntegerField,
    SelectField,
    StringField,
    TextAreaField,
)
from wtforms.validators import DataRequired, InputRequired, Length, NumberRange

from network.alerts.guide import category_label
from network.alerts.models import Category
from network.forms import Form
from network.translation import lazy_gettext as _l
from network.vocabulary import ActionType, action_info, language_choices, platform_choices
from network.widgets import MultiCheckboxField


class CampaignForm(Form):
    title = StringField(_l("Title"), validators=[DataRequired(), Length(max=120)])
    hashtag = StringField(
        _l("Hashtag"), validators=[Length(max=50)], description=_l("For example #DatMeenJeNiet")
    )
    description = TextAreaField(
        _l("Description"),
        validators=[Length(max=4000)],
        description=_l("Why this campaign, and what members should do."),
    )
    starts_at = DateTimeLocalField(
        _l("Starts"), validators=[InputRequired()], format="%Y-%m-%dT%H:%M"
    )
    ends_at = DateTimeLocalField(_l("Ends"), validators=[InputRequired()], format="%Y-%m-%dT%H:%M")
    goal = IntegerField(
        _l("Goal (completed actions)"),
        default=50,
        validators=[InputRequired(), NumberRange(min=1, max=1_000_000)],
    )
    focus_categories = MultiCheckboxField(_l("Focus categories"), choices=[])
    focus_platforms = MultiCheckboxField(_l("Focus platforms"), choices=[])
    recommended_actions = MultiCheckboxField(_l("Recommended actions"), choices=[])
    notify_by_email = BooleanField(_l("Also tell every member by email when it launches"))

    def __init__(self, *args: object, **kwargs: object) -> None:
        super().__init__(*args, **kwargs)
        self.focus_categories.choices = [(c.value, category_label(c)) for c in Category]
        self.focus_platforms.choices = platform_choices()
        self.recommended_actions.choices = [(a.value, action_info(a).label) for a in ActionType]


class ConfirmForm(Form):
    """Only the CSRF token: launch, end, join and leave are single buttons."""


class AddAlertForm(Form):
    """Put an alert into the campaign, by its number or the link to its page."""

    alert = StringField(
        _l("Alert number or link"),
        validators=[DataRequired(), Length(max=300)],
        description=_l("For example 42, or the address of the alert's page."),
    )


class TemplateForm(Form):
    """An organiser's own message template for the campaign."""

    action_type = SelectField(_l("For the action"), choices=[])
    language = SelectField(_l("Language"), choices=[])
    body = TextAreaField(
        _l("Message"),
        validators=[DataRequired(), Length(max=1000)],
        description=_l("Members copy it and make it their own. No names of real people."),
    )

    def __init__(self, *args: object, **kwargs: object) -> None:
        super().__init__(*args, **kwargs)
        self.action_type.choices = [(a.value, action_info(a).label) for a in ActionType]
        self.language.choices = language_choices()
