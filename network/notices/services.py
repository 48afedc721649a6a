"""Use cases of notices: tell a member something, mark notices read, mail them."""

from __future__ import annotations

import logging

import sqlalchemy as sa

from network import jobs
from network.accounts.models import Member
from network.db import utcnow
from network.errors import NotFound
from network.extensions import db
from network.notices.models import Notice
from network.translation import gettext as _

log = logging.getLogger(__name__)

KINDS = ("alert_approved", "alert_rejected", "retaliation")


def notify(member_id: int, kind: str, *, alert_id: int | None = None, body: str = "") -> Notice:
    """Add a notice for one member to the caller's transaction."""
    assert kind in KINDS, kind
    notice = Notice(member_id=member_id, kind=kind, alert_id=alert_id, body=body.strip()[:500])
    db.session.add(notice)
    db.session.execute(
        sa.update(Member)
        .where(Member.id == member_id)
        .values(unread_notices=Member.unread_notices + 1),
        execution_options={"synchronize_session": False},
    )
    return notice


def _recount(member: Member) -> None:
    """Set the member's unread counter from the notices themselves (it heals any drift)."""
    unread = (
        sa.select(sa.func.count())
        .select_from(Notice)
        .where(Notice.member_id == member.id, Notice.read_at.is_(None))
        .scalar_subquery()
    )
    db.session.execute(
        sa.update(Member).where(Member.id == member.id).values(unread_notices=unread),
        execution_options={"synchronize_session": False},
    )
    db.session.expire(member, ["unread_notices"])


def mail_later(notice: Notice) -> None:
    """Queue the notice's email and push after the commit; the notice stands either way."""
    try:
        jobs.enqueue(jobs.MAIL_NOTICE, notice.id)
        jobs.enqueue(jobs.PUSH_NOTICE, notice.id)
    except Exception:  # a broker outage must not undo the review that was already saved
        log.exception("could not queue the mail for notice %s", notice.id)


def mark_read(member: Member, *, up_to: int | None = None, notice_id: int | None = None) -> int:
    """Mark the member's unread notices read (all up to an id, or one); return how many."""
    query = sa.update(Notice).where(Notice.member_id == member.id, Notice.read_at.is_(None))
    if up_to is not None:
        query = query.where(Notice.id <= up_to)
    if notice_id is not None:
        query = query.where(Notice.id == notice_id)
    result = db.session.execute(
        query.values(read_at=utcnow()), execution_options={"synchronize_session": False}
    )
    _recount(member)
    db.session.commit()
    return int(getattr(result, "rowcount", 0) or 0)


def open_notice(member: Member, notice_id: int) -> Notice:
    """Return one of the member's notices, marked read; others' notices do not exist."""
    notice = db.session.get(Notice, notice_id)
    if notice is None or notice.member_id != member.id:
        raise NotFound(_("This notice does not exist."))
    if notice.read_at is None:
        notice.read_at = utcnow()
        db.session.flush()
        _recount(member)
        db.session.commit()
    return notice
