"""API resources: members (sign-up), tokens and me."""

from __future__ import annotations

from network.accounts import recovery, services
from network.accounts.limits import (
    LOGIN_LIMITS,
    MAIL_LIMIT_PER_ADDRESS,
    MAIL_LIMIT_PER_IP,
    SIGNUP_LIMIT,
)
from network.accounts.models import Member
from network.accounts.schemas import (
    CheckEmail,
    MemberOut,
    PasswordResetIn,
    PreferencesIn,
    SignUpIn,
    TokenIn,
    TokenOut,
)
from network.api import operation


@operation(
    "/members",
    "POST",
    tag="members",
    body=SignUpIn,
    response=CheckEmail,
    status=202,
    auth=False,
    decorators=(SIGNUP_LIMIT, MAIL_LIMIT_PER_ADDRESS),
)
def create_member(body: SignUpIn) -> CheckEmail:
    """Sign up to the movement; the answer is the same whether or not the address is registered.

    A new address gets an account and a mail to confirm the address; the owner of a registered
    address gets a mail instead. Log in (POST /tokens) with the password to use the account."""
    recovery.join(
        email=str(body.email),
        password=body.password,
        display_name=body.display_name,
        locale=body.locale.value,
        time_zone=body.time_zone,
        pledge_accepted=body.pledge_accepted,
    )
    return CheckEmail.after_sign_up()


@operation(
    "/password-resets",
    "POST",
    tag="members",
    body=PasswordResetIn,
    response=CheckEmail,
    status=202,
    auth=False,
    decorators=(MAIL_LIMIT_PER_IP, MAIL_LIMIT_PER_ADDRESS),
)
def request_password_reset(body: PasswordResetIn) -> CheckEmail:
    """Mail a link to choose a new password; the answer is the same for unknown addresses.

    The link opens the site's page for the new password; it works once, for
    PASSWORD_RESET_MAX_AGE seconds."""
    recovery.request_password_reset(str(body.email))
    return CheckEmail.after_reset_request()


@operation(
    "/tokens",
    "POST",
    tag="tokens",
    body=TokenIn,
    response=TokenOut,
    status=201,
    auth=False,
    errors=(403,),
    decorators=LOGIN_LIMITS,
)
def create_token(body: TokenIn) -> TokenOut:
    """Create a personal access token from email and password."""
    token, secret = services.create_token(email=body.email, password=body.password, name=body.name)
    return TokenOut(id=token.id, name=token.name, token=secret, created_at=token.created_at)


@operation("/me", "GET", tag="me", response=MemberOut)
def get_me(actor: Member) -> MemberOut:
    """Return the logged-in member."""
    return MemberOut.of(actor)


@operation("/me", "PATCH", tag="me", body=PreferencesIn, response=MemberOut)
def update_me(actor: Member, body: PreferencesIn) -> MemberOut:
    """Change the logged-in member's profile and preferences."""
    changes = body.model_dump(exclude_unset=True, mode="json")
    services.update_preferences(actor, **changes)
    return MemberOut.of(actor)


@operation("/tokens/<int:token_id>", "DELETE", tag="tokens", status=204, errors=(404,))
def revoke_token(actor: Member, token_id: int) -> None:
    """Revoke one of your personal access tokens."""
    services.revoke_token(actor, token_id)
