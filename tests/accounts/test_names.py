"""Display names: invisible and direction-changing characters go; staff look-alikes are refused."""

from __future__ import annotations

import unicodedata
from typing import Any

import pytest
from flask import Flask
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from network.accounts.models import Role
from network.accounts.names import STAFF_WORDS, clean, display_name_problem, skeleton

INVISIBLE = (
    [chr(c) for c in range(0x202A, 0x202F)]  # bidi embeddings and overrides
    + [chr(c) for c in range(0x2066, 0x206A)]  # bidi isolates
    + [chr(c) for c in range(0x200B, 0x2010)]  # zero-width space, joiners, direction marks
    + ["\u2060", "\ufeff", "\u00ad", "\u061c", "\u180e", "\u3164", "\u115f"]
    + [chr(0xE0041), chr(0xE007F)]  # tag characters
    + ["\x00", "\x07", "\x1b", "\x7f", "\u0085"]  # control characters
    + ["\ue000", "\U000f0000"]  # private use
)


@pytest.mark.parametrize("character", INVISIBLE)
def test_invisible_and_direction_characters_are_removed(character: str) -> None:
    assert clean(f"Sa{character}m{character}") == "Sam"


@pytest.mark.parametrize(
    ("entered", "kept"),
    [
        ("  Noor   de  Vries ", "Noor de Vries"),
        ("Noor\u00a0de\u2003Vries", "Noor de Vries"),
        ("Zoë", "Zoë"),
        ("Ze\u0301\u0301\u0301\u0301nna", "Ze\u0301\u0301nna"),  # a pile of combining marks
        ("Nguye\u0302\u0303n", "Nguyễn"),  # two marks on one letter stay
        ("李小龍", "李小龍"),
        ("محمد", "محمد"),
    ],
)
def test_names_keep_their_letters_and_lose_odd_spacing(entered: str, kept: str) -> None:
    assert clean(entered) == unicodedata.normalize("NFC", kept)


IMITATIONS = [
    "Admin",
    "The Organiser",
    "organizer sam",
    "Moderator",
    "Upstander Team",
    "Team Upstander",
    "Staff",
    "Beheerder",
    "Organisator Kim",
    "A d m i n",
    "ADMIN",
    "4dm1n",
    "m0der4tor",
    "\uff21\uff44\uff4d\uff49\uff4e",  # fullwidth "Admin"
    "\u0410dmin",  # Cyrillic A
    "Âdmín",
    "ad.min",
    "ad_min",
    "Upstander-Network",
]


@pytest.mark.parametrize("name", IMITATIONS)
def test_names_that_imitate_staff_are_refused(app: Flask, name: str) -> None:
    with app.test_request_context():
        assert display_name_problem(clean(name)) is not None


@pytest.mark.parametrize("name", ["Sam", "Noor de Vries", "Badminton Bea", "Kim 2", "Zoë"])
def test_ordinary_names_are_accepted(app: Flask, name: str) -> None:
    with app.test_request_context():
        assert display_name_problem(clean(name)) is None


def test_staff_may_say_what_they_are(app: Flask) -> None:
    with app.test_request_context():
        assert display_name_problem("Olga (organiser)", role=Role.ORGANISER) is None


@pytest.mark.parametrize("variant", ["olga", "OLGA", "O l g a", "0lga", "\u041elga"])
def test_a_staff_members_name_cannot_be_taken_by_anyone_else(
    app: Flask, create_member: Any, variant: str
) -> None:
    staff = create_member(role="organiser", display_name="Olga")
    with app.test_request_context():
        assert display_name_problem(variant) is not None
        assert display_name_problem("Olga", role=Role.ORGANISER, member_id=staff.id) is None


def test_the_same_rule_holds_on_sign_up_profile_and_api(
    app: Flask, create_member: Any, api_as: Any, submit: Any, log_in: Any
) -> None:
    from tests.accounts.test_pages import JOIN, field_error

    joined = submit("/join", {**JOIN, "display_name": "Upstander Team"})
    assert joined.status_code == 200 and field_error(joined, "display_name")
    api = api_as(
        None,
        "POST",
        "/api/v1/members",
        json={
            "email": "x@example.org",
            "password": "stand up for each other",
            "display_name": "Moderator",
            "pledge_accepted": True,
        },
    )
    assert api.status_code == 422 and "display_name" in api.get_json()["error"]["fields"]
    member = create_member()
    patched = api_as(member, "PATCH", "/api/v1/me", json={"display_name": "a\u202edmin"})
    assert patched.status_code == 422
    # Text-direction overrides are refused everywhere (network/text.py); invisible ones stripped.
    refused = api_as(member, "PATCH", "/api/v1/me", json={"display_name": "Sam\u202e"})
    assert refused.status_code == 422
    renamed = api_as(member, "PATCH", "/api/v1/me", json={"display_name": "Sam\u200b\u2060"})
    assert renamed.status_code == 200 and renamed.get_json()["display_name"] == "Sam"
    log_in(member)
    form = {"display_name": "Admin", "locale": "en", "time_zone": "Europe/Amsterdam"}
    page = submit("/profile", {**form, "digest_frequency": "weekly", "asks_per_week": "3"})
    assert page.status_code == 200 and field_error(page, "display_name")


# --- properties ----------------------------------------------------------------------------------

names = st.text(min_size=0, max_size=80)


@given(names)
def test_a_cleaned_name_has_no_invisible_characters_or_edge_spaces(name: str) -> None:
    cleaned = clean(name)
    assert cleaned == cleaned.strip()
    assert "  " not in cleaned
    for character in cleaned:
        assert unicodedata.category(character) not in {"Cf", "Cc", "Co", "Cn", "Cs"}


@given(names)
def test_cleaning_is_idempotent(name: str) -> None:
    assert clean(clean(name)) == clean(name)


separators = st.sampled_from(["", " ", ".", "-", "_", "\u200b", "\u202e", "\u00a0", " . "])


@settings(suppress_health_check=[HealthCheck.function_scoped_fixture], max_examples=200)
@given(
    word=st.sampled_from(STAFF_WORDS),
    before=st.text(alphabet="abcxyz ", max_size=6),
    after=st.text(alphabet="xyz 123", max_size=6),
    upper=st.lists(st.booleans(), min_size=20, max_size=20),
    gap=separators,
)
def test_a_staff_word_is_found_whatever_its_case_spacing_or_hidden_characters(
    app: Flask, word: str, before: str, after: str, upper: list[bool], gap: str
) -> None:
    styled = gap.join(c.upper() if upper[i % 20] else c for i, c in enumerate(word))
    name = clean(before + styled + after)
    with app.test_request_context():
        assert display_name_problem(name) is not None


@given(st.sampled_from(STAFF_WORDS))
def test_compatibility_forms_fold_to_the_same_skeleton(word: str) -> None:
    fullwidth = "".join(chr(ord(c) + 0xFEE0) if "a" <= c <= "z" else c for c in word)
    assert skeleton(fullwidth) == skeleton(word) == skeleton(word.upper())
