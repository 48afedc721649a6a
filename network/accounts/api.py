"""API resources: members (sign-up), tokens and me."""

from __future__ import annotations

from flask import current_app, request
from flask_login import current_user

from network.accounts import services
from network.accounts.models import Member
from network.accounts.schemas import MemberOut, PreferencesIn, SignUpIn, TokenIn, TokenOut
from network.api import operation
from network.extensions import limiter


def _signup_limit() -> str:
    return str(current_app.config["SIGNUP_LIMIT_PER_IP"])


def _login_limit_ip() -> str:
    return str(current_app.config["LOGIN_LIMIT_PER_IP"])


def _login_limit_account() -> str:
    return str(current_app.config["LOGIN_LIMIT_PER_ACCOUNT"])


def login_account_key() -> str:
    """Key password attempts by the account they target, whatever IP they come from."""
    if request.is_json:
        payload = request.get_json(silent=True)
        email = payload.get("email", "") if isinstance(payload, dict) else ""
    else:
        email = request.form.get("email", "")
    if not email and current_user.is_authenticated:
        # Re-entering the password (to change it, to delete the account) counts as well.
        email = current_user.email
    return "account:" + services.normalise_email(str(email))


# Shared limits: the page form and the API are two doors to the same room, so attempts
# through either count against one allowance (per address, and per account across addresses).
SIGNUP_LIMIT = limiter.shared_limit(_signup_limit, scope="signup", methods=["POST"])
LOGIN_LIMIT_PER_ACCOUNT = limiter.shared_limit(
    _login_limit_account, key_func=login_account_key, scope="login-account"
)
LOGIN_LIMITS = (limiter.shared_limit(_login_limit_ip, scope="login-ip"), LOGIN_LIMIT_PER_ACCOUNT)


@operation(
    "/members",
    "POST",
    tag="members",
    body=SignUpIn,
    response=MemberOut,
    status=201,
    auth=False,
    errors=(409,),
    decorators=(SIGNUP_LIMIT,),
)
def create_member(body: SignUpIn) -> MemberOut:
    """Sign up to the movement (the code of conduct must be accepted)."""
    member = services.sign_up(
        email=str(body.email),
        password=body.password,
        display_name=body.display_name,
        locale=body.locale.value,
        time_zone=body.time_zone,
        pledge_accepted=body.pledge_accepted,
    )
    return MemberOut.of(member)


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
