"""Use cases of members: join, log in, preferences, password, tokens, leaving."""

from __future__ import annotations

from collections.abc import Iterable
from functools import cache
from zoneinfo import available_timezones

import sqlalchemy as sa

from network.accounts import names, passwords
from network.accounts.addresses import normalise_email
from network.accounts.models import AccessToken, DigestFrequency, Member, MemberStatus, Role
from network.accounts.tokens import new_secret, token_digest
from network.db import utcnow
from network.errors import Conflict, Forbidden, NotFound, Unauthorised, ValidationFailed
from network.extensions import db
from network.realtime import connections
from network.translation import gettext as _
from network.vocabulary import HELP_LANGUAGES, ActionType, Locale, Platform


@cache
def time_zones() -> frozenset[str]:
    """Return every IANA time zone name."""
    return frozenset(available_timezones())


def sign_up(
    *,
    email: str,
    password: str,
    display_name: str,
    locale: str,
    time_zone: str,
    pledge_accepted: bool,
    role: Role = Role.MEMBER,
    verified: bool = False,
) -> Member:
    """Create a member who accepted the code of conduct; Conflict if the address is taken.

    Only for callers that may tell (the CLI, seeding); the public door is join()."""
    email = normalise_email(email)
    display_name = names.clean(display_name)
    problems: dict[str, str] = {}
    if not pledge_accepted:
        problems["pledge_accepted"] = _("You can only join after accepting the code of conduct.")
    name_problem = names.display_name_problem(display_name, role=role)
    if name_problem:
        problems["display_name"] = name_problem
    problem = passwords.password_problem(password, email=email, display_name=display_name)
    if problem:
        problems["password"] = problem
    problems.update(_preference_problems(locale=locale, time_zone=time_zone))
    if problems:
        raise ValidationFailed(_("Some fields are not valid."), fields=problems)
    # Hashed before looking the address up, so a taken address costs the same time.
    password_hash = passwords.hash_password(password)
    if db.session.scalar(sa.select(Member.id).where(Member.email == email)) is not None:
        raise _email_taken()
    member = Member(
        email=email,
        password_hash=password_hash,
        email_verified_at=utcnow() if verified else None,
        display_name=display_name,
        locale=locale,
        time_zone=time_zone,
        pledge_accepted_at=utcnow(),
        role=role,
        trust_level=3 if role != Role.MEMBER else 0,
        platforms=[],
        languages=[locale],
        comfortable_actions=[],
    )
    db.session.add(member)
    try:
        db.session.commit()
    except sa.exc.IntegrityError:
        # Two sign-ups with the same address at once: the unique index decides.
        db.session.rollback()
        raise _email_taken() from None
    return member


def _email_taken() -> Conflict:
    return Conflict(
        _("An account with this email address already exists. Log in instead."),
        fields={"email": _("This email address is already registered.")},
        code="email_taken",
    )


def authenticate(email: str, password: str) -> Member:
    """Return the member with these credentials; unknown email and wrong password look alike."""
    member = db.session.scalar(sa.select(Member).where(Member.email == normalise_email(email)))
    if member is None:
        passwords.burn_verification_time(password)
        raise _bad_credentials()
    if not passwords.verify_password(member.password_hash, password):
        raise _bad_credentials()
    if member.status == MemberStatus.SUSPENDED:
        # Told only to whoever knows the password, so it reveals nothing to a guesser.
        raise Forbidden(
            _("Your account is suspended. Write to the organisers if you think this is a mistake."),
            code="account_suspended",
        )
    if not member.is_active:
        raise _bad_credentials()
    if passwords.needs_rehash(member.password_hash):
        member.password_hash = passwords.hash_password(password)
    member.last_login_at = utcnow()
    db.session.commit()
    return member


def _bad_credentials() -> Unauthorised:
    return Unauthorised(_("Email address or password is incorrect."), code="invalid_credentials")


def end_sessions(member: Member) -> None:
    """Revoke every session of the member (logout, password change)."""
    member.session_version += 1
    db.session.commit()
    connections.end_member_connections(member.id)


def change_password(member: Member, *, current_password: str, new_password: str) -> None:
    """Replace the member's password and revoke their other sessions and their API tokens."""
    check_password(
        member,
        current_password,
        field="current_password",
        message=_("Your current password is incorrect."),
    )
    problem = passwords.password_problem(
        new_password, email=member.email, display_name=member.display_name
    )
    if problem:
        raise ValidationFailed(problem, fields={"new_password": problem})
    member.password_hash = passwords.hash_password(new_password)
    revoke_access(member)


WRONG_PASSWORD = "wrong_password"  # noqa: S105 (the code of an error, not a secret)


def check_password(
    member: Member, password: str, *, field: str = "password", message: str | None = None
) -> None:
    """Refuse a logged-in member's re-entered password if it is wrong (code WRONG_PASSWORD).

    Only this refusal uses up the member's password allowance: a right password with, say, a
    weak new one costs nothing."""
    if not passwords.verify_password(member.password_hash, password):
        message = message or _("Your password is incorrect.")
        raise ValidationFailed(message, fields={field: message}, code=WRONG_PASSWORD)


def revoke_access(member: Member) -> None:
    """End every session, API token and live connection of the member (and commit)."""
    member.session_version += 1
    # A token minted with a leaked password must not outlive a password change or reset
    # ("logged out everywhere else"); the member creates new ones with the new password.
    db.session.execute(
        sa.update(AccessToken)
        .where(AccessToken.member_id == member.id, AccessToken.revoked_at.is_(None))
        .values(revoked_at=utcnow())
    )
    db.session.commit()
    connections.end_member_connections(member.id)


