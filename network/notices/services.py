"""Use cases of notices: tell a member something, mark notices read, mail them."""

from __future__ import annotations

import logging
from collections.abc import Iterable
from typing import cast

import sqlalchemy as sa
from sqlalchemy.dialects import postgresql

from network import jobs
from network.accounts.models import Member
from network.db import utcnow
from network.errors import NotFound
from network.extensions import db
from network.notices.models import Notice
from network.translation import gettext as _

log = logging.getLogger(__name__)

KINDS = ("alert_approved", "alert_rejected", "retaliation")


_NOTICE, _MEMBER = (cast(sa.Table, model.__table__) for model in (Notice, Member))
# Parameters named unlike any column: SQLAlchemy would take a column's name as a SET value.
_MEMBERS = sa.bindparam("told_members", type_=postgresql.ARRAY(sa.Integer))
# PostgreSQL: the notices and their members' unread counters in one statement, built once.
NOTIFY_EACH = (
    _NOTICE.insert()
    .from_select(
        ["member_id", "kind", "alert_id", "body", "created_at"],
        sa.select(
            sa.func.unnest(_MEMBERS),
            sa.bindparam("told_kind", type_=_NOTICE.c.kind.type),
            sa.bindparam("told_alert", type_=_NOTICE.c.alert_id.type),
            sa.bindparam("told_body", type_=_NOTICE.c.body.type),
            sa.bindparam("told_at", type_=_NOTICE.c.created_at.type),
        ),
    )
    .returning(_NOTICE.c.id, _NOTICE.c.member_id)
    .add_cte(
        _MEMBER.update()
        .where(_MEMBER.c.id == sa.any_(_MEMBERS))
        # A literal 1: in a common table expression SQLAlchemy would ask for a parameter for
        # the SET clause's bound 1 that it never sends.
        .values(unread_notices=_MEMBER.c.unread_notices + sa.literal_column("1"))
        .cte("counted")
    )
)


def notify_each(
    member_ids: Iterable[int], kind: str, *, alert_id: int | None = None, body: str = ""
) -> list[int]:
    """Add one notice for each of these members to the caller's transaction (a member named
    twice gets one) and count it unread; return the notices' ids, in member order. One
    statement on PostgreSQL however many members are told (two on SQLite)."""
    assert kind in KINDS, kind
    members = sorted(set(member_ids))
    if not members:
        return []
    body, now = body.strip()[:500], utcnow()
    if db.session.get_bind().dialect.name == "postgresql":
        told = {"told_kind": kind, "told_alert": alert_id, "told_body": body, "told_at": now}
        inserted = db.session.execute(NOTIFY_EACH, {"told_members": members, **told}).all()
    else:
        values = {"kind": kind, "alert_id": alert_id, "body": body, "created_at": now}
        inserted = db.session.execute(
            _NOTICE.insert()
            .values([{"member_id": member, **values} for member in members])
            .returning(_NOTICE.c.id, _NOTICE.c.member_id)
        ).all()
        db.session.execute(
            _MEMBER.update()
            .where(_MEMBER.c.id.in_(members))
            .values(unread_notices=_MEMBER.c.unread_notices + 1)
        )
    # RETURNING promises no order: put the ids in member order.
    return [int(notice_id) for notice_id, _member in sorted(inserted, key=lambda row: row[1])]


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


def mail_later(notice_ids: Iterable[int]) -> None:
    """Queue the notices' email and push after the commit; the notices stand either way."""
    for notice_id in notice_ids:
        try:
            jobs.enqueue(jobs.MAIL_NOTICE, notice_id)
            jobs.enqueue(jobs.PUSH_NOTICE, notice_id)
        except Exception:  # a broker outage must not undo the review that was already saved
            log.exception("could not queue the mail for notice %s", notice_id)


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
