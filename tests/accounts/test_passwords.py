"""The password policy: length, common passwords, and zxcvbn's estimate with our own feedback."""

from __future__ import annotations

import pytest
from flask import Flask
from flask_babel import force_locale
from zxcvbn import zxcvbn

from network.accounts import passwords
from network.accounts.passwords import MIN_SCORE, password_problem

WEAK = [
    # a common word with digits and symbols: what guessing tools try first
    "Summer2024!!",
    "Amsterdam2024!",
    "Password123!",
    "P@ssw0rd2024!",
    "Iloveyou2024!",
    "Dragon!!2023",
    "Monkey123$$",
    "Liverpool1892!",
    "Football#2025",
    # Dutch words, which zxcvbn's own lists miss
    "Welkom2024!",
    "Zomer2025!?",
    "Voetbal123!",
    "Wachtwoord1!",
    "Feyenoord010!",
    # patterns, repeats, sequences, dates
    "qwertyuiop12",
    "hunter2hunter2",
    "abcdefghij123",
    "01011990!!ab",
    "aaaaaaaaaaaa",
    "1234567890",
]
STRONG = [
    "stand up for each other",
    "correct-horse-battery-staple-42",
    "organise the upstanders",
    "a brand new passphrase 42",
    "Tr0ub4dor&3x-lantern",
    "vK9#mQ2$wL7!pZ",
    "fietsen langs de grachten in mei",
]


@pytest.mark.parametrize("password", WEAK)
def test_easily_guessed_passwords_are_refused(app: Flask, password: str) -> None:
    with app.test_request_context():
        assert password_problem(password) is not None


@pytest.mark.parametrize("password", STRONG)
def test_hard_to_guess_passwords_are_accepted(app: Flask, password: str) -> None:
    with app.test_request_context():
        assert password_problem(password) is None


@pytest.mark.parametrize(
    ("password", "email", "display_name"),
    [
        ("noortje.devries!2024", "noortje.devries@example.org", "Noor"),
        ("Kiki van Dam 2024", "kiki@example.org", "Kiki van Dam"),
        ("upstanderkiki!!", "kiki@example.org", "upstanderkiki"),
    ],
)
def test_passwords_built_from_the_members_own_email_or_name_are_refused(
    app: Flask, password: str, email: str, display_name: str
) -> None:
    with app.test_request_context():
        assert password_problem(password, email=email, display_name=display_name) is not None


def test_the_threshold_is_zxcvbns_score_4() -> None:
    assert MIN_SCORE == 4
    # Score 3 would still let a common word with digits and symbols through.
    assert zxcvbn("Summer2024!!")["score"] == 3


def test_every_feedback_zxcvbn_gives_has_our_own_text(app: Flask) -> None:
    produced = set()
    for password in [*WEAK, "Aaaaaaaaaaaa", "ZXCVBNM", "drowssap", "john smith", "Jennifer"]:
        feedback = zxcvbn(password)["feedback"]
        produced.update(filter(None, [feedback["warning"], *feedback["suggestions"]]))
    assert produced, "zxcvbn said something"
    assert produced <= set(passwords._FEEDBACK), "a zxcvbn text without our own translation"


def test_the_refusal_gives_advice_in_the_members_language(app: Flask) -> None:
    with app.test_request_context():
        english = password_problem("Password123!")
    assert english is not None
    assert english.startswith("This password is easy to guess.")
    assert "This is similar to a commonly used password." in english
    with app.test_request_context(), force_locale("nl"):
        dutch = password_problem("Password123!")
    assert dutch is not None and "wachtwoord" in dutch.lower()


def test_the_join_form_names_the_problem(app: Flask, submit: object) -> None:
    from tests.accounts.test_pages import JOIN, field_error

    answer = submit("/join", {**JOIN, "password": "Summer2024!!"})  # type: ignore[operator]
    assert answer.status_code == 200
    assert field_error(answer, "password").startswith("This password is easy to guess.")


def test_very_long_passwords_are_judged_and_accepted(app: Flask) -> None:
    with app.test_request_context():
        assert password_problem("correct horse " * 18) is None  # 252 characters
