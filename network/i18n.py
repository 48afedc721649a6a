"""Dutch and English: the member's choice, else the visitor's choice, else Accept-Language."""

from __future__ import annotations

from flask import Flask, has_request_context, session
from flask_babel import get_locale
from flask_login import current_user

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


def init_app(app: Flask) -> None:
    """Configure Flask-Babel and expose the current language to templates."""
    babel.init_app(app, locale_selector=select_locale)

    @app.context_processor
    def _language() -> dict[str, str]:
        return {"current_locale": str(get_locale() or "en")}
