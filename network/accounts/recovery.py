"""Use cases around the member's address: joining, verifying, changing it, resetting a password."""

from __future__ import annotations

import sqlalchemy as sa

from network.accounts import links, mailing, passwords, services
from network.accounts.addresses import normalise_email
from network.accounts.models import Member
from network.db import utcnow
from network.errors import Conflict, Forbidden, ValidationFailed
from network.extensions import db
from network.translation import gettext as _


def _member_with(email: str) -> Member | None:
    address = normalise_email(email)
    return db.session.scalar(sa.select(Member).where(Member.email == address))


def _tell_owner(owner: Member | None) -> None:
    """Mail the owner of a registered address that someone tried to use it (never the asker)."""
    if owner is not None and owner.is_active:
        mailing.deliver(
            mailing.address_taken_message(
                to=owner.email,
                locale=owner.locale,
                name=owner.display_name,
                token=links.reset_token(owner),
            )
        )


def join(
    *,
    email: str,
    password: str,
    display_name: str,
    locale: str,
    time_zone: str,
    pledge_accepted: bool,
) -> None:
    """Sign up without telling whether the address is registered.

    A new address gets an account and a verification mail; the owner of a registered address
    gets a notice instead. The caller answers both alike."""
    try:
        member = services.sign_up(
            email=email,
            password=password,
            display_name=display_name,
            locale=locale,
            time_zone=time_zone,
            pledge_accepted=pledge_accepted,
        )
    except Conflict:
        _tell_owner(_member_with(email))
        return
    send_verification(member)


def send_verification(member: Member) -> None:
    """Mail the member a link that confirms their address (nothing if it is confirmed)."""
    if member.email_verified_at is not None:
        return
    mailing.deliver(
        mailing.verification_message(
            to=member.email,
            locale=member.locale,
            name=member.display_name,
            token=links.verification_token(member),
        )
    )


def verify_email(token: str) -> Member:
    """Mark the member's address as verified by the mailed link."""
    member = links.member_for_verification(token)
    if member is None:
        raise ValidationFailed(
            _("This link has expired or is no longer valid. Ask for a new one on your profile."),
            code="invalid_link",
        )
    if member.email_verified_at is None:
        member.email_verified_at = utcnow()
        db.session.commit()
    return member


def request_email_change(member: Member, *, password: str, new_email: str) -> None:
    """Mail a link to the new address; the address changes only when the link is followed.

    Whether the new address belongs to someone else is not told: its owner gets a notice."""
    if not member.is_active:
        raise _not_active()
    services.check_password(member, password)
    address = normalise_email(new_email)
    if address == member.email:
        return
    # The current address hears of it, so a stolen password cannot move the account unnoticed.
    mailing.deliver(
        mailing.address_moving_message(
            to=member.email,
            locale=member.locale,
            name=member.display_name,
            token=links.reset_token(member),
        )
    )
    owner = _member_with(address)
    if owner is not None:
        _tell_owner(owner)
        return
    mailing.deliver(
        mailing.email_change_message(
            to=address,
            locale=member.locale,
            name=member.display_name,
            token=links.email_change_token(member, address),
        )
    )


def confirm_email_change(token: str) -> Member:
    """Give the member the new address from the mailed link; it is verified by following it."""
    found = links.email_change(token)
    if found is None:
        raise ValidationFailed(
            _("This link has expired or is no longer valid. Ask for a new one on your profile."),
            code="invalid_link",
        )
    member, address = found
    if not member.is_active:
        raise _not_active()
    old_address = member.email
    member.email = address
    member.email_verified_at = utcnow()
    try:
        db.session.commit()
    except sa.exc.IntegrityError:
        db.session.rollback()
        raise ValidationFailed(
            _("This address is already in use by another account."), code="email_taken"
        ) from None
    if old_address != address:
        mailing.deliver(
            mailing.address_moved_message(
                to=old_address, locale=member.locale, name=member.display_name
            )
        )
    return member


def _not_active() -> Forbidden:
    return Forbidden(
        _("Your account is suspended. Write to the organisers if you think this is a mistake."),
        code="account_suspended",
    )


def request_password_reset(email: str) -> None:
    """Mail a reset link if an active account uses the address; the work is the same if not."""
    member = _member_with(email)
    if member is None or not member.is_active:
        # Sign and render a message nobody receives, so both answers take the same work.
        mailing.reset_message(
            to="nobody@invalid",
            locale="en",
            name="",
            token=links.dummy_reset_token(email),
        )
        return
    mailing.deliver(
        mailing.reset_message(
            to=member.email,
            locale=member.locale,
            name=member.display_name,
            token=links.reset_token(member),
        )
    )


def reset_password(token: str, new_password: str) -> Member:
    """Set a new password from a reset link; end every session, token and live connection."""
    member = links.member_for_reset(token)
    if member is None or not member.is_active:
        raise ValidationFailed(
            _("This link has expired or was already used. Ask for a new one."),
            code="invalid_link",
        )
    problem = passwords.password_problem(
        new_password, email=member.email, display_name=member.display_name
    )
    if problem:
        raise ValidationFailed(problem, fields={"password": problem})
    member.password_hash = passwords.hash_password(new_password)
    # The link was mailed to the address, so following it proves the address too.
    member.email_verified_at = member.email_verified_at or utcnow()
    services.revoke_access(member)
    return member
