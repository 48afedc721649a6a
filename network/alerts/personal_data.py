"""The check that keeps the target's contact details and address out of alert summaries.

What it catches (and the summary's help text promises no more): email addresses, phone numbers
(nine digits or more), Dutch postcodes ("1234 AB", "1234AB") and street addresses with a house
number (Dutch "Kalverstraat 12", "Laan van Meerdervoort 5a"; English "12 Baker Street"). Names
cannot be recognised reliably, so the help text asks members to leave them out instead.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass

from network.translation import gettext as _

EMAIL = re.compile(r"[\w.+-]+@[\w-]+(?:\.[\w-]+)+")
# Nine or more digits, allowing the spaces, dots, dashes and brackets people write numbers with.
PHONE = re.compile(r"(?:\+|\b)\d(?:[\s().-]{0,2}\d){8,}\b")

# Dutch postcode: four digits (no leading zero) and two letters (never SA, SD or SS). Capitals
# with or without a space; small letters only written together ("1234ab"), since "2024 we" is
# an ordinary sentence. Pairs that follow numbers as units or abbreviations are left alone.
POSTCODE = re.compile(r"\b[1-9]\d{3}(?:\s?([A-Z]{2})|([a-z]{2}))\b")
NOT_POSTCODE_LETTERS = {
    "SA", "SD", "SS",  # never used in postcodes
    "AM", "PM", "KM", "CM", "MM", "KG", "MB", "GB", "TB", "KB", "HZ", "MW", "KW",
    "EU", "UK", "US", "NL", "BE", "DE", "TV", "AI", "OK", "HD", "ID", "CO", "PC",
}  # fmt: skip

# Dutch street names end in one of these; the house number follows ("Kalverstraat 12a").
STREET_SUFFIXES = (
    "straat", "laan", "weg", "plein", "gracht", "kade", "singel", "dijk", "dreef", "steeg",
    "burgwal", "plantsoen", "boulevard", "hof", "markt", "pad", "park", "wal",
)  # fmt: skip
HOUSE_NUMBER = r"\d{1,5}(?:\s?[a-zA-Z]\b|[-/]\d{1,4})?\b"
DUTCH_STREET = re.compile(
    rf"\b(\w+(?:{'|'.join(STREET_SUFFIXES)}))\s+(?:nr\.?\s*|nummer\s+)?{HOUSE_NUMBER}",
    re.IGNORECASE,
)
# Words with a street suffix that are no street: "onderweg 10 minuten", "de supermarkt 2 keer".
NOT_STREETS = {
    "onderweg", "halfweg", "snelweg", "midweg", "supermarkt", "vismarkt", "arbeidsmarkt",
    "woningmarkt", "jaarmarkt", "kerstmarkt", "pretpark", "dierenpark", "attractiepark",
    "fietspad", "wandelpad", "voetpad", "zijpad", "binnenhof", "kerkhof", "gerechtshof",
}  # fmt: skip
# Streets named "Laan van …", "Plein 1944", "Weg naar …": the street word first, capitalised.
DUTCH_STREET_FIRST = re.compile(
    r"\b(?:Laan|Weg|Plein|Kade|Singel|Dijk|Dreef|Gracht|Straat)"
    r"(?:\s+(?:van|der|de|den|het|'t|ter|ten|op|aan|naar|in|bij))+\s+[A-Z][\w'-]+\s+" + HOUSE_NUMBER
)
ENGLISH_STREET = re.compile(
    r"\b\d{1,5}[a-zA-Z]?,?\s+(?:[A-Z][\w'-]+\s+){1,3}"
    r"(?:(?:Street|Road|Avenue|Lane|Drive|Close|Way|Boulevard|Place|Court|Terrace|Crescent"
    r"|Square|Gardens|Grove|Row|Hill|Mews)\b"
    # "St", "Dr" before a capitalised word are Saint and Doctor ("17 March St Patrick's Day").
    r"|(?:St|Rd|Ave|Ln|Dr|Blvd|Pl|Ct)\b(?!\s+[A-Z][a-z]))"
)


@dataclass(frozen=True)
class Finding:
    """A kind of personal data found in a text, and how to explain the refusal."""

    kind: str
    message: Callable[[], str]


def _email(text: str) -> bool:
    return EMAIL.search(text) is not None


def _phone(text: str) -> bool:
    return PHONE.search(text) is not None


def _postcode(text: str) -> bool:
    for match in POSTCODE.finditer(text):
        letters = (match[1] or match[2]).upper()
        if letters not in NOT_POSTCODE_LETTERS:
            return True
    return False


def _street_address(text: str) -> bool:
    for match in DUTCH_STREET.finditer(text):
        if match[1].lower() not in NOT_STREETS:
            return True
    return bool(DUTCH_STREET_FIRST.search(text) or ENGLISH_STREET.search(text))


CHECKS: tuple[tuple[Callable[[str], bool], Finding], ...] = (
    (
        _email,
        Finding(
            "email",
            lambda: _(
                "Remove the email address: the target's personal data does not belong in an alert."
            ),
        ),
    ),
    (
        _phone,
        Finding(
            "phone",
            lambda: _(
                "Remove the phone number: the target's personal data does not belong in an alert."
            ),
        ),
    ),
    (
        _postcode,
        Finding(
            "postcode",
            lambda: _(
                "Remove the postcode: the target's personal data does not belong in an alert."
            ),
        ),
    ),
    (
        _street_address,
        Finding(
            "street_address",
            lambda: _(
                "Remove the street address: the target's personal data does not belong in an alert."
            ),
        ),
    ),
)


def findings(text: str) -> list[str]:
    """Return the kinds of personal data found in a text ("email", "postcode", …)."""
    return [finding.kind for check, finding in CHECKS if check(text)]


def personal_data_problem(text: str) -> str | None:
    """Explain what personal data to remove from a text, or None when none was found."""
    for check, finding in CHECKS:
        if check(text):
            return finding.message()
    return None
