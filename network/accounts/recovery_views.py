"""Pages: forgotten password, links mailed to members, the address, API tokens."""

from __future__ import annotations

from flask import flash, redirect, render_template, url_for
from flask_login import current_user, login_required
from werkzeug.wrappers import Response

from network.accounts import links, recovery, services
from network.accounts.forms import (
    EmailChangeForm,
    ForgotPasswordForm,
    ResendVerificationForm,
    ResetPasswordForm,
    TokenForm,
)
from network.accounts.limits import (
    MAIL_LIMIT_PER_ADDRESS,
    MAIL_LIMIT_PER_IP,
    MAIL_LIMIT_PER_NEW_ADDRESS,
    MAIL_LIMIT_PER_OWN_ADDRESS,
    check_password_allowance,
    note_password_refusal,
)
from network.accounts.models import Member
from network.accounts.schemas import RESET_SENT
from network.accounts.views import accounts
from network.errors import ServiceError
from network.forms import show_service_error
from network.translation import gettext as _


def _me() -> Member:
    member: Member = current_user._get_current_object()
    return member


@accounts.route("/password/forgot", methods=["GET", "POST"])
@MAIL_LIMIT_PER_IP
@MAIL_LIMIT_PER_ADDRESS
def forgot_password() -> str | Response:
    """Ask for a password-reset link; the answer never tells whether the address is known."""
    form = ForgotPasswordForm()
    if form.validate_on_submit():
        recovery.request_password_reset(form.email.data or "")
        flash(str(RESET_SENT), "info")
        return redirect(url_for("accounts.forgot_password"))
    return render_template("accounts/forgot.html", form=form)


@accounts.route("/password/reset/<token>", methods=["GET", "POST"])
def reset_password(token: str) -> str | Response:
    """Choose a new password from a mailed link; every session and token ends."""
    form = ResetPasswordForm()
    if links.member_for_reset(token) is None:
        flash(_("This link has expired or was already used. Ask for a new one."), "error")
        return redirect(url_for("accounts.forgot_password"))
    if form.validate_on_submit():
        try:
            recovery.reset_password(token, form.password.data or "")
        except ServiceError as error:
            if error.fields:
                show_service_error(form, error)
            else:
                flash(error.message, "error")
                return redirect(url_for("accounts.forgot_password"))
        else:
            flash(_("Your new password is set. Log in with it."), "success")
            return redirect(url_for("accounts.login"))
    return render_template("accounts/reset.html", form=form)


@accounts.get("/verify-email/<token>")
def verify_email(token: str) -> Response:
    """Confirm the member's address from the mailed link."""
    try:
        recovery.verify_email(token)
    except ServiceError as error:
        flash(error.message, "error")
    else:
        flash(_("Thank you, your email address is confirmed."), "success")
    target = "accounts.profile" if current_user.is_authenticated else "accounts.login"
    return redirect(url_for(target))


@accounts.post("/profile/verify-email")
@login_required
@MAIL_LIMIT_PER_IP
@MAIL_LIMIT_PER_OWN_ADDRESS
def resend_verification() -> Response:
    """Mail the link that confirms the address again."""
    if ResendVerificationForm().validate_on_submit():
        recovery.send_verification(_me())
        flash(_("We sent the link again. Look in your mailbox (and the spam folder)."), "info")
    return redirect(url_for("accounts.profile"))


@accounts.route("/profile/email", methods=["GET", "POST"])
@login_required
@MAIL_LIMIT_PER_IP
@MAIL_LIMIT_PER_NEW_ADDRESS
def change_email() -> str | Response:
    """Ask to change the address; it changes once the link mailed to the new one is followed."""
    form = EmailChangeForm()
    if form.validate_on_submit():
        check_password_allowance()
        try:
            recovery.request_email_change(
                _me(), password=form.password.data or "", new_email=form.new_email.data or ""
            )
        except ServiceError as error:
            note_password_refusal(error)
            show_service_error(form, error)
        else:
            flash(
                _(
                    "We sent a link to the new address. Your address changes when you follow "
                    "it; until then you keep the old one."
                ),
                "info",
            )
            return redirect(url_for("accounts.profile"))
    return render_template("accounts/email.html", form=form)


@accounts.get("/profile/email/<token>")
def confirm_email_change(token: str) -> Response:
    """Make the new address the member's own, from the link mailed to it."""
    try:
        recovery.confirm_email_change(token)
    except ServiceError as error:
        flash(error.message, "error")
    else:
        flash(_("Your new email address is confirmed and in use."), "success")
    target = "accounts.profile" if current_user.is_authenticated else "accounts.login"
    return redirect(url_for(target))


@accounts.post("/profile/tokens")
@login_required
def create_token() -> str | Response | tuple[str, int]:
    """Create an API token from the profile page; its secret is shown this once."""
    member = _me()
    form = TokenForm(prefix="token")
    if form.validate_on_submit():
        check_password_allowance()
        try:
            token, secret = services.create_own_token(
                member, password=form.password.data or "", name=form.name.data or ""
            )
        except ServiceError as error:
            note_password_refusal(error)
            show_service_error(form, error)
        else:
            # Rendered, not redirected: a flashed secret would travel in the session cookie.
            return render_template("accounts/token.html", token=token, secret=secret), 201
    return render_template("accounts/profile_token.html", token_form=form)
