"""Rate limits of the account doors: sign-up, log-in and mail to an address.

The page forms and the API are two doors to the same room: both import these limits, so
attempts through either count against one allowance."""

from __future__ import annotations

from flask import Response, request
from flask_login import current_user

from network.accounts.services import normalise_email
from network.extensions import limiter
from network.settings import settings


def _signup_limit() -> str:
    return settings().signup_limit_per_ip


def _login_limit_ip() -> str:
    return settings().login_limit_per_ip


def _login_limit_account() -> str:
    return settings().login_limit_per_account


def _mail_limit_ip() -> str:
    return settings().account_mail_limit_per_ip


def _mail_limit_address() -> str:
    return settings().account_mail_limit_per_address


def _email_in_request(field: str = "email") -> str:
    try:
        if request.is_json:
            payload = request.get_json(silent=True)
            email = payload.get(field, "") if isinstance(payload, dict) else ""
        else:
            email = request.form.get(field, "")
        return normalise_email(str(email))[:254]
    except Exception:  # a key function must never raise: one key for every odd body
        return "?"


def login_account_key() -> str:
    """Key password attempts by the account they target, whatever IP they come from."""
    email = _email_in_request()
    if not email and current_user.is_authenticated:
        # Re-entering the password (to change it, to delete the account) counts as well.
        email = current_user.email
    return "account:" + email


def mail_address_key() -> str:
    """Key requests that mail an address by that address, whatever IP they come from."""
    email = _email_in_request() or _email_in_request("new_email")
    if not email and current_user.is_authenticated:
        email = current_user.email  # "send the link again" mails the member's own address
    return "mail:" + email


def failed_attempt(response: Response) -> bool:
    """Tell whether a password attempt failed: only failures use up an account's allowance."""
    # Success is a redirect (pages) or a created token (API); anything else is a failure,
    # including a form shown again with an error.
    return response.status_code not in (201, 302, 303)


def mail_accepted(response: Response) -> bool:
    """Tell whether a request was accepted (and so may have mailed): refusals mail nobody."""
    return response.status_code in (202, 302, 303)


# Shared limits: the page form and the API are two doors to the same room, so attempts
# through either count against one allowance (per address, and per account across addresses).
SIGNUP_LIMIT = limiter.shared_limit(_signup_limit, scope="signup", methods=["POST"])
# Log-in limits fail closed: while their storage is down, no password is checked at all.
LOGIN_LIMIT_PER_ACCOUNT = limiter.shared_limit(
    _login_limit_account,
    key_func=login_account_key,
    scope="login-account",
    deduct_when=failed_attempt,
    fail_closed=True,
)
# Every request that mails an address (reset link, sign-up, new address, link sent again)
# counts against that address's allowance, so nobody can flood someone's mailbox from many IPs.
MAIL_LIMIT_PER_ADDRESS = limiter.shared_limit(
    _mail_limit_address,
    key_func=mail_address_key,
    scope="mail-address",
    methods=["POST"],
    deduct_when=mail_accepted,
)
MAIL_LIMIT_PER_IP = limiter.shared_limit(_mail_limit_ip, scope="mail-ip", methods=["POST"])
LOGIN_LIMITS = (
    limiter.shared_limit(_login_limit_ip, scope="login-ip", fail_closed=True),
    LOGIN_LIMIT_PER_ACCOUNT,
)


@LOGIN_LIMIT_PER_ACCOUNT
def count_password_attempt() -> None:
    """Count a re-entered password against the account's login allowance (no guessing)."""
