"""Translating the app's texts: Flask-Babel's catalogues, looked up once per language in force.

Flask-Babel's `gettext` finds the language and its catalogue again at every call: three lookups
of its state through Flask's `g` and the locale's name built anew, ~7.5 µs for a text that the
catalogue itself gives in 0.15 µs. A page asks for hundreds of texts (labels, buttons, the
actions of every alert on it): the feed page's 20 cards ask for over eight hundred.

`translations()` keeps the catalogue it found beside Flask-Babel's own state for the context
(`g._flask_babel`), with the locale and domain it was found for, and gives it again while they
stay the same objects. Whatever changes the language goes through that state — Flask-Babel's
`force_locale` (mail in the member's language), `refresh` (a member who just chose another
language), a new request — so a change is seen at the next call. The functions below give what
Flask-Babel's functions of the same names give; Jinja gets them too (`init_app`)."""

from __future__ import annotations

from typing import Any, NamedTuple

import flask_babel
from babel.support import NullTranslations
from flask import Flask, g
from flask_babel.speaklater import LazyString
from jinja2 import pass_eval_context
from jinja2.nodes import EvalContext
from markupsafe import Markup

STATE = "_flask_babel"  # where Flask-Babel keeps a context's locale, domain and time zone
FOUND = "network_translations"  # what was found for that state (Found)


class Found(NamedTuple):
    """The catalogue found for a context's locale and domain, and the texts worded with it."""

    locale: Any
    domain: Any
    catalogue: NullTranslations
    # A template's texts without variables, worded once: (text, escaped) → what it shows.
    worded: dict[tuple[str, bool], str]


def _found() -> Found | None:
    """Return what was found for the language in force; None outside an app context."""
    try:
        state = getattr(g, STATE)  # one lookup through Flask's proxy: each costs about a µs
    except RuntimeError:  # no app context: Flask-Babel's empty catalogue
        return None
    except AttributeError:  # Flask-Babel has not made its state for this context yet
        state = None
    if state is not None:
        found: Found | None = getattr(state, FOUND, None)
        if (
            found is not None
            and found.locale is getattr(state, "babel_locale", None)
            and found.domain is getattr(state, "babel_domain", None)
        ):
            return found
    catalogue = flask_babel.get_translations()
    # Flask-Babel chose the locale and domain (and made its state) while finding the catalogue.
    state = g.get(STATE)
    locale, domain = getattr(state, "babel_locale", None), getattr(state, "babel_domain", None)
    found = Found(locale, domain, catalogue, {})
    if state is not None:
        setattr(state, FOUND, found)
    return found


def translations() -> NullTranslations:
    """Return the catalogue of the language in force (Flask-Babel's `get_translations`)."""
    found = _found()
    return flask_babel.get_translations() if found is None else found.catalogue


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


def shown(text: str, escape: bool, variables: dict[str, Any]) -> str:
    """A catalogue's text as a template shows it, as Jinja's i18n extension (newstyle) does:
    always a format string, the catalogue's text trusted and the values escaped where the
    template escapes."""
    return (Markup(text) if escape else text) % variables  # noqa: S704 (the catalogue's text)


def shown_once(
    worded: dict[tuple[str, bool], str], catalogue: NullTranslations, string: str, escape: bool
) -> str:
    """A text without values as a template shows it, worded once into `worded` and kept."""
    found = worded.get((string, escape))
    if found is None:
        found = worded[string, escape] = shown(catalogue.ugettext(string), escape, {})
    return found


def shown_plural(
    catalogue: NullTranslations,
    escape: bool,
    singular: str,
    plural: str,
    num: int,
    variables: dict[str, Any],
) -> str:
    """The form for `num` as a template shows it (`%(num)s` filled in too)."""
    variables.setdefault("num", num)
    return shown(catalogue.ungettext(singular, plural, num), escape, variables)


@pass_eval_context
def template_gettext(eval_context: EvalContext, string: str, **variables: Any) -> str:
    """`_()` and `gettext()` in templates, shown as Jinja's i18n extension shows them. A text
    without variables is worded once per language and request: a page repeats its buttons and
    labels on every card. It takes the evaluation context, not the template's: Jinja gives a
    function that takes the template's context, when called in a loop or block with variables
    of its own, a copy of the whole context at every call."""
    found = _found()
    escape = bool(eval_context.autoescape)
    if found is None:
        return shown(translations().ugettext(string), escape, variables)
    if variables:
        return shown(found.catalogue.ugettext(string), escape, variables)
    return shown_once(found.worded, found.catalogue, string, escape)


@pass_eval_context
def template_ngettext(
    eval_context: EvalContext, singular: str, plural: str, num: int, **variables: Any
) -> str:
    """`ngettext()` in templates, shown as Jinja's i18n extension shows it."""
    escape = bool(eval_context.autoescape)
    return shown_plural(translations(), escape, singular, plural, num, variables)


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
    # In place of the extension's wrappers (and its `_`, which looks `gettext` up again at
    # every call): the same answers, the constant texts worded once a request. `{% trans %}`
    # blocks call `gettext` and `ngettext` too. A template rendered with its own `_`, `gettext`
    # and `ngettext` in its context (mail in a member's language) keeps using those.
    app.jinja_env.globals.update(
        _=template_gettext, gettext=template_gettext, ngettext=template_ngettext
    )
