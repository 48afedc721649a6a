"""Dutch and English: the member's choice, else the visitor's choice, else Accept-Language.

Times: in the member's own time zone (pages, and mail inside `member_zone`); a visitor's page
carries UTC and names the moment in `<time datetime>`, which site.js shows in the browser's zone.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import contextmanager
from datetime import UTC, datetime
from typing import Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from babel import Locale, numbers
from babel.dates import get_timezone_location
from babel.support import NullTranslations
from flask import Flask, has_request_context, session
from flask_babel import force_locale, format_datetime, get_locale, get_timezone, get_translations
from flask_login import current_user
from jinja2 import pass_eval_context
from jinja2.nodes import EvalContext
from markupsafe import Markup

from network import translation
from network.extensions import babel
from network.settings import settings
from network.translation import gettext as _
from network.translation import shown, shown_once, shown_plural

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


class Language:
    """One language's translations and number formats, looked up once rather than per call.

    Flask-Babel finds the locale and the catalogue again at every call (from the app context);
    code that words many messages in a few languages (a digest batch) binds each language once.
    Every method gives what Flask-Babel's function of the same name gives in that locale."""

    def __init__(self, locale: Locale, translations: NullTranslations) -> None:
        self.locale = locale
        self.translations = translations
        # The same figures recur in every message of a batch: each is formatted once.
        self._formatted: dict[tuple[str, type, Any, str | None], str] = {}

    @classmethod
    def of(cls, code: str) -> Language:
        """Return the language Flask-Babel would use inside `force_locale(code)`."""
        with force_locale(code):
            locale = get_locale()
            assert locale is not None, "a language needs an app context"
            return cls(locale, get_translations())

    def gettext(self, string: str, **variables: Any) -> str:
        text = self.translations.ugettext(string)
        return text % variables if variables else text

    def ngettext(self, singular: str, plural: str, num: int, **variables: Any) -> str:
        variables.setdefault("num", num)
        return self.translations.ungettext(singular, plural, num) % variables

    def format_number(self, number: Any) -> str:
        return self._format("decimal", number, None, numbers.format_decimal)

    def format_decimal(self, number: Any, format: str | None = None) -> str:
        return self._format("decimal", number, format, numbers.format_decimal)

    def format_percent(self, number: Any, format: str | None = None) -> str:
        return self._format("percent", number, format, numbers.format_percent)

    def _format(
        self, kind: str, number: Any, pattern: str | None, formatter: Callable[..., str]
    ) -> str:
        key = (kind, type(number), number, pattern)
        found = self._formatted.get(key)
        if found is None:
            found = self._formatted[key] = formatter(number, format=pattern, locale=self.locale)
        return found

    def template_callables(self) -> dict[str, Callable[..., str]]:
        """Return `_`, `gettext` and `ngettext` for a template's context, in this language.

        They behave as the ones Flask-Babel installs in Jinja (newstyle: always a format string,
        escaped in autoescaped templates), without finding the language again at every call, and
        take the evaluation context rather than the template's (which Jinja would copy at every
        call from a loop or block that sets variables)."""
        translations = self.translations
        # A text without variables comes out the same every time: kept once translated.
        constant: dict[tuple[str, bool], str] = {}

        @pass_eval_context
        def gettext(eval_context: EvalContext, string: str, **variables: Any) -> str:
            escape = bool(eval_context.autoescape)
            if variables:
                return shown(translations.ugettext(string), escape, variables)
            return shown_once(constant, translations, string, escape)

        @pass_eval_context
        def ngettext(
            eval_context: EvalContext, singular: str, plural: str, num: int, **variables: Any
        ) -> str:
            escape = bool(eval_context.autoescape)
            return shown_plural(translations, escape, singular, plural, num, variables)

        return {"_": gettext, "gettext": gettext, "ngettext": ngettext}


def init_app(app: Flask) -> None:
    """Configure Flask-Babel and expose the current language and `moment` to templates."""
    babel.init_app(app, locale_selector=select_locale, timezone_selector=select_timezone)
    translation.init_app(app)
    app.jinja_env.globals["moment"] = moment

    @app.context_processor
    def _language() -> dict[str, str]:
        return {"current_locale": str(get_locale() or "en")}
