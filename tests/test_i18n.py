"""Dutch and English: a complete, current catalogue, and the right language for every request.

The language of a request is the member's choice, else the visitor's choice (the language switch),
else the browser's Accept-Language (network/i18n.py).
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable
from pathlib import Path
from typing import Any

import pytest
import sqlalchemy as sa
from babel.messages.catalog import Catalog
from babel.messages.extract import DEFAULT_KEYWORDS, extract_from_dir
from babel.messages.frontend import parse_mapping_cfg
from babel.messages.mofile import read_mo
from babel.messages.pofile import read_po
from flask import Flask
from flask.testing import FlaskClient

from network.accounts.models import Member
from network.extensions import db
from tests.conftest import MemberHandle, csrf_token_from

ROOT = Path(__file__).resolve().parent.parent
TRANSLATIONS = ROOT / "network" / "translations"
NL_PO = TRANSLATIONS / "nl" / "LC_MESSAGES" / "messages.po"
NL_MO = NL_PO.with_suffix(".mo")
# The same keywords as `make messages`: pybabel's defaults plus -k _l -k lazy_gettext.
KEYWORDS = {**DEFAULT_KEYWORDS, "_l": None, "lazy_gettext": None}
PLACEHOLDER = re.compile(r"%\((\w+)\)[-#0 +]*\d*(?:\.\d+)?[diouxXeEfFgGcrs]")

DUTCH = {"Accept-Language": "nl-NL,nl;q=0.9,en;q=0.8"}
ENGLISH = {"Accept-Language": "en-GB,en;q=0.9"}


def load_catalogue() -> Catalog:
    with NL_PO.open("rb") as po:
        return read_po(po, locale="nl")


def forms(value: str | Iterable[str] | None) -> tuple[str, ...]:
    """The forms of a message: one, or singular and plural."""
    if value is None:
        return ()
    return (value,) if isinstance(value, str) else tuple(value)


def placeholders(texts: Iterable[str]) -> set[str]:
    return {name for text in texts for name in PLACEHOLDER.findall(text)}


def untranslated(catalogue: Catalog) -> list[str]:
    return [
        str(message.id)
        for message in catalogue
        if message.id and not all(text.strip() for text in forms(message.string or ""))
    ]


# --- the catalogue --------------------------------------------------------------------------------


def test_every_message_has_a_dutch_translation() -> None:
    catalogue = load_catalogue()
    assert len(catalogue) > 100, "the Dutch catalogue looks empty"
    assert untranslated(catalogue) == [], "translate these in nl/LC_MESSAGES/messages.po"


def test_no_translation_is_fuzzy() -> None:
    catalogue = load_catalogue()
    fuzzy = [str(message.id) for message in catalogue if message.id and message.fuzzy]
    assert fuzzy == [], "check these translations and remove their fuzzy flag"
    assert not catalogue.fuzzy, "the catalogue header is marked fuzzy"


def test_translations_keep_the_placeholders_of_the_english_text() -> None:
    catalogue = load_catalogue()
    with_placeholders = 0
    for message in catalogue:
        if not message.id:
            continue
        expected = placeholders(forms(message.id))
        with_placeholders += bool(expected)
        for translation in forms(message.string or ""):
            assert placeholders([translation]) == expected, (message.id, translation)
    assert with_placeholders >= 5, "the placeholder pattern no longer finds %(name)s"


def test_plural_messages_have_both_dutch_forms() -> None:
    catalogue = load_catalogue()
    assert catalogue.num_plurals == 2
    plurals = [message for message in catalogue if message.pluralizable]
    assert plurals, "the catalogue should hold at least one plural message"
    for message in plurals:
        assert len(forms(message.string)) == 2, message.id


def test_catalogue_has_every_text_in_the_source() -> None:
    """A new translatable text fails here until `make messages` and a translation add it."""
    with (ROOT / "babel.cfg").open() as config:
        method_map, options_map = parse_mapping_cfg(config)
    in_source = {
        message_id
        for _file, _line, message, _comments, _context in extract_from_dir(
            str(ROOT), method_map, options_map, keywords=KEYWORDS
        )
        for message_id in [message if isinstance(message, str) else message[0]]
        if message_id
    }
    assert len(in_source) > 100, "extraction found (almost) nothing: is babel.cfg right?"
    catalogue = load_catalogue()
    missing = sorted(message_id for message_id in in_source if message_id not in catalogue)
    assert missing == [], "run `make messages` and translate the new texts"


def test_compiled_catalogue_matches_the_po_file() -> None:
    """The app reads messages.mo; `make install` compiles it from messages.po."""
    assert NL_MO.exists(), "compile the catalogue: make install (or pybabel compile)"
    with NL_MO.open("rb") as mo:
        compiled = read_mo(mo)
    stale = [
        str(message.id)
        for message in load_catalogue()
        if message.id
        and (
            compiled.get(message.id) is None
            or forms(compiled[message.id].string) != forms(message.string)
        )
    ]
    assert stale == [], "messages.mo is out of date: run make install (or pybabel compile)"


# --- visitors: Accept-Language --------------------------------------------------------------------


def page(client: FlaskClient, path: str, headers: dict[str, str]) -> str:
    response = client.get(path, headers=headers)
    assert response.status_code == 200, response.status_code
    return response.get_data(as_text=True)


@pytest.mark.parametrize(
    ("path", "dutch", "english"),
    [
        (
            "/",
            ["Scrol niet door. Kom in actie, samen.", "Respectvolle openbare reactie", "Inloggen"],
            ["Stand up, together.", "Respectful public reply", "Log in"],
        ),
        (
            "/join",
            ["Sluit je aan bij de beweging", "E-mailadres", "Ik aanvaard de gedragscode"],
            ["Join the movement", "Email address", "I accept the code of conduct"],
        ),
        (
            "/login",
            ["Inloggen", "Wachtwoord", "Nieuw hier?"],
            ["Log in", "Password", "New here?"],
        ),
    ],
)
def test_visitor_gets_the_language_of_the_browser(
    client: FlaskClient, path: str, dutch: list[str], english: list[str]
) -> None:
    html = page(client, path, DUTCH)
    assert '<html lang="nl">' in html
    for text in dutch:
        assert text in html
    for text in english:
        assert text not in html

    html = page(client, path, ENGLISH)
    assert '<html lang="en">' in html
    for text in english:
        assert text in html
    for text in dutch:
        assert text not in html


def test_plain_nl_and_unsupported_languages(client: FlaskClient) -> None:
    assert '<html lang="nl">' in page(client, "/", {"Accept-Language": "nl"})
    assert '<html lang="nl">' in page(client, "/", {"Accept-Language": "nl-BE"})
    assert '<html lang="en">' in page(client, "/", {"Accept-Language": "de-DE,fr;q=0.5"})
    assert '<html lang="en">' in page(client, "/", {})


def test_join_form_suggests_the_browser_language(client: FlaskClient) -> None:
    html = page(client, "/join", DUTCH)
    assert re.search(r'<option selected value="nl">|<option value="nl" selected>', html), html


# --- members and the language switch --------------------------------------------------------------


def test_members_choice_wins_over_the_browser(
    client: FlaskClient,
    create_member: Callable[..., MemberHandle],
    log_in: Callable[[MemberHandle], Any],
) -> None:
    member = create_member(locale="nl", display_name="Noor")
    log_in(member)
    html = page(client, "/", ENGLISH)
    assert '<html lang="nl">' in html
    assert "Welkom terug, Noor." in html
    assert "Uitloggen" in html
    html = page(client, "/profile", ENGLISH)
    assert "Je profiel" in html and "Voorkeuren opslaan" in html


def test_english_members_get_english_in_a_dutch_browser(
    client: FlaskClient,
    create_member: Callable[..., MemberHandle],
    log_in: Callable[[MemberHandle], Any],
) -> None:
    log_in(create_member(locale="en", display_name="Sam"))
    html = page(client, "/", DUTCH)
    assert '<html lang="en">' in html
    assert "Welcome back, Sam." in html


def switch_language(client: FlaskClient, locale: str, next_page: str) -> Any:
    token = csrf_token_from(page(client, "/", {}))
    return client.post("/language", data={"csrf_token": token, "locale": locale, "next": next_page})


def test_language_switch_changes_a_visitors_language(client: FlaskClient) -> None:
    assert '<html lang="en">' in page(client, "/join", ENGLISH)

    response = switch_language(client, "nl", "/join")
    assert response.status_code == 302
    assert response.headers["Location"].endswith("/join")
    html = page(client, "/join", ENGLISH)
    assert '<html lang="nl">' in html and "Sluit je aan bij de beweging" in html
    assert 'value="en" lang="en">English</button>' in html, "the switch now offers English"

    switch_language(client, "en", "/")
    html = page(client, "/", DUTCH)
    assert '<html lang="en">' in html and "Join the movement" in html


def test_language_switch_refuses_unknown_languages_and_foreign_posts(client: FlaskClient) -> None:
    switch_language(client, "fr", "/")
    assert '<html lang="en">' in page(client, "/", ENGLISH)
    refused = client.post("/language", data={"locale": "nl"})
    assert refused.status_code == 400, "without the CSRF token the switch is refused"
    assert '<html lang="en">' in page(client, "/", ENGLISH)


def test_language_switch_saves_a_members_choice(
    app: Flask,
    client: FlaskClient,
    create_member: Callable[..., MemberHandle],
    log_in: Callable[[MemberHandle], Any],
) -> None:
    member = create_member(locale="en")
    log_in(member)
    switch_language(client, "nl", "/")
    assert '<html lang="nl">' in page(client, "/", ENGLISH)
    with app.app_context():
        saved = db.session.scalar(sa.select(Member.locale).where(Member.id == member.id))
    assert str(saved) == "nl"


def test_flash_messages_are_translated(
    client: FlaskClient,
    create_member: Callable[..., MemberHandle],
    log_in: Callable[[MemberHandle], Any],
) -> None:
    log_in(create_member(locale="nl"))
    token = csrf_token_from(page(client, "/", {}))
    client.post("/logout", data={"csrf_token": token}, headers=DUTCH)
    html = page(client, "/", DUTCH)
    assert "Je bent uitgelogd." in html


# --- the API --------------------------------------------------------------------------------------


def api_error(response: Any, status: int) -> dict[str, Any]:
    assert response.status_code == status, response.get_data(as_text=True)
    error: dict[str, Any] = response.get_json()["error"]
    return error


def test_api_errors_are_dutch_for_a_dutch_client(client: FlaskClient) -> None:
    sign_up = {
        "email": "not-an-email",
        "password": "short",
        "display_name": "Noor",
        "locale": "nl",
        "time_zone": "Europe/Amsterdam",
        "pledge_accepted": True,
        "is_admin": True,
    }
    error = api_error(client.post("/api/v1/members", json=sign_up, headers=DUTCH), 422)
    assert error["message"] == "Sommige velden zijn niet geldig."
    assert error["fields"]["email"] == "Vul een geldig e-mailadres in."
    assert error["fields"]["is_admin"] == "Dit veld is niet toegestaan."

    fixed = {**sign_up, "email": "noor@example.org"}
    del fixed["is_admin"]
    error = api_error(client.post("/api/v1/members", json=fixed, headers=DUTCH), 422)
    assert error["fields"]["password"] == "Gebruik minstens 10 tekens."

    error = api_error(client.get("/api/v1/me", headers=DUTCH), 401)
    assert error["message"] == "Log in of stuur een geldig toegangstoken mee."

    wrong = {"email": "nobody@example.org", "password": "not the password"}
    error = api_error(client.post("/api/v1/tokens", json=wrong, headers=DUTCH), 401)
    assert error["message"] == "E-mailadres of wachtwoord klopt niet."

    error = api_error(client.get("/api/v1/no-such-thing", headers=DUTCH), 404)
    assert error["message"] == "Deze pagina of bron bestaat niet."

    broken = client.post(
        "/api/v1/members", data="{", content_type="application/json", headers=DUTCH
    )
    assert api_error(broken, 400)["message"] == "De inhoud van het verzoek is geen geldige JSON."


def test_api_errors_are_english_for_an_english_client(client: FlaskClient) -> None:
    error = api_error(client.get("/api/v1/me", headers=ENGLISH), 401)
    assert error["message"] == "Log in or send a valid access token."
    error = api_error(client.get("/api/v1/no-such-thing", headers=ENGLISH), 404)
    assert error["message"] == "This page or resource does not exist."


def test_error_pages_are_dutch_for_a_dutch_browser(client: FlaskClient) -> None:
    response = client.get("/no-such-page", headers=DUTCH)
    assert response.status_code == 404
    html = response.get_data(as_text=True)
    assert '<html lang="nl">' in html
    assert "Deze pagina of bron bestaat niet." in html
    assert "Terug naar de startpagina" in html
