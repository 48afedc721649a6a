"""The summary check catches contact details and addresses, and leaves ordinary sentences alone;
the alert form names every field's problem in one answer."""

from __future__ import annotations

import re
from typing import Any

import pytest
from flask import Flask
from hypothesis import given, settings
from hypothesis import strategies as st

from network.alerts.personal_data import findings
from tests.alerts.test_pages import FORM, stored

CAUGHT = [
    # email
    ("Mail her at anna.de.vries@example.nl to scare her", "email"),
    # phone
    ("Call her on 06 12345678 please", "phone"),
    ("Her number +31 6 1234 5678 is in the comments", "phone"),
    ("Bel 020-1234567 maar", "phone"),
    # Dutch postcodes
    ("They posted her postcode 1234 AB under the photo", "postcode"),
    ("Hij woont op 1234AB, staat in de comments", "postcode"),
    ("adres: 3511 lk utrecht", None),  # small letters apart read as words: see the next line
    ("adres: 3511lk utrecht", "postcode"),
    ("Postcode 9711 LM Groningen staat erbij", "postcode"),
    # Dutch streets with a number
    ("They shared that she lives at Kalverstraat 12", "street_address"),
    ("Ze woont op de Dorpsstraat 3a in Ede", "street_address"),
    ("Adres is kerkstraat 14-2, iedereen weet het nu", "street_address"),
    ("Van Baerlestraat 27 hs werd genoemd", "street_address"),
    ("Hij zit op de Amstelveenseweg 120", "street_address"),
    ("Museumplein 6 staat in de post", "street_address"),
    ("ze woont aan de Prinsengracht 263", "street_address"),
    ("Oosterkade 9 wordt gedeeld", "street_address"),
    ("Lijnbaansgracht 12 en Nieuwe Singel 4", "street_address"),
    ("Zeedijk 7 in de reacties", "street_address"),
    ("Stationslaan 22B gedeeld", "street_address"),
    ("Laan van Meerdervoort 5a werd gepost", "street_address"),
    ("Kerkstraat nr. 5 staat erbij", "street_address"),
    # English
    ("They posted 12 Baker Street under her video", "street_address"),
    ("She lives at 221B Baker Street apparently", "street_address"),
    ("the address 4 Privet Drive was shared", "street_address"),
    ("posted 10 Downing St. in the thread", "street_address"),
    ("he wrote 35 Long Acre Road, London", "street_address"),
]

NOT_CAUGHT = [
    "Dozens of comments mocking a girl for her religion.",
    "Over 300 comments in 2 hours calling him names.",
    "Since 2023 they have posted 15 videos about her.",
    "In 2024 EU rules changed and the pile-on moved to TikTok.",
    "The video has 1200 views and 45 comments.",
    "She is 14 and in class 3B.",
    "They mocked her 1080p photo and her 2000km trip.",
    "Ik ben al onderweg 10 minuten aan het lezen, 50 reacties.",
    "Op de snelweg 12 km file, en toen begon het schelden.",
    "De supermarkt 2 keer genoemd, verder alleen scheldwoorden.",
    "Het fietspad 3 keer in beeld, geen adres.",
    "Ze kreeg 25 berichten in 1 nacht.",
    "On 17 March St Patrick's Day posts started mocking him.",
    "Episode 12 Street Fighter clips are used to mock him.",
    "Comments at 10 PM and again at 11 AM.",
    "Een groep van 30 jongens uit klas 2B.",
    "Hundreds of replies: 'go back', 'nobody wants you'.",
    "The thread from 12-03-2025 has 40 replies.",
    "Video 1 van 3, de straat 2 keer in beeld zonder naam.",
]


@pytest.mark.parametrize(("text", "kind"), CAUGHT)
def test_personal_data_in_a_summary_is_caught(text: str, kind: str | None) -> None:
    if kind is None:
        assert findings(text) == []
    else:
        assert kind in findings(text), text


@pytest.mark.parametrize("text", NOT_CAUGHT)
def test_ordinary_sentences_with_numbers_pass(text: str) -> None:
    assert findings(text) == [], text


