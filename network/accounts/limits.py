"""Rate limits of the account doors: sign-up, log-in and mail to an address.

The page forms and the API are two doors to the same room: both import these limits, so
attempts through either count against one allowance."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from flask import Response, g, request
from flask_login import current_user

from network.accounts.addresses import normalise_email
from network.accounts.services import WRONG_PASSWORD
from network.errors import ServiceError
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
    """Key log-in attempts by the account (the address) they target, whatever IP they come from."""
    return "account:" + _email_in_request()


def member_password_key() -> str:
    """Key a logged-in member's re-entered password by that member, never by the request body.

    Changing the password or the address, deleting the account, creating a token: the forms
    have no address, and a field added to the body must not open a fresh allowance."""
    try:
        return f"member:{int(current_user.id)}" if current_user.is_authenticated else "member:?"
    except Exception:  # a key function must never raise
        return "member:?"


def member_account_key() -> str:
    """Key a logged-in member's re-entered password as log-in attempts on their address are."""
    try:
        address = current_user.email if current_user.is_authenticated else "?"
        return "account:" + normalise_email(address)
    except Exception:  # a key function must never raise
        return "account:?"


def mail_submitted_address_key() -> str:
    """Key by the address a reset or sign-up mails: the submitted one, normalised."""
    return "mail:" + _email_in_request()


def mail_new_address_key() -> str:
    """Key an address change by the new address, the one its link is mailed to."""
    return "mail:" + _email_in_request("new_email")


def mail_own_address_key() -> str:
    """Key "send the link again" by the member's own address, the one it mails."""
    try:
        address = current_user.email if current_user.is_authenticated else "?"
        return "mail:" + normalise_email(address)
    except Exception:  # a key function must never raise
        return "mail:?"


def failed_attempt(response: Response) -> bool:
    """Tell whether a password attempt failed: only failures use up an account's allowance."""
    # Success is a redirect (pages) or a created token (API); anything else is a failure,
    # including a form shown again with an error.
    return response.status_code not in (201, 302, 303)


def wrong_password(response: Response) -> bool:
    """Tell whether the request's password check refused the password (see note_password_refusal).

    A right password costs nothing, whatever else the form got wrong (a weak new password)."""
    return bool(g.get("wrong_password", False))


def note_password_refusal(error: ServiceError) -> None:
    """Remember that a re-entered password was wrong, so the member's allowance is used up."""
    if error.code == WRONG_PASSWORD:
        g.wrong_password = True


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
# One scope, three keys: each door is keyed by the address it will actually mail, normalised
# as the service stores it, so all doors to one mailbox share one count.
def _mail_limit(key_func: Callable[[], str]) -> Any:
    return limiter.shared_limit(
        _mail_limit_address,
        key_func=key_func,
        scope="mail-address",
        methods=["POST"],
        deduct_when=mail_accepted,
    )


MAIL_LIMIT_PER_ADDRESS = _mail_limit(mail_submitted_address_key)  # reset, sign-up
MAIL_LIMIT_PER_NEW_ADDRESS = _mail_limit(mail_new_address_key)  # address change
MAIL_LIMIT_PER_OWN_ADDRESS = _mail_limit(mail_own_address_key)  # the link sent again
MAIL_LIMIT_PER_IP = limiter.shared_limit(_mail_limit_ip, scope="mail-ip", methods=["POST"])
LOGIN_LIMIT_PER_IP = limiter.shared_limit(_login_limit_ip, scope="login-ip", fail_closed=True)
LOGIN_LIMITS = (LOGIN_LIMIT_PER_IP, LOGIN_LIMIT_PER_ACCOUNT)
# A logged-in member re-entering their password (to change it or the address, to delete the
# account, to create a token): keyed by the member, never by the body, and counted only when the
# password is wrong -- against the member (by id, so a new address opens no new allowance) and
# against the account's log-in allowance (so guesses through a session and through the log-in
# share one count); and, like every log-in, against the client's address.
PASSWORD_RECHECK_LIMITS = (
    LOGIN_LIMIT_PER_IP,
    limiter.shared_limit(
        _login_limit_account,
        key_func=member_password_key,
        scope="password-recheck",
        deduct_when=wrong_password,
        fail_closed=True,
    ),
    limiter.shared_limit(
        _login_limit_account,
        key_func=member_account_key,
        scope="login-account",
        deduct_when=wrong_password,
        fail_closed=True,
    ),
)


def _password_allowance() -> None:
    """Refuse (429) a re-entered password once the member or the client used up its allowance.

    Called before the password is checked; only a wrong password is then counted against the
    member (see note_password_refusal), every attempt against the client."""


check_password_allowance = _password_allowance
for _limit in reversed(PASSWORD_RECHECK_LIMITS):
    check_password_allowance = _limit(check_password_allowance)
