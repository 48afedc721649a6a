"""Read side of members: who is behind a session or a token."""

from __future__ import annotations

import sqlalchemy as sa
from flask import current_app
from sqlalchemy.orm import contains_eager

from network.accounts.models import AccessToken, Member, MemberStatus
from network.accounts.token_cache import TokenCache
from network.accounts.tokens import looks_like_token, token_digest
from network.extensions import db


def member_for_session(session_id: str) -> Member | None:
    """Return the active member of a session id ("id:version"); stale versions get nobody."""
    member_id, _sep, version = session_id.partition(":")
    if not (member_id.isdigit() and version.isdigit()):
        return None
    member = db.session.get(Member, int(member_id))
    if member is None or not member.is_active or member.session_version != int(version):
        return None
    return member


# Built once: every API request runs it, with the token's digest as its one parameter.
MEMBER_FOR_TOKEN = (
    sa.select(Member)
    .join(AccessToken, AccessToken.member_id == Member.id)
    .where(
        AccessToken.token_hash == sa.bindparam("digest"),
        AccessToken.revoked_at.is_(None),
        Member.status == MemberStatus.ACTIVE,
    )
)


def member_for_token(secret: str) -> Member | None:
    """Return the active member owning a valid, unrevoked token (every API request asks: the
    member alone is loaded, not the token beside it)."""
    if not looks_like_token(secret):
        return None
    digest = token_digest(secret)

    def load() -> Member | None:
        return db.session.scalar(MEMBER_FOR_TOKEN, {"digest": digest})

    cache: TokenCache | None = current_app.extensions.get("token_cache")
    return load() if cache is None else cache.member(db.session(), digest, load)


def token_for_secret(secret: str) -> AccessToken | None:
    """Return the valid, unrevoked token of an active member with this secret."""
    if not looks_like_token(secret):
        return None
    token = db.session.scalar(
        sa.select(AccessToken)
        .join(Member, AccessToken.member_id == Member.id)
        .where(AccessToken.token_hash == token_digest(secret), AccessToken.revoked_at.is_(None))
        .options(contains_eager(AccessToken.member))
    )
    return token if token is not None and token.member.is_active else None


def tokens_of(member: Member) -> list[AccessToken]:
    """Return the member's unrevoked tokens, newest first."""
    return list(
        db.session.scalars(
            sa.select(AccessToken)
            .where(AccessToken.member_id == member.id, AccessToken.revoked_at.is_(None))
            .order_by(AccessToken.id.desc())
        )
    )
