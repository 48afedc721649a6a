"""Page forms of members."""

from __future__ import annotations

from wtforms import (
    BooleanField,
    EmailField,
    Field,
    IntegerField,
    PasswordField,
    SelectField,
    StringField,
)
from wtforms.validators import (
    DataRequired,
    Email,
    Length,
    NumberRange,
    Optional,
    ValidationError,
)

from network.accounts import names
from network.accounts.addresses import normalise_email
from network.accounts.models import DigestFrequency
from network.accounts.passwords import password_problem
from network.accounts.services import time_zones
from network.forms import Form
from network.translation import lazy_gettext as _l
from network.vocabulary import ActionType, action_info, language_choices, platform_choices
from network.widgets import MultiCheckboxField


def locale_choices() -> list[tuple[str, str]]:
    return [("en", "English"), ("nl", "Nederlands")]


class SignUpForm(Form):
    email = EmailField(_l("Email address"), validators=[DataRequired(), Email(), Length(max=254)])
    password = PasswordField(
        _l("Password"),
        validators=[DataRequired(), Length(max=256)],
        description=_l(
            "At least 10 characters and hard to guess: a few uncommon words work well. "
            "Common words with digits or symbols are refused."
        ),
    )
    display_name = StringField(
        _l("Display name"),
        validators=[DataRequired(), Length(max=60)],
        description=_l("Shown to other members. A pseudonym is fine."),
    )
    locale = SelectField(_l("Language"), choices=locale_choices())
    time_zone = StringField(
        _l("Time zone"), validators=[DataRequired(), Length(max=64)], default="Europe/Amsterdam"
    )
    pledge_accepted = BooleanField(
        _l("I accept the code of conduct"),
        validators=[DataRequired(_l("You can only join after accepting the code of conduct."))],
    )

    # The service checks these again; checking them here too names every problem at once.
    def validate_password(self, field: Field) -> None:
        problem = password_problem(
            field.data or "",
            email=normalise_email(self.email.data or ""),  # as the service will store it
            display_name=(self.display_name.data or "").strip(),
        )
        if problem:
            raise ValidationError(problem)

    def validate_time_zone(self, field: Field) -> None:
        if (field.data or "") not in time_zones():
            raise ValidationError(_l("Choose a time zone such as Europe/Amsterdam."))

    def validate_display_name(self, field: Field) -> None:
        problem = names.display_name_problem(names.clean(field.data or ""))
        if problem:
            raise ValidationError(problem)


class LoginForm(Form):
    email = EmailField(_l("Email address"), validators=[DataRequired(), Length(max=254)])
    password = PasswordField(_l("Password"), validators=[DataRequired(), Length(max=256)])


class PreferencesForm(Form):
    display_name = StringField(_l("Display name"), validators=[DataRequired(), Length(max=60)])
    locale = SelectField(_l("Language"), choices=locale_choices())
    time_zone = StringField(_l("Time zone"), validators=[DataRequired(), Length(max=64)])
    digest_frequency = SelectField(
        _l("Digest"),
        choices=[
            (DigestFrequency.OFF.value, _l("No digest")),
            (DigestFrequency.DAILY.value, _l("Daily")),
            (DigestFrequency.WEEKLY.value, _l("Weekly")),
        ],
    )
    campaign_mail = BooleanField(_l("Email me about campaigns (a launch, one reminder)"))
    platforms = MultiCheckboxField(
        _l("Platforms I can help on"),
        choices=platform_choices(),
    )
    languages = MultiCheckboxField(_l("Languages I can help in"), choices=language_choices())
    comfortable_actions = MultiCheckboxField(_l("Actions I am comfortable with"), choices=[])
    asks_per_week = IntegerField(
        _l("Personal asks a week"),
        validators=[Optional(), NumberRange(min=0, max=50)],
        description=_l("How often we may ask you by name to help with an alert (0: never)."),
    )

    def __init__(self, *args: object, **kwargs: object) -> None:
        super().__init__(*args, **kwargs)
        self.comfortable_actions.choices = [(a.value, action_info(a).label) for a in ActionType]


class PasswordForm(Form):
    current_password = PasswordField(_l("Current password"), validators=[DataRequired()])
    new_password = PasswordField(
        _l("New password"),
        validators=[DataRequired(), Length(max=256)],
        description=_l("At least 10 characters. You will be logged out everywhere else."),
    )


class DeleteAccountForm(Form):
    password = PasswordField(_l("Your password"), validators=[DataRequired()])
    confirm = BooleanField(
        _l("I understand that my account is erased and cannot be restored"),
        validators=[DataRequired(_l("Tick the box to confirm."))],
    )


class RevokeTokenForm(Form):
    """Only the CSRF token: revoking is one button per token."""


class ResendVerificationForm(Form):
    """Only the CSRF token: one button on the profile."""


class ForgotPasswordForm(Form):
    email = EmailField(_l("Email address"), validators=[DataRequired(), Email(), Length(max=254)])


class ResetPasswordForm(Form):
    password = PasswordField(
        _l("New password"),
        validators=[DataRequired(), Length(max=256)],
        description=_l(
            "At least 10 characters and hard to guess: a few uncommon words work well. "
            "You will be logged out everywhere."
        ),
    )


class EmailChangeForm(Form):
    new_email = EmailField(
        _l("New email address"), validators=[DataRequired(), Email(), Length(max=254)]
    )
    password = PasswordField(_l("Your password"), validators=[DataRequired(), Length(max=256)])


class TokenForm(Form):
    name = StringField(
        _l("Token name"),
        validators=[DataRequired(), Length(max=80)],
        description=_l("So you can tell your tokens apart, e.g. the app or script that uses it."),
    )
    password = PasswordField(_l("Your password"), validators=[DataRequired(), Length(max=256)])
