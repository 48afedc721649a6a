"""Dutch and English: the member's choice, else the visitor's choice, else Accept-Language.

Times: in the member's own time zone (pages, and mail inside `member_zone`); a visitor's page
carries UTC and names the moment in `<time datetime>`, which site.js shows in the browser's zone.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, datetime
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from babel.dates import get_timezone_location
from flask import Flask, has_request_context, session
from flask_babel import format_datetime, get_locale, get_timezone
from flask_babel import gettext as _
from flask_login import current_user
from markupsafe import Markup

from network.extensions import babel
from network.settings import settings

LOCALES = ("en", "nl")


def select_locale() -> str:
    """Pick the language of this request."""
    from flask import request

    if not has_request_context():  # the CLI and Celery tasks: the site's default language
        return settings().default_locale
    if current_user and current_user.is_authenticated and current_user.locale in LOCALES:
        return str(current_user.locale)
    chosen = session.get("locale")
    if chosen in LOCALES:
        return str(chosen)
    return request.accept_languages.best_match(LOCALES) or "en"


def known_zone(name: str | None) -> str | None:
    """Return `name` if it is a time zone this machine knows, else None."""
    if not name:
        return None
    try:
        ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError):
        return None
    return name


def select_timezone() -> str | None:
    """Pick the time zone of this request: the member's own; None (UTC) for visitors."""
    if has_request_context() and current_user and current_user.is_authenticated:
        return known_zone(current_user.time_zone)
    return None


@contextmanager
def member_zone(time_zone: str | None) -> Iterator[None]:
    """Format times in `time_zone` inside this block (mail and pushes for one member)."""
    from flask_babel import _get_current_context
    from pytz import timezone

    state = _get_current_context()  # where Flask-Babel keeps this context's choices
    if state is None:
        yield
        return
    before = getattr(state, "babel_tzinfo", None)
    state.babel_tzinfo = timezone(known_zone(time_zone) or "UTC")
    try:
        yield
    finally:
        state.babel_tzinfo = before


def moment(value: datetime | None, style: str = "short", *, zone: bool = False) -> Markup:
    """Render a moment as `<time>` in the reader's zone and language; `zone` names the zone.

    A member's page shows their own zone; a visitor's shows UTC, marked for site.js to show in
    the browser's zone."""
    if value is None:
        return Markup("")
    aware = value if value.tzinfo else value.replace(tzinfo=UTC)
    text = format_datetime(aware, style)
    if zone:
        city = get_timezone_location(get_timezone(), locale=get_locale(), return_city=True)
        text = _("%(time)s (%(zone)s time)", time=text, zone=city)
    iso = aware.astimezone(UTC).isoformat().replace("+00:00", "Z")
    if has_request_context() and not (current_user and current_user.is_authenticated):
        opening = Markup('<time datetime="{}" data-local="{}"{}>').format(
            iso, style, Markup(" data-zone") if zone else ""
        )
        return opening + text + Markup("</time>")
    return Markup('<time datetime="{}">').format(iso) + text + Markup("</time>")


def init_app(app: Flask) -> None:
    """Configure Flask-Babel and expose the current language and `moment` to templates."""
    babel.init_app(app, locale_selector=select_locale, timezone_selector=select_timezone)
    app.jinja_env.globals["moment"] = moment

    @app.context_processor
    def _language() -> dict[str, str]:
        return {"current_locale": str(get_locale() or "en")}
