"""Password hashing (argon2id) and the password policy."""

from __future__ import annotations

from functools import cache

from argon2 import PasswordHasher, profiles
from argon2.exceptions import InvalidHashError, VerificationError
from flask import current_app
from flask_babel import gettext as _
from zxcvbn.frequency_lists import FREQUENCY_LISTS

MIN_LENGTH = 10
MAX_LENGTH = 256


@cache
def _hasher(profile: str) -> PasswordHasher:
    # "cheapest" is still argon2id; it only keeps the test suite fast.
    if profile == "cheapest":
        return PasswordHasher.from_parameters(profiles.CHEAPEST)
    return PasswordHasher()


def hasher() -> PasswordHasher:
    """Return the argon2id hasher configured for this app."""
    return _hasher(str(current_app.config.get("PASSWORD_HASH_PROFILE", "default")))


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
    profile = str(current_app.config.get("PASSWORD_HASH_PROFILE", "default"))
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
    return None
