"""Translating the app's texts: Flask-Babel's catalogues, looked up once per language in force.

Flask-Babel's `gettext` finds the language and its catalogue again at every call: three lookups
of its state through Flask's `g` and the locale's name built anew, ~7.5 µs for a text that the
catalogue itself gives in 0.15 µs. A page asks for a couple of hundred texts (labels, buttons,
the actions of every alert on it), so that was a tenth of rendering the feed.

`translations()` keeps the catalogue it found beside Flask-Babel's own state for the context
(`g._flask_babel`), with the locale and domain it was found for, and gives it again while they
stay the same objects. Whatever changes the language goes through that state — Flask-Babel's
`force_locale` (mail in the member's language), `refresh` (a member who just chose another
language), a new request — so a change is seen at the next call. The functions below give what
Flask-Babel's functions of the same names give; Jinja gets them too (`init_app`)."""

from __future__ import annotations

from typing import Any

import flask_babel
from babel.support import NullTranslations
from flask import Flask, g
from flask_babel.speaklater import LazyString

STATE = "_flask_babel"  # where Flask-Babel keeps a context's locale, domain and time zone
FOUND = "network_translations"  # (locale, domain, catalogue) found for that state


def translations() -> NullTranslations:
    """Return the catalogue of the language in force (Flask-Babel's `get_translations`)."""
    if not g:  # no app context: Flask-Babel's empty catalogue
        return flask_babel.get_translations()
    state = g.get(STATE)
    if state is not None:
        found = getattr(state, FOUND, None)
        if (
            found is not None
            and found[0] is getattr(state, "babel_locale", None)
            and found[1] is getattr(state, "babel_domain", None)
        ):
            return found[2]
    catalogue = flask_babel.get_translations()
    state = g.get(STATE)
    if state is not None:  # Flask-Babel chose the locale and domain while finding it
        locale, domain = getattr(state, "babel_locale", None), getattr(state, "babel_domain", None)
        setattr(state, FOUND, (locale, domain, catalogue))
    return catalogue


def gettext(string: str, **variables: Any) -> str:
    """Translate `string` into the language in force, then fill in `variables`."""
    text = translations().ugettext(string)
    return text % variables if variables else text


def ngettext(singular: str, plural: str, num: int, **variables: Any) -> str:
    """Translate the form of `singular`/`plural` for `num` (also `%(num)s` in the text)."""
    variables.setdefault("num", num)
    return translations().ungettext(singular, plural, num) % variables


def lazy_gettext(string: str, **variables: Any) -> LazyString:
    """A text translated each time it is shown (a label defined at import)."""
    return LazyString(gettext, string, **variables)


def init_app(app: Flask) -> None:
    """Give templates the same lookups (after Flask-Babel installed its own)."""
    app.jinja_env.install_gettext_callables(  # type: ignore[attr-defined]
        gettext=lambda string: translations().ugettext(string),
        ngettext=lambda singular, plural, num: translations().ungettext(singular, plural, num),
        pgettext=lambda context, string: translations().upgettext(context, string),
        npgettext=lambda context, singular, plural, num: translations().unpgettext(
            context, singular, plural, num
        ),
        newstyle=True,
    )
