"""Request and response schemas of members, tokens and the current member."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Any

from pydantic import (
    AfterValidator,
    BaseModel,
    ConfigDict,
    EmailStr,
    Field,
    StringConstraints,
    ValidationInfo,
    field_validator,
)
from pydantic_core import PydanticCustomError

from network.accounts.addresses import normalise_email
from network.accounts.models import DigestFrequency, Member, Role
from network.db import storable_moment
from network.text import MULTI_LINE, moment_problem, text_problem, texts_in
from network.translation import lazy_gettext as _l
from network.vocabulary import ActionType, Locale, Platform

DisplayName = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=60)]
Password = Annotated[str, Field(min_length=1, max_length=256)]
# An address as the service stores and compares it (one normalisation for API, pages, limits).
Address = Annotated[EmailStr, AfterValidator(normalise_email)]


class Strict(BaseModel):
    """Schemas refuse unknown fields, so typos are reported instead of ignored."""

    model_config = ConfigDict(extra="forbid")

    # One rule for every text of every request schema: fields added later get it too.
    @field_validator("*", mode="before")
    @classmethod
    def _acceptable_text(cls, value: Any, info: ValidationInfo) -> Any:
        field = cls.model_fields.get(info.field_name or "")
        multiline = field is not None and MULTI_LINE in field.metadata
        for _where, text in texts_in(value):
            problem = text_problem(text, multiline=multiline)
            if problem:
                raise PydanticCustomError("text_refused", problem)
        return value

    @field_validator("*", mode="after")
    @classmethod
    def _storable_moment(cls, value: Any) -> Any:
        if isinstance(value, datetime) and not storable_moment(value):
            raise PydanticCustomError("moment_out_of_range", moment_problem())
        return value


class SignUpIn(Strict):
    """Join the movement."""

    email: Address = Field(max_length=254)
    password: Password = Field(description="At least 10 characters; common passwords are refused.")
    display_name: DisplayName = Field(description="Shown to other members; a pseudonym is fine.")
    locale: Locale = Locale.EN
    time_zone: str = Field(default="Europe/Amsterdam", max_length=64)
    pledge_accepted: bool = Field(
        description="Must be true: the member accepts the code of conduct."
    )


class CheckEmail(BaseModel):
    """The same answer whether or not the address is registered: look in your mailbox."""

    status: str = Field(description='Always "check_email".')
    message: str

    @classmethod
    def after_sign_up(cls) -> CheckEmail:
        return cls(status="check_email", message=str(JOIN_SENT))

    @classmethod
    def after_reset_request(cls) -> CheckEmail:
        return cls(status="check_email", message=str(RESET_SENT))


class PasswordResetIn(Strict):
    """Ask for a link to choose a new password."""

    email: Address = Field(max_length=254)


RESET_SENT = _l(
    "If an account uses this address, we have sent it a link to choose a new password. "
    "Look in your mailbox (and the spam folder)."
)
JOIN_SENT = _l(
    "Thank you for joining! We sent a message to your email address. Follow its link to "
    "confirm your address; you can log in right away."
)


class MemberOut(BaseModel):
    """A member as they see themselves."""

    id: int
    email: str
    display_name: str
    email_verified: bool = Field(description="Whether the member confirmed their address.")
    role: Role
    trust_level: int
    locale: str
    time_zone: str
    digest_frequency: DigestFrequency
    campaign_mail: bool
    platforms: list[str]
    languages: list[str]
    comfortable_actions: list[str]
    asks_per_week: int
    pledge_accepted_at: datetime
    created_at: datetime

    @classmethod
    def of(cls, member: Member) -> MemberOut:
        fields = {
            name: getattr(member, name) for name in cls.model_fields if name != "email_verified"
        }
        return cls.model_validate(
            {**fields, "email_verified": member.email_verified_at is not None}
        )


class PreferencesIn(Strict):
    """Change profile and preferences; every field optional."""

    display_name: DisplayName | None = None
    locale: Locale | None = None
    time_zone: str | None = Field(default=None, max_length=64)
    digest_frequency: DigestFrequency | None = None
    campaign_mail: bool | None = Field(
        default=None, description="Email about campaigns (launches, one reminder)."
    )
    platforms: list[Platform] | None = Field(default=None, max_length=20)
    languages: list[str] | None = Field(default=None, max_length=20)
    comfortable_actions: list[ActionType] | None = Field(default=None, max_length=7)
    asks_per_week: int | None = Field(
        default=None, ge=0, le=50, description="How many personal asks to help a week (0: none)."
    )


class TokenIn(Strict):
    """Exchange email and password for a personal access token."""

    email: Annotated[str, AfterValidator(normalise_email)] = Field(max_length=254)
    password: Password
    name: str = Field(default="API", max_length=80)


class TokenOut(BaseModel):
    """A new token: the secret is shown this once and stored only as a hash."""

    id: int
    name: str
    token: str
    created_at: datetime
