"""Who is making the request: the session cookie (versioned) or a bearer token; and the guards
that keep a page to those who may see it."""

from __future__ import annotations

from collections.abc import Callable
from functools import wraps
from typing import Any

import sqlalchemy as sa
from flask import Flask, Request, Response, flash, redirect, request, session
from flask.sessions import SecureCookieSessionInterface, SessionMixin
from flask_login import current_user, login_required
from flask_login.utils import login_url
from itsdangerous import URLSafeTimedSerializer

from network.accounts import queries
from network.accounts.models import Member
from network.accounts.policy import require_organiser
from network.extensions import login_manager
from network.translation import lazy_gettext as _l

View = Callable[..., Any]


def in_the_background() -> bool:
    """Tell whether the browser sent this request beside a page rather than as one: a page's
    script (`X-Requested-With: fetch`), or what a browser fetches on its own (a style sheet, an
    image, the service worker storing the app's shell). Browsers name a page load
    `Sec-Fetch-Mode: navigate`; one that sends no such header is judged by `X-Requested-With`
    alone."""
    if request.headers.get("X-Requested-With") == "fetch":
        return True
    mode = request.headers.get("Sec-Fetch-Mode")
    return mode is not None and mode != "navigate"


class SessionCookies(SecureCookieSessionInterface):
    """Flask's signed session cookie, its signer built once per app rather than twice a
    request (opening and saving the session each built one).

    Requests in the background (a page's scripts: the feed's refresh, a campaign's progress; the
    service worker storing the app's shell; style sheets and images) run beside the member's own
    clicks. Their answers write the cookie only when they changed the session: refreshing it as
    every page load does, an answer to a request that started before a form was sent and ended
    after it would put back the session from before the form (losing, say, the message the
    form's answer left for the next page)."""

    def should_set_cookie(self, app: Flask, session: SessionMixin) -> bool:
        if session.modified:
            return True
        if in_the_background():
            return False
        return super().should_set_cookie(app, session)

    def get_signing_serializer(self, app: Flask) -> URLSafeTimedSerializer | None:
        signer: URLSafeTimedSerializer | None = app.extensions.get("session_signer")
        if signer is None:
            signer = super().get_signing_serializer(app)
            if signer is not None:
                app.extensions["session_signer"] = signer
        return signer


def init_login(app: Flask) -> None:
    """Wire Flask-Login to members, on signed session cookies."""
    app.session_interface = SessionCookies()
    login_manager.init_app(app)
    login_manager.login_view = "accounts.login"
    login_manager.login_message = _l("Please log in to see this page.")
    login_manager.login_message_category = "info"
    login_manager.session_protection = "basic"


@login_manager.unauthorized_handler
def _unauthorised() -> Response:
    """Send a visitor to the log-in page, with one message at most."""
    if in_the_background():
        # A page's script refreshing part of itself (or any request beside a page): no page,
        # and no flashed message used up or added (the feed refreshes as the member logs out,
        # which would show two or none).
        return Response(status=401)
    if not session.get("_flashes"):
        # A message already waiting ("You are logged out.") says enough.
        flash(str(login_manager.login_message), login_manager.login_message_category)
    return redirect(login_url("accounts.login", request.url))  # type: ignore[return-value]


def _loading(load: Callable[[], Member | None]) -> Member | None:
    try:
        return load()
    except sa.exc.OperationalError:
        # The database is unreachable. Settle on "nobody" for the rest of the request, so
        # the 503 answer (its page, its headers) does not ask the database again and crash.
        login_manager._update_request_context_with_user(None)
        raise


@login_manager.user_loader
def _load_from_session(session_id: str) -> Member | None:
    # A request that names a token is judged by that token alone: a bad token beside a
    # valid cookie must be refused, not quietly served as the cookie's member.
    if request.headers.get("Authorization"):
        return None
    return _loading(lambda: queries.member_for_session(session_id))


@login_manager.request_loader
def _load_from_token(request: Request) -> Member | None:
    header = request.headers.get("Authorization", "")
    scheme, _sep, secret = header.partition(" ")
    if scheme.lower() != "bearer" or not secret.strip():
        return None
    return _loading(lambda: queries.member_for_token(secret.strip()))


def members_who(check: Callable[[Member], None]) -> Callable[[View], View]:
    """Make a page decorator: log the visitor in, then `check` them (the services check again)."""

    def guard(view: View) -> View:
        @wraps(view)
        @login_required
        def guarded(*args: Any, **kwargs: Any) -> Any:
            check(current_user._get_current_object())
            return view(*args, **kwargs)

        return guarded

    return guard


# Refuse the page to anyone but organisers.
organisers_only = members_who(require_organiser)
