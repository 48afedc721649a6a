"""API resources: the member's notices."""

from __future__ import annotations

from network.accounts.models import Member
from network.api import operation
from network.notices import queries, services
from network.notices.schemas import NoticeOut, NoticePage, NoticesReadIn


def _page(actor: Member) -> NoticePage:
    return NoticePage(
        items=[NoticeOut.of(notice) for notice in queries.notices_of(actor)],
        unread=queries.unread_count(actor),
    )


@operation("/me/notices", "GET", tag="notices", response=NoticePage)
def my_notices(actor: Member) -> NoticePage:
    """List your newest notices (e.g. how your alerts were reviewed) and the unread count."""
    return _page(actor)


@operation("/me/notices/read", "POST", tag="notices", body=NoticesReadIn, response=NoticePage)
def read_notices(actor: Member, body: NoticesReadIn) -> NoticePage:
    """Mark your notices read up to and including an id."""
    services.mark_read(actor, up_to=body.up_to)
    return _page(actor)
