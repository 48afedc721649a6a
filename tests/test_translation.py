"""The app's own translation lookups (network/translation.py) give what Flask-Babel's give.

They keep the catalogue found for the language in force; every way the language changes
(another request, `force_locale` for mail, `refresh` after a member chose a language) must be
seen at the next call, and every text of the catalogue must come out as Flask-Babel words it."""

from __future__ import annotations

import ast
import re
from collections.abc import Callable
from typing import Any

import flask_babel
import pytest
from flask import Flask, render_template_string, session
from flask_babel import force_locale, refresh
from hypothesis import given
from hypothesis import strategies as st
from markupsafe import Markup

from network import translation
from network.vocabulary import ACTION_LABELS, ACTION_TEXTS, ActionType, action_info
from tests.harness import standalone_app
from tests.test_i18n import DUTCH, ENGLISH, ROOT, forms, load_catalogue, placeholders

CATALOGUE = load_catalogue()
SINGULAR = sorted(str(m.id) for m in CATALOGUE if m.id and isinstance(m.id, str))
PLURAL = sorted((m.id[0], m.id[1]) for m in CATALOGUE if m.id and not isinstance(m.id, str))
# One message whose Dutch and English texts differ, to tell which language came out.
SAMPLE = "Campaigns"
SAMPLE_NL = dict((str(m.id), forms(m.string)[0]) for m in CATALOGUE if m.id == SAMPLE)[SAMPLE]


@pytest.fixture(scope="module")
def plain_app(tmp_path_factory: pytest.TempPathFactory) -> Flask:
    return standalone_app(tmp_path_factory.mktemp("translation"), migrate=False)


@pytest.fixture
def in_language(plain_app: Flask) -> Callable[[dict[str, str]], Any]:
    def request_in(headers: dict[str, str]) -> Any:
        return plain_app.test_request_context("/", headers=headers)

    return request_in


def values_for(text: str) -> dict[str, Any]:
    """Values for a message's placeholders, so it can be filled in."""
    return {name: 3 for name in placeholders([text])}


def test_the_sample_message_differs_between_the_languages() -> None:
    # Else the tests below could not tell the languages apart.
    assert SAMPLE_NL and SAMPLE_NL != SAMPLE


@pytest.mark.parametrize("headers", [DUTCH, ENGLISH], ids=["nl", "en"])
def test_every_message_comes_out_as_flask_babel_words_it(
    in_language: Callable[[dict[str, str]], Any], headers: dict[str, str]
) -> None:
    with in_language(headers):
        for text in SINGULAR:
            values = values_for(text)
            assert translation.gettext(text, **values) == flask_babel.gettext(text, **values)
            assert str(translation.lazy_gettext(text, **values)) == flask_babel.gettext(
                text, **values
            )
        for singular, plural in PLURAL:
            values = {k: v for k, v in values_for(singular + plural).items() if k != "num"}
            for num in (0, 1, 2, 7, 21):
                ours = translation.ngettext(singular, plural, num, **values)
                theirs = flask_babel.ngettext(singular, plural, num, **values)
                assert ours == theirs, (singular, num)


@given(text=st.text(max_size=40).filter(lambda t: "%" not in t))
def test_any_text_comes_out_as_flask_babel_words_it(plain_app: Flask, text: str) -> None:
    with plain_app.test_request_context("/", headers=DUTCH):
        assert translation.gettext(text) == flask_babel.gettext(text)
        if text and text not in SINGULAR:  # the empty text is the catalogue's header
            assert translation.gettext(text) == text


def test_a_request_gets_its_own_language(
    in_language: Callable[[dict[str, str]], Any],
) -> None:
    for headers, expected in [(DUTCH, SAMPLE_NL), (ENGLISH, SAMPLE), (DUTCH, SAMPLE_NL)]:
        with in_language(headers):
            assert translation.gettext(SAMPLE) == expected
            assert translation.gettext(SAMPLE) == expected  # the second call: the kept catalogue


def test_force_locale_is_seen_at_the_next_call_and_undone_after(
    in_language: Callable[[dict[str, str]], Any],
) -> None:
    with in_language(DUTCH):
        assert translation.gettext(SAMPLE) == SAMPLE_NL
        with force_locale("en"):
            assert translation.gettext(SAMPLE) == SAMPLE
            with force_locale("nl"):
                assert translation.gettext(SAMPLE) == SAMPLE_NL
            assert translation.gettext(SAMPLE) == SAMPLE
        assert translation.gettext(SAMPLE) == SAMPLE_NL
    with in_language(ENGLISH), force_locale("nl"):
        # Forced before the first call: the first catalogue found is the forced language's.
        assert translation.gettext(SAMPLE) == SAMPLE_NL


def test_refresh_after_choosing_a_language_is_seen(
    in_language: Callable[[dict[str, str]], Any],
) -> None:
    with in_language(ENGLISH):
        assert translation.gettext(SAMPLE) == SAMPLE
        session["locale"] = "nl"  # what the language switch stores for a visitor
        refresh()
        assert translation.gettext(SAMPLE) == SAMPLE_NL


def test_outside_a_request_the_default_language_and_outside_an_app_the_text(
    plain_app: Flask,
) -> None:
    assert translation.gettext("%(n)s left", n=2) == "2 left"
    assert translation.ngettext("%(num)d day", "%(num)d days", 3) == "3 days"
    with plain_app.app_context():  # the CLI and jobs: the site's default language (English here)
        assert translation.gettext(SAMPLE) == flask_babel.gettext(SAMPLE) == SAMPLE
        with force_locale("nl"):
            assert translation.gettext(SAMPLE) == SAMPLE_NL


