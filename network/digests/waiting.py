"""Why members get no digest right now, and a member's digest rendered without sending it."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from email.message import EmailMessage
from zoneinfo import ZoneInfoNotFoundError

import sqlalchemy as sa

from network.accounts.models import DigestFrequency, Member, MemberStatus
from network.db import utcnow
from network.digests.compose import compose, shared
from network.digests.models import Digest, DigestStatus
from network.digests.periods import Period, latest_due, period_ending
from network.errors import NotFound
from network.extensions import db
from network.mail import verified_address
from network.settings import settings


@dataclass
class NotDue:
    """How many members get no digest now, by reason, and when the next ones are due."""

    already_sent: int = 0  # this period's digest went out
    in_progress: int = 0  # another run is sending this period's digest
    failed: int = 0  # given up on this period after retries (see the log)
    joined_after: int = 0  # joined after this period ended: their first comes next period
    unknown_time_zone: int = 0
    frequency_off: int = 0
    not_active: int = 0  # suspended or erased
    unverified: int = 0  # have not confirmed their address: no digest goes to it until they do
    next_due_at: datetime | None = None  # the earliest next send time of a waiting member

    @property
    def due_later(self) -> int:
        """Return the members who will get a digest at a later send time."""
        return self.already_sent + self.in_progress + self.joined_after

    def lines(self) -> list[str]:
        """Describe the reasons in plain sentences (for the command line)."""
        found: list[str] = []
        if self.due_later:
            when = (
                f", the next at {self.next_due_at:%Y-%m-%d %H:%M} UTC" if self.next_due_at else ""
            )
            found.append(f"{self.due_later} members are due later{when}:")
            found += [
                f"  {count} {text}"
                for count, text in (
                    (self.already_sent, "already got this period's digest"),
                    (self.in_progress, "are being sent this period's digest by another run"),
                    (self.joined_after, "joined after this period ended (first digest next time)"),
                )
                if count
            ]
        found += [
            f"{count} {text}"
            for count, text in (
                (self.failed, "could not be sent this period's digest (gave up; see the log)"),
                (self.unknown_time_zone, "have a time zone this server does not know"),
                (self.frequency_off, "switched digests off"),
                (self.not_active, "are suspended or erased"),
                (self.unverified, "have not confirmed their email address yet"),
            )
            if count
        ]
        return found


def _send_hour() -> int:
    return settings().digest_send_hour


def _latest(frequency: str, time_zone: str, now: datetime) -> Period:
    return latest_due(
        frequency,
        time_zone,
        now,
        send_hour=_send_hour(),
        weekday=settings().digest_weekday,
    )


def _next_after(period: Period) -> datetime:
    step = 1 if period.frequency == "daily" else 7
    following = period.end_date + timedelta(days=step)
    return period_ending(period.frequency, period.time_zone, following, _send_hour()).end


def not_due(now: datetime | None = None) -> NotDue:
    """Count the members who get no digest now, by reason (the same rules as due_batches)."""
    now = now or utcnow()
    report = NotDue()
    active = Member.status == MemberStatus.ACTIVE
    report.not_active = _count(~active)
    report.frequency_off = _count(active, Member.digest_frequency == DigestFrequency.OFF)
    wanted = Member.digest_frequency != DigestFrequency.OFF
    report.unverified = _count(active, wanted, ~verified_address())
    active = sa.and_(active, verified_address())
    groups = db.session.execute(
        sa.select(Member.digest_frequency, Member.time_zone)
        .where(active, wanted)
        .group_by(Member.digest_frequency, Member.time_zone)
    ).all()
    for frequency, time_zone in groups:
        in_group = (active, Member.digest_frequency == frequency, Member.time_zone == time_zone)
        try:
            period = _latest(str(frequency), time_zone, now)
        except (ZoneInfoNotFoundError, ValueError):
            report.unknown_time_zone += _count(*in_group)
            continue
        statuses = db.session.execute(
            sa.select(Digest.status, sa.func.count())
            .join(Member, Member.id == Digest.member_id)
            .where(*in_group, Digest.period_key == period.key)
            .group_by(Digest.status)
        ).all()
        counted = {DigestStatus(status): int(count) for status, count in statuses}
        joined_after = _count(*in_group, Member.created_at >= period.end)
        report.already_sent += counted.get(DigestStatus.SENT, 0)
        report.in_progress += counted.get(DigestStatus.CLAIMED, 0)
        report.failed += counted.get(DigestStatus.FAILED, 0)
        report.joined_after += joined_after
        waiting = counted.get(DigestStatus.SENT, 0) + counted.get(DigestStatus.CLAIMED, 0)
        if waiting or joined_after:
            following = _next_after(period)
            if report.next_due_at is None or following < report.next_due_at:
                report.next_due_at = following
    return report


def _count(*conditions: sa.ColumnElement[bool]) -> int:
    return db.session.scalar(sa.select(sa.func.count()).select_from(Member).where(*conditions)) or 0


def preview(email: str, now: datetime | None = None) -> EmailMessage:
    """Render the digest a member would get for the latest period; send and record nothing."""
    from network.digests.queries import alerts_needing_help
    from network.digests.services import _compose_rows

    member = db.session.scalar(sa.select(Member).where(Member.email == email.strip().lower()))
    if member is None:
        raise NotFound("No member has this email address.")
    # Members with digests off see what a weekly one would say.
    frequency = (
        member.digest_frequency.value
        if member.digest_frequency != DigestFrequency.OFF
        else DigestFrequency.WEEKLY.value
    )
    period = _latest(frequency, member.time_zone, now or utcnow())
    (row,) = _compose_rows([member], period, claimed_by="preview")
    digest = Digest(**row)  # never added to the session: nothing is stored
    try:
        return compose(digest, member, shared(member.locale, alerts_needing_help(limit=3)))
    finally:
        db.session.rollback()