SENTENCES = [
    "Over {n} comments in {m} hours.",
    "Since {year} they posted {n} videos.",
    "Ze kreeg {n} berichten in {m} dagen.",
    "{n} mensen reageerden binnen {m} minuten.",
    "The video from {year} has {n} views and {m} shares.",
    "In {year} EU rules changed; {n} replies since.",
    "Ze is {m} jaar en zit in groep {m}.",
]


@settings(max_examples=300, deadline=None)
@given(
    template=st.sampled_from(SENTENCES),
    n=st.integers(min_value=0, max_value=99_999),
    m=st.integers(min_value=0, max_value=999),
    year=st.integers(min_value=1990, max_value=2100),
)
def test_no_sentence_of_counts_and_years_is_taken_for_personal_data(
    template: str, n: int, m: int, year: int
) -> None:
    text = template.format(n=n, m=m, year=year)
    assert findings(text) == [], text


@settings(max_examples=200, deadline=None)
@given(
    street=st.sampled_from(["Kalver", "Dorps", "Kerk", "Molen", "Stations", "Wilhelmina"]),
    suffix=st.sampled_from(["straat", "laan", "weg", "plein", "gracht", "kade", "singel", "dijk"]),
    number=st.integers(min_value=1, max_value=9999),
    addition=st.sampled_from(["", "a", "B", "-2", " hs", "/3"]),
    before=st.sampled_from(["Ze woont op de ", "Adres: ", "", "posted "]),
)
def test_every_dutch_street_with_a_house_number_is_caught(
    street: str, suffix: str, number: int, addition: str, before: str
) -> None:
    text = f"{before}{street}{suffix} {number}{addition} staat in de reacties"
    assert "street_address" in findings(text), text


@settings(max_examples=200, deadline=None)
@given(
    digits=st.integers(min_value=1000, max_value=9999),
    letters=st.text(alphabet="ABCDEFGHJKLMNPRTVWXZ", min_size=2, max_size=2),
    space=st.sampled_from([" ", ""]),
)
def test_dutch_postcodes_are_caught_with_or_without_the_space(
    digits: int, letters: str, space: str
) -> None:
    from network.alerts.personal_data import NOT_POSTCODE_LETTERS

    text = f"Ze woont in {digits}{space}{letters} Utrecht"
    if letters not in NOT_POSTCODE_LETTERS:
        assert "postcode" in findings(text), text


def test_the_help_text_promises_what_the_check_does(
    app: Flask, client: Any, create_member: Any, log_in: Any
) -> None:
    log_in(create_member())
    page = client.get("/alerts/new").get_data(as_text=True)
    assert "postcodes and street addresses are refused" in page
    assert "No names, addresses" not in page


def test_the_alert_form_names_every_fields_problem_in_one_answer(
    app: Flask, submit: Any, create_member: Any, log_in: Any
) -> None:
    log_in(create_member())
    answer = submit(
        "/alerts/new",
        {
            **FORM,
            "url": "ftp://example.org/thread",  # the service's check
            "severity": "",  # the form's own check
            "summary": "She lives at Kalverstraat 12, 1012 AB",  # the service's check
            "responder_goal": "99",  # the form's own check
        },
    )
    assert answer.status_code == 200
    page = answer.get_data(as_text=True)
    assert "Only http and https links can be posted." in page
    assert "Severity runs from 1 (unkind) to 4 (dangerous)." in page, "the form's own message"
    assert "Remove the postcode" in page or "Remove the street address" in page
    errors = re.findall(r'<p class="error" id="([\w-]+)-error">', page)
    assert set(errors) >= {"url", "severity", "summary", "responder_goal"}, errors
    assert stored(app) == []


@pytest.mark.parametrize(
    "summary",
    ["Posted her address: Kalverstraat 12", "Postcode 1234 AB in the replies", "12 Baker Street"],
)
def test_the_api_refuses_addresses_in_a_summary_naming_the_field(
    api_as: Any, create_member: Any, summary: str
) -> None:
    from tests.alerts.conftest import alert_body

    answer = api_as(create_member(), "POST", "/api/v1/alerts", json=alert_body(summary=summary))
    assert answer.status_code == 422
    assert "summary" in answer.get_json()["error"]["fields"]
