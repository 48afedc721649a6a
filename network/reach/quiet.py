"""Quiet hours in the member's own time zone: nothing is pushed then."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

import sqlalchemy as sa

from network.accounts.models import Member
from network.db import utcnow
from network.extensions import db
from network.reach.models import QUIET_FROM, QUIET_UNTIL, PushSubscription, ReachSettings


def is_quiet(quiet_from: int, quiet_until: int, time_zone: str, now: datetime) -> bool:
    """Tell whether `now` falls in the quiet hours (minutes after local midnight)."""
    if quiet_from == quiet_until:
        return False  # no quiet hours
    try:
        local = now.astimezone(ZoneInfo(time_zone))
    except (ZoneInfoNotFoundError, ValueError):
        local = now
    minute = local.hour * 60 + local.minute
    if quiet_from < quiet_until:
        return quiet_from <= minute < quiet_until
    return minute >= quiet_from or minute < quiet_until  # across midnight


def asleep(member_ids: Iterable[int], now: datetime | None = None) -> set[int]:
    """Return which of these members get pushes and are in their quiet hours now."""
    ids = list(member_ids)
    if not ids:
        return set()
    now = now or utcnow()
    rows = db.session.execute(
        sa.select(
            Member.id,
            Member.time_zone,
            sa.func.coalesce(ReachSettings.quiet_from, QUIET_FROM),
            sa.func.coalesce(ReachSettings.quiet_until, QUIET_UNTIL),
        )
        .outerjoin(ReachSettings, ReachSettings.member_id == Member.id)
        .where(
            Member.id.in_(ids),
            sa.exists().where(PushSubscription.member_id == Member.id),
        )
    ).all()
    return {
        member_id
        for member_id, zone, quiet_from, quiet_until in rows
        if is_quiet(int(quiet_from), int(quiet_until), zone, now)
    }


def minutes(text: str) -> int:
    """Read "HH:MM" as minutes after midnight (ValueError when it is not a time)."""
    hours, _, mins = text.strip().partition(":")
    value = int(hours) * 60 + int(mins)
    if not (0 <= int(hours) < 24 and 0 <= int(mins) < 60 and len(mins) == 2):
        raise ValueError(text)
    return value


def clock(value: int) -> str:
    """Write minutes after midnight as "HH:MM"."""
    return f"{value // 60:02d}:{value % 60:02d}"
