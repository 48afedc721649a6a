"""Password hashing (argon2id) and the password policy."""

from __future__ import annotations

from functools import cache

from argon2 import PasswordHasher, profiles
from argon2.exceptions import InvalidHashError, VerificationError
from zxcvbn import zxcvbn
from zxcvbn.frequency_lists import FREQUENCY_LISTS

from network.settings import settings
from network.translation import gettext as _
from network.translation import lazy_gettext as _l

MIN_LENGTH = 10
MAX_LENGTH = 256
# zxcvbn's score 4: at least 10^10 guesses. Score 3 (10^8) still lets "Summer2024!!" and
# "Amsterdam2024!" through, a common word with digits and symbols, which is what gets guessed.
MIN_SCORE = 4
# zxcvbn slows down on very long input; what comes after this many characters only adds strength.
_ESTIMATED_LENGTH = 64

# Common Dutch password words, which zxcvbn's English lists do not know.
DUTCH_WORDS = (
    "wachtwoord",
    "welkom",
    "hallo",
    "geheim",
    "zomer",
    "winter",
    "lente",
    "herfst",
    "voetbal",
    "ajax",
    "feyenoord",
    "psv",
    "amsterdam",
    "rotterdam",
    "utrecht",
    "nederland",
    "holland",
    "oranje",
    "liefde",
    "schat",
    "schatje",
    "lieverd",
    "prinses",
    "konijn",
    "poesje",
    "hond",
    "kat",
    "vakantie",
    "maandag",
    "vrijdag",
    "zondag",
    "januari",
    "familie",
    "kindjes",
    "mama",
    "papa",
    "jezus",
    "hemel",
    "engel",
    "sterretje",
    "appel",
    "banaan",
    "kaas",
    "fiets",
    "school",
    "werk",
    "thuis",
    "vriend",
    "vriendin",
)

# zxcvbn words its feedback in English only; these are our own texts for each of its messages.
_FEEDBACK = {
    "Straight rows of keys are easy to guess.": _l("Straight rows of keys are easy to guess."),
    "Short keyboard patterns are easy to guess.": _l("Short keyboard patterns are easy to guess."),
    'Repeats like "aaa" are easy to guess.': _l('Repeats like "aaa" are easy to guess.'),
    'Repeats like "abcabcabc" are only slightly harder to guess than "abc".': _l(
        'Repeats like "abcabcabc" are only slightly harder to guess than "abc".'
    ),
    'Sequences like "abc" or "6543" are easy to guess.': _l(
        'Sequences like "abc" or "6543" are easy to guess.'
    ),
    "Recent years are easy to guess.": _l("Recent years are easy to guess."),
    "Dates are often easy to guess.": _l("Dates are often easy to guess."),
    "This is a top-10 common password.": _l("This is one of the most common passwords."),
    "This is a top-100 common password.": _l("This is one of the most common passwords."),
    "This is a very common password.": _l("This is a very common password."),
    "This is similar to a commonly used password.": _l(
        "This is similar to a commonly used password."
    ),
    "A word by itself is easy to guess.": _l("A word by itself is easy to guess."),
    "Names and surnames by themselves are easy to guess.": _l(
        "Names and surnames by themselves are easy to guess."
    ),
    "Common names and surnames are easy to guess.": _l(
        "Common names and surnames are easy to guess."
    ),
    "Use a few words, avoid common phrases.": _l("Use a few words, avoid common phrases."),
    "No need for symbols, digits, or uppercase letters.": _l(
        "No need for symbols, digits, or uppercase letters."
    ),
    "Add another word or two. Uncommon words are better.": _l(
        "Add another word or two. Uncommon words are better."
    ),
    "Use a longer keyboard pattern with more turns.": _l(
        "Use a longer keyboard pattern with more turns."
    ),
    "Avoid repeated words and characters.": _l("Avoid repeated words and characters."),
    "Avoid sequences.": _l("Avoid sequences."),
    "Avoid recent years.": _l("Avoid recent years."),
    "Avoid years that are associated with you.": _l("Avoid years that are associated with you."),
    "Avoid dates and years that are associated with you.": _l(
        "Avoid dates and years that are associated with you."
    ),
    "Capitalization doesn't help very much.": _l("Capital letters do not help very much."),
    "All-uppercase is almost as easy to guess as all-lowercase.": _l(
        "All capitals are almost as easy to guess as all lower case."
    ),
    "Reversed words aren't much harder to guess.": _l(
        "Reversed words are not much harder to guess."
    ),
    "Predictable substitutions like '@' instead of 'a' don't help very much.": _l(
        "Predictable substitutions like '@' instead of 'a' do not help very much."
    ),
}