def update_preferences(
    member: Member,
    *,
    display_name: str | None = None,
    locale: str | None = None,
    time_zone: str | None = None,
    digest_frequency: str | None = None,
    platforms: Iterable[str] | None = None,
    languages: Iterable[str] | None = None,
    comfortable_actions: Iterable[str] | None = None,
    asks_per_week: int | None = None,
    campaign_mail: bool | None = None,
) -> Member:
    """Change the member's profile and preferences; unknown codes are refused."""
    problems = _preference_problems(
        locale=locale,
        time_zone=time_zone,
        digest_frequency=digest_frequency,
        platforms=platforms,
        languages=languages,
        comfortable_actions=comfortable_actions,
    )
    if display_name is not None:
        display_name = names.clean(display_name)
        name_problem = names.display_name_problem(
            display_name, role=member.role, member_id=member.id
        )
        if name_problem:
            problems["display_name"] = name_problem
    if asks_per_week is not None and not 0 <= asks_per_week <= 50:
        problems["asks_per_week"] = _("Choose between 0 and 50 asks a week.")
    if problems:
        raise ValidationFailed(_("Some fields are not valid."), fields=problems)
    if display_name is not None:
        member.display_name = display_name
    if locale is not None:
        member.locale = locale
    if time_zone is not None:
        member.time_zone = time_zone
    if digest_frequency is not None:
        member.digest_frequency = DigestFrequency(digest_frequency)
    if campaign_mail is not None:
        member.campaign_mail = bool(campaign_mail)
    if platforms is not None:
        member.platforms = _ordered(platforms, [p.value for p in Platform])
    if languages is not None:
        member.languages = _ordered(languages, list(HELP_LANGUAGES))
    if comfortable_actions is not None:
        member.comfortable_actions = _ordered(comfortable_actions, [a.value for a in ActionType])
    if asks_per_week is not None:
        member.asks_per_week = asks_per_week
    db.session.commit()
    return member


def _ordered(chosen: Iterable[str], vocabulary: list[str]) -> list[str]:
    picked = set(chosen)
    return [code for code in vocabulary if code in picked]


def _preference_problems(
    *,
    locale: str | None = None,
    time_zone: str | None = None,
    digest_frequency: str | None = None,
    platforms: Iterable[str] | None = None,
    languages: Iterable[str] | None = None,
    comfortable_actions: Iterable[str] | None = None,
) -> dict[str, str]:
    problems: dict[str, str] = {}
    if locale is not None and locale not in {loc.value for loc in Locale}:
        problems["locale"] = _("Choose Dutch (nl) or English (en).")
    if time_zone is not None and time_zone not in time_zones():
        problems["time_zone"] = _("Choose a time zone such as Europe/Amsterdam.")
    if digest_frequency is not None and digest_frequency not in {d.value for d in DigestFrequency}:
        problems["digest_frequency"] = _("Choose off, daily or weekly.")
    checks = [
        ("platforms", platforms, {p.value for p in Platform}),
        ("languages", languages, set(HELP_LANGUAGES)),
        ("comfortable_actions", comfortable_actions, {a.value for a in ActionType}),
    ]
    for name, chosen, allowed in checks:
        unknown = sorted(set(chosen or ()) - allowed)
        if unknown:
            problems[name] = _("Unknown choice: %(codes)s.", codes=", ".join(unknown))
    return problems


def delete_account(member: Member, *, password: str) -> None:
    """Erase the member after they confirmed with their password."""
    check_password(member, password)
    from network.privacy.services import erase_member  # privacy builds on members, not back

    erase_member(member)


def create_token(*, email: str, password: str, name: str) -> tuple[AccessToken, str]:
    """Issue a personal access token to the member with these credentials; return it once."""
    return issue_token(authenticate(email, password), name=name)


def create_own_token(member: Member, *, password: str, name: str) -> tuple[AccessToken, str]:
    """Issue a token to a logged-in member who entered their password again; return it once."""
    # A session alone is not enough: a borrowed or stolen session must not mint a credential
    # that outlives it.
    check_password(member, password)
    return issue_token(member, name=name)


def issue_token(member: Member, *, name: str) -> tuple[AccessToken, str]:
    """Issue a personal access token to a member who proved who they are; return it once."""
    secret = new_secret()
    token = AccessToken(
        member_id=member.id,
        name=names.clean(name)[:80] or "API",
        token_hash=token_digest(secret),
        prefix=secret[:12],
    )
    db.session.add(token)
    db.session.commit()
    return token, secret


def revoke_token(member: Member, token_id: int) -> None:
    """Revoke one of the member's tokens."""
    token = db.session.get(AccessToken, token_id)
    if token is None or token.member_id != member.id or token.revoked_at is not None:
        raise NotFound(_("This token does not exist."))
    token.revoked_at = utcnow()
    db.session.commit()
    connections.end_token_connections(token.id)


def create_staff(*, email: str, password: str, display_name: str, role: Role) -> Member:
    """Create an organiser or admin (from the CLI); they start fully trusted."""
    return sign_up(
        email=email,
        password=password,
        display_name=display_name,
        locale="en",
        time_zone="Europe/Amsterdam",
        pledge_accepted=True,
        role=role,
        verified=True,  # the person running the CLI vouches for the address
    )