def test_a_label_defined_once_is_worded_in_each_requests_language(
    in_language: Callable[[dict[str, str]], Any],
) -> None:
    label = translation.lazy_gettext(SAMPLE)
    with in_language(DUTCH):
        assert str(label) == SAMPLE_NL
    with in_language(ENGLISH):
        assert str(label) == SAMPLE


def test_templates_translate_fill_in_and_escape(
    in_language: Callable[[dict[str, str]], Any],
) -> None:
    singular, plural = next((s, p) for s, p in PLURAL if "%(num)d" in s)
    source = (
        "{{ _(text) }}|{{ _('%(who)s: ' ~ text, who=who) }}|{{ ngettext(one, many, 2) }}"
        "|{% trans %}Campaigns{% endtrans %}"
    )
    for headers in (DUTCH, ENGLISH):
        with in_language(headers):
            page = render_template_string(
                source, text=SAMPLE, who="<b>x</b>", one=singular, many=plural
            )
            expected = flask_babel.gettext(SAMPLE)
            assert page.split("|") == [
                expected,
                "&lt;b&gt;x&lt;/b&gt;: " + SAMPLE,  # an unknown text, its value escaped
                flask_babel.ngettext(singular, plural, 2),
                expected,
            ]


@pytest.mark.parametrize("headers", [DUTCH, ENGLISH], ids=["nl", "en"])
def test_each_actions_presentation_is_its_own_four_texts(
    in_language: Callable[[dict[str, str]], Any], headers: dict[str, str]
) -> None:
    with in_language(headers):
        for action in ActionType:
            info = action_info(action)
            description, visibility, risk = (text._args[0] for text in ACTION_TEXTS[action])
            assert (info.label, info.description, info.visibility, info.risk) == (
                flask_babel.gettext(ACTION_LABELS[action]._args[0]),
                flask_babel.gettext(description),
                flask_babel.gettext(visibility),
                flask_babel.gettext(risk),
            )
    assert set(ACTION_TEXTS) == set(ACTION_LABELS) == set(ActionType)


def test_the_app_translates_through_its_own_lookups() -> None:
    # Flask-Babel's gettext and friends are correct but find the catalogue at every call.
    lookups = {"gettext", "ngettext", "pgettext", "npgettext", "lazy_gettext", "lazy_ngettext"}
    found = []
    for path in sorted((ROOT / "network").rglob("*.py")):
        if path.name == "translation.py":
            continue
        for node in ast.walk(ast.parse(path.read_text(), filename=str(path))):
            if isinstance(node, ast.ImportFrom) and node.module == "flask_babel":
                found += [
                    f"{path.relative_to(ROOT)}:{node.lineno} {alias.name}"
                    for alias in node.names
                    if alias.name in lookups
                ]
    assert found == []


@pytest.mark.parametrize("headers", [DUTCH, ENGLISH], ids=["nl", "en"])
def test_every_message_in_a_template_shows_as_jinjas_i18n_extension_shows_it(
    plain_app: Flask, headers: dict[str, str]
) -> None:
    # Jinja's newstyle gettext: the catalogue's text trusted, always formatted, values escaped.
    texts = [text for text in SINGULAR if "%(" not in text][:400]
    source = (
        "{% for text in texts %}{% set shown = text %}{{ _(shown) }}\n{{ _(text) }}\n{% endfor %}"
    )
    with plain_app.test_request_context("/", headers=headers):
        shown = render_template_string(source, texts=texts).split("\n")
        expected = [str(Markup(flask_babel.gettext(text)) % {}) for text in texts]  # noqa: S704
        assert shown[:-1] == [line for text in expected for line in (text, text)]
        for text in [text for text in SINGULAR if "%(" in text][:200]:
            # Text where the message takes text, a number where it takes a number.
            numbers = set(re.findall(r"%\((\w+)\)d", text))
            values = {name: 3 if name in numbers else "<i>" for name in values_for(text)}
            page = render_template_string("{{ _(text, **values) }}", text=text, values=values)
            assert page == str(Markup(flask_babel.gettext(text)) % values)  # noqa: S704
        plain = plain_app.jinja_env.from_string(
            "{% autoescape false %}{{ _(t) }}{% endautoescape %}"
        )
        assert plain.render(t="Campaigns") == flask_babel.gettext("Campaigns")
        # Worded once escaped (above), a text is still plain text where nothing is escaped.
        kind = "{% set x = _(t) %}{{ x.__class__.__name__ }}"
        unescaped = "{% autoescape false %}" + kind + "{% endautoescape %}"
        assert plain_app.jinja_env.from_string(unescaped).render(t=texts[0]) == "str"
        assert render_template_string(kind, t=texts[0]) == "Markup"


def test_a_templates_own_wording_in_its_context_is_kept(plain_app: Flask) -> None:
    # Mail in a member's language passes its own `_`, `gettext` and `ngettext` to the template.
    from network.i18n import Language

    with plain_app.test_request_context("/", headers=ENGLISH):
        dutch = Language.of("nl").template_callables()
        page = render_template_string(
            "{{ _(t) }}|{% trans %}Campaigns{% endtrans %}|{{ _(t) }}", t="Campaigns", **dutch
        )
        assert page == f"{SAMPLE_NL}|{SAMPLE_NL}|{SAMPLE_NL}"
        assert render_template_string("{{ _(t) }}", t="Campaigns") == SAMPLE