@cache
def _hasher(profile: str) -> PasswordHasher:
    # "cheapest" is still argon2id; it only keeps the test suite fast.
    if profile == "cheapest":
        return PasswordHasher.from_parameters(profiles.CHEAPEST)
    return PasswordHasher()


def hasher() -> PasswordHasher:
    """Return the argon2id hasher configured for this app."""
    return _hasher(settings().password_hash_profile)


def hash_password(password: str) -> str:
    """Hash a password with argon2id."""
    return hasher().hash(password)


def verify_password(password_hash: str, password: str) -> bool:
    """Tell whether the password matches the stored hash."""
    try:
        return hasher().verify(password_hash, password)
    except (VerificationError, InvalidHashError):
        return False


def needs_rehash(password_hash: str) -> bool:
    """Tell whether the hash was made with other parameters than today's."""
    return hasher().check_needs_rehash(password_hash)


_DUMMY_HASHES: dict[str, str] = {}


def burn_verification_time(password: str) -> None:
    """Spend the time of a real verification, so unknown emails answer as slowly as known ones."""
    profile = settings().password_hash_profile
    if profile not in _DUMMY_HASHES:
        _DUMMY_HASHES[profile] = hash_password("not a real password, only for timing")
    verify_password(_DUMMY_HASHES[profile], password)


@cache
def _common_passwords() -> frozenset[str]:
    return frozenset(FREQUENCY_LISTS["passwords"])


def password_problem(password: str, *, email: str = "", display_name: str = "") -> str | None:
    """Return why a new password is refused, or None when it is acceptable."""
    if len(password) < MIN_LENGTH:
        return _("Use at least %(n)s characters.", n=MIN_LENGTH)
    if len(password) > MAX_LENGTH:
        return _("Use at most %(n)s characters.", n=MAX_LENGTH)
    lowered = password.lower()
    if lowered in _common_passwords() or len(set(lowered)) < 4:
        return _("This password is too common. Choose one that is hard to guess.")
    personal = {email.lower(), email.split("@")[0].lower(), display_name.lower()} - {""}
    if lowered in personal:
        return _("Do not use your email address or name as your password.")
    return strength_problem(password, user_inputs=[*personal, *display_name.lower().split()])


def strength_problem(password: str, *, user_inputs: list[str] | None = None) -> str | None:
    """Return why zxcvbn finds the password easy to guess (score below MIN_SCORE), or None."""
    estimate = zxcvbn(
        password[:_ESTIMATED_LENGTH], user_inputs=[*(user_inputs or []), *DUTCH_WORDS]
    )
    if estimate["score"] >= MIN_SCORE:
        return None
    feedback = estimate["feedback"]
    advice = [feedback.get("warning") or "", *feedback.get("suggestions", [])]
    texts = [str(_FEEDBACK[text]) for text in advice if text in _FEEDBACK]
    if not texts:
        texts = [str(_FEEDBACK["Add another word or two. Uncommon words are better."])]
    # Two sentences at most: the main problem and what to do instead.
    return " ".join([_("This password is easy to guess."), *dict.fromkeys(texts)][:3])
