"""Display names: no invisible or direction-changing characters, no imitation of staff."""

from __future__ import annotations

import unicodedata

import sqlalchemy as sa

from network.accounts.models import Member, Role
from network.extensions import db
from network.translation import gettext as _

MAX_LENGTH = 60

# Words that make a name look like the network's own people, in English and Dutch. They are
# compared on the skeleton of a name (see skeleton()), so "A d m i n", "ADMIN" and "Âdmín" count.
STAFF_WORDS = (
    "organiser",
    "organizer",
    "organisator",
    "organisatie",
    "admin",
    "administrator",
    "beheerder",
    "moderator",
    "moderatie",
    "staff",
    "upstanderteam",
    "upstandernetwork",
    "upstandernetwerk",
    "teamupstander",
    "helpdesk",
    "official",
    "officieel",
)

# Letters and digits that stand in for others in look-alike names ("4dm1n", "m0derator").
_LOOK_ALIKES = str.maketrans(
    {
        "0": "o",
        "1": "i",
        "3": "e",
        "4": "a",
        "5": "s",
        "7": "t",
        "8": "b",
        "@": "a",
        "$": "s",
        "!": "i",
        "|": "i",
        "l": "i",
        "\u0131": "i",
        "\u0430": "a",  # Cyrillic letters that look Latin
        "\u0435": "e",
        "\u043e": "o",
        "\u0440": "p",
        "\u0441": "c",
        "\u0445": "x",
        "\u0456": "i",
        "\u0455": "s",
        "\u0501": "d",
        "\u043c": "m",
        "\u0442": "t",
        "\u043d": "h",
        "\u043a": "k",
        "\u03bf": "o",  # Greek omicron, alpha, iota, nu, rho, tau
        "\u03b1": "a",
        "\u03b9": "i",
        "\u03bd": "v",
        "\u03c1": "p",
        "\u03c4": "t",
    }
)


# Letters that render as blank space although Unicode files them as letters or symbols.
_BLANK_LETTERS = frozenset("\u115f\u1160\u3164\uffa0\u2800\u180e")

# Ordinary words that happen to contain a staff word.
_INNOCENT_WORDS = ("badminton",)


def clean(name: str) -> str:
    """Return the name without invisible characters and with plain spaces, trimmed."""
    kept: list[str] = []
    marks = 0
    for character in unicodedata.normalize("NFD", name):
        category = unicodedata.category(character)
        if category in {"Mn", "Me"}:
            # Two marks per letter are enough for any language (Vietnamese "ệ"); piles of
            # them ("Zalgo") overflow the line into other people's text.
            marks += 1
            if marks <= 2 and kept:
                kept.append(character)
            continue
        marks = 0
        if category in {"Zs", "Zl", "Zp"} or character in "\t\n\r":
            kept.append(" ")
        elif category in {"Cf", "Cc", "Co", "Cn", "Cs"} or character in _BLANK_LETTERS:
            # Format characters (bidi overrides and isolates, zero-width joiners, tags), control
            # characters and unassigned or private code points render as nothing or reorder text.
            continue
        else:
            kept.append(character)
    return unicodedata.normalize("NFC", " ".join("".join(kept).split()))


def skeleton(name: str) -> str:
    """Return what a name looks like: case, accents, separators and look-alikes folded away."""
    folded = unicodedata.normalize("NFKD", unicodedata.normalize("NFKC", name).casefold())
    letters = "".join(c for c in folded if unicodedata.category(c)[0] in {"L", "N"} or c in "@$!|")
    return letters.translate(_LOOK_ALIKES)


def _imitates_staff(shape: str) -> bool:
    for innocent in _INNOCENT_WORDS:
        shape = shape.replace(skeleton(innocent), "")
    return any(skeleton(word) in shape for word in STAFF_WORDS)


def _staff_skeletons(except_member_id: int | None) -> set[str]:
    query = sa.select(Member.display_name).where(Member.role != Role.MEMBER)
    if except_member_id is not None:
        query = query.where(Member.id != except_member_id)
    return {skeleton(name) for name in db.session.scalars(query)} - {""}


def display_name_problem(
    name: str, *, role: Role = Role.MEMBER, member_id: int | None = None
) -> str | None:
    """Return why a (cleaned) display name is refused, or None when it may be used."""
    if not name:
        return _("Choose a display name; a pseudonym is fine.")
    if len(name) > MAX_LENGTH:
        return _("Use at most %(n)s characters.", n=MAX_LENGTH)
    shape = skeleton(name)
    if not shape:
        return _("Use at least one letter or digit in your display name.")
    if role == Role.MEMBER and _imitates_staff(shape):
        return _("Choose a name that does not look like the network's staff or organisers.")
    if shape in _staff_skeletons(member_id):
        return _("This name belongs to one of the network's organisers. Choose another.")
    return None
