"""API resource: the member's digests."""

from __future__ import annotations

from network.accounts.models import Member
from network.api import operation
from network.api.pagination import decode_cursor, encode_cursor
from network.digests import queries
from network.digests.schemas import DigestListQuery, DigestOut, DigestPage


@operation("/me/digests", "GET", tag="digests", query=DigestListQuery, response=DigestPage)
def my_digests(actor: Member, query: DigestListQuery) -> DigestPage:
    """List your digests, newest first."""
    position = decode_cursor(query.cursor)
    before = position.get("id") if position else None
    digests = queries.digests_of(
        actor, before_id=before if isinstance(before, int) else None, limit=query.limit + 1
    )
    page, more = digests[: query.limit], len(digests) > query.limit
    return DigestPage(
        items=[DigestOut.of(digest) for digest in page],
        next_cursor=encode_cursor({"id": page[-1].id}) if more else None,
    )
