"""Pages: join, log in and out, profile, password, delete account."""

from __future__ import annotations

from urllib.parse import urlsplit

from flask import Blueprint, flash, redirect, render_template, request, session, url_for
from flask_login import current_user, login_required, login_user, logout_user
from werkzeug.wrappers import Response

from network.accounts import recovery, services
from network.accounts.forms import (
    DeleteAccountForm,
    LoginForm,
    PasswordForm,
    PreferencesForm,
    RevokeTokenForm,
    SignUpForm,
    TokenForm,
)
from network.accounts.limits import (
    LOGIN_LIMITS,
    MAIL_LIMIT_PER_ADDRESS,
    SIGNUP_LIMIT,
    check_password_allowance,
    note_password_refusal,
)
from network.accounts.models import Member
from network.accounts.queries import tokens_of
from network.accounts.schemas import JOIN_SENT
from network.errors import ServiceError
from network.forms import show_service_error
from network.guidance.queries import practice_record
from network.translation import gettext as _

accounts = Blueprint("accounts", __name__)


def _me() -> Member:
    member: Member = current_user._get_current_object()
    return member


def local_target(target: str) -> str | None:
    """Return the target if it is a path on this site, else None (no open redirects)."""
    # Browsers drop tabs and newlines and read backslashes as slashes, so "/\t/evil.example"
    # and "/\\evil.example" would leave the site; anything unusual is refused outright.
    if not target.startswith("/") or target.startswith("//") or "\\" in target:
        return None
    if any(ord(character) < 0x21 or ord(character) == 0x7F for character in target):
        return None
    parts = urlsplit(target)
    return target if not (parts.scheme or parts.netloc) else None


@accounts.route("/join", methods=["GET", "POST"])
@SIGNUP_LIMIT  # counts sign-ups (POST) only; showing the form is free
@MAIL_LIMIT_PER_ADDRESS  # a sign-up mails the address (a link, or a notice to its owner)
def join() -> str | Response:
    """Sign up to the movement."""
    if current_user.is_authenticated:
        return redirect(url_for("pages.home"))
    form = SignUpForm()
    if request.method == "GET":
        form.locale.data = session.get("locale") or request.accept_languages.best_match(
            ["en", "nl"]
        )
    if form.validate_on_submit():
        try:
            recovery.join(
                email=form.email.data or "",
                password=form.password.data or "",
                display_name=form.display_name.data or "",
                locale=form.locale.data or "en",
                time_zone=form.time_zone.data or "",
                pledge_accepted=bool(form.pledge_accepted.data),
            )
        except ServiceError as error:
            show_service_error(form, error)
        else:
            # The same answer for a new and a registered address: nobody is logged in here
            # (that would tell the two apart); the new member logs in with their password.
            return redirect(url_for("accounts.join_sent"))
    return render_template("accounts/join.html", form=form)


@accounts.get("/join/sent")
def join_sent() -> str:
    """Tell a new member to look in their mailbox, and that they can log in right away."""
    return render_template("accounts/join_sent.html", message=JOIN_SENT)


@accounts.route("/login", methods=["GET", "POST"])
def login() -> str | Response:
    """Log in with email and password."""
    form = LoginForm()
    if form.validate_on_submit():
        try:
            member = _limited_authenticate(form.email.data or "", form.password.data or "")
        except ServiceError as error:
            flash(error.message, "error")
        else:
            session.clear()  # a fresh session: nothing from before the login carries over
            session.permanent = True
            login_user(member)
            return redirect(local_target(request.args.get("next", "")) or url_for("pages.home"))
    return render_template("accounts/login.html", form=form)


def _authenticate(email: str, password: str) -> Member:
    return services.authenticate(email, password)


_limited_authenticate = _authenticate
for _limit in reversed(LOGIN_LIMITS):
    _limited_authenticate = _limit(_limited_authenticate)


@accounts.post("/logout")
@login_required
def logout() -> Response:
    """Log out and revoke the session so it cannot be replayed."""
    services.end_sessions(_me())
    logout_user()
    session.clear()
    flash(_("You are logged out."), "info")
    return redirect(url_for("pages.home"))


@accounts.post("/language")
def choose_language() -> Response:
    """Switch the interface language (members: saved in their profile)."""
    locale = request.form.get("locale", "")
    if locale in {"en", "nl"}:
        session["locale"] = locale
        if current_user.is_authenticated:
            services.update_preferences(_me(), locale=locale)
    return redirect(local_target(request.form.get("next", "")) or url_for("pages.home"))


@accounts.route("/profile", methods=["GET", "POST"])
@login_required
def profile() -> str | Response:
    """Show and change profile and preferences."""
    member = _me()
    form = PreferencesForm(obj=member)
    if form.validate_on_submit():
        try:
            services.update_preferences(
                member,
                display_name=form.display_name.data,
                locale=form.locale.data,
                time_zone=form.time_zone.data,
                digest_frequency=form.digest_frequency.data,
                campaign_mail=bool(form.campaign_mail.data),
                platforms=form.platforms.data or [],
                languages=form.languages.data or [],
                comfortable_actions=form.comfortable_actions.data or [],
                asks_per_week=form.asks_per_week.data,
            )
        except ServiceError as error:
            show_service_error(form, error)
        else:
            flash(_("Your preferences are saved."), "success")
            return redirect(url_for("accounts.profile"))
    return render_template(
        "accounts/profile.html",
        form=form,
        member=member,
        tokens=tokens_of(member),
        token_form=TokenForm(formdata=None, prefix="token"),
        practice=practice_record(member),
    )


@accounts.route("/profile/password", methods=["GET", "POST"])
@login_required
def change_password() -> str | Response:
    """Change the password; every other session is logged out."""
    member = _me()
    form = PasswordForm()
    if form.validate_on_submit():
        check_password_allowance()
        try:
            services.change_password(
                member,
                current_password=form.current_password.data or "",
                new_password=form.new_password.data or "",
            )
        except ServiceError as error:
            note_password_refusal(error)
            show_service_error(form, error)
        else:
            login_user(member)  # this session carries the new version; the others no longer match
            flash(_("Your password is changed. Other sessions have been logged out."), "success")
            return redirect(url_for("accounts.profile"))
    return render_template("accounts/password.html", form=form)


@accounts.route("/profile/delete", methods=["GET", "POST"])
@login_required
def delete_account() -> str | Response:
    """Erase the account after confirmation with the password."""
    form = DeleteAccountForm()
    if form.validate_on_submit():
        check_password_allowance()
        try:
            services.delete_account(_me(), password=form.password.data or "")
        except ServiceError as error:
            note_password_refusal(error)
            show_service_error(form, error)
        else:
            logout_user()
            session.clear()
            flash(_("Your account has been deleted. Thank you for standing up."), "info")
            return redirect(url_for("pages.home"))
    return render_template("accounts/delete.html", form=form)


@accounts.post("/profile/tokens/<int:token_id>/revoke")
@login_required
def revoke_token(token_id: int) -> Response:
    """Revoke one API token from the profile page."""
    form = RevokeTokenForm()
    if form.validate_on_submit():
        try:
            services.revoke_token(_me(), token_id)
        except ServiceError as error:
            flash(error.message, "error")
        else:
            flash(_("The token is revoked."), "success")
    return redirect(url_for("accounts.profile"))
