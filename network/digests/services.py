"""Use cases of digests: find who is due, build a batch once per period, send each digest once.

Exactly once per member and period: the unique (member, period) row is claimed before anything
is sent; a job is acknowledged only when it finished, so a killed worker's job runs again and
resumes the rows it claimed (same task id); rows claimed by a job that died under another id
are taken over after a lease. What cannot be promised: a crash after the SMTP server accepted a
message but before the row was marked sent sends that one message again (with the same
Message-ID, which mail clients use to drop duplicates). Rows are marked without waiting for the
disk and made durable at the end of each batch (marks.py): a crash of the database server itself
can resend that batch's last marked messages, again with their Message-IDs.
"""

from __future__ import annotations

import logging
import smtplib
from collections.abc import Callable, Iterator, Sequence
from contextlib import closing
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from functools import partial
from typing import Any, cast
from zoneinfo import ZoneInfoNotFoundError

import sqlalchemy as sa
from flask_babel import force_locale
from sqlalchemy.orm import load_only

from network.accounts.models import DigestFrequency, Member, MemberStatus
from network.alerts.models import Alert
from network.coordination.needs import Need
from network.db import utcnow
from network.digests import compose
from network.digests import numbers as figures
from network.digests.marks import Marks
from network.digests.models import Digest, DigestStatus
from network.digests.norm import Norm, network_norm, personal_norm
from network.digests.periods import Period, from_key, latest_due
from network.digests.queries import alerts_needing_help
from network.digests.unsubscribe import member_for_token
from network.extensions import db
from network.learning.checkins import waiting_counts
from network.learning.experiments import norm_in_experiment, running_experiment
from network.mail import Mailer, Outgoing, describe_failure, unreachable, verified_address
from network.settings import settings
from network.vocabulary import ActionType

log = logging.getLogger(__name__)


@dataclass
class Batch:
    """Members of one frequency and time zone, due for the same period."""

    member_ids: list[int]
    frequency: str
    time_zone: str
    period_key: str
    # The period's network numbers (numbers.PeriodNumbers.as_json), worked out once by the
    # dispatcher for all the period's batches; None: the batch works them out itself.
    numbers: dict[str, Any] | None = None


@dataclass
class BatchResult:
    """What happened to a batch: sent, skipped (someone else has them), failed (retry)."""

    sent: list[int] = field(default_factory=list)
    skipped: list[int] = field(default_factory=list)
    failed: dict[int, str] = field(default_factory=dict)


def _send_hour() -> int:
    return settings().digest_send_hour


def _lease_start() -> datetime:
    """Return the moment before which a claim counts as abandoned by its job."""
    return utcnow() - timedelta(minutes=settings().digest_claim_lease_minutes)


def due_batches(member_id: int | None = None) -> list[Batch]:
    """Find members whose local send time has come and who have no digest for that period
    (only the member `member_id`, when given: their group's numbers alone are worked out).

    A digest claimed by a job that has not touched it for a lease counts as missing: that job
    died and was not redelivered, so a new batch takes the row over (see build_batch)."""
    now = utcnow()
    lease = _lease_start()
    batch_size = max(1, settings().digest_batch_size)
    only = () if member_id is None else (Member.id == member_id,)
    groups = db.session.execute(
        sa.select(Member.digest_frequency, Member.time_zone)
        .where(
            Member.status == MemberStatus.ACTIVE,
            Member.digest_frequency != DigestFrequency.OFF,
            verified_address(),
            *only,
        )
        .group_by(Member.digest_frequency, Member.time_zone)
    ).all()
    batches: list[Batch] = []
    for frequency, time_zone in groups:
        try:
            period = latest_due(
                str(frequency),
                time_zone,
                now,
                send_hour=_send_hour(),
                weekday=settings().digest_weekday,
            )
        except (ZoneInfoNotFoundError, ValueError):
            log.error("no digests for members in unknown time zone %r", time_zone)
            continue
        has_digest = sa.exists().where(
            Digest.member_id == Member.id,
            Digest.period_key == period.key,
            sa.or_(Digest.status != DigestStatus.CLAIMED, Digest.claimed_at >= lease),
        )
        member_ids = list(
            db.session.scalars(
                sa.select(Member.id)
                .where(
                    Member.status == MemberStatus.ACTIVE,
                    Member.digest_frequency == frequency,
                    Member.time_zone == time_zone,
                    verified_address(),
                    Member.created_at < period.end,
                    ~has_digest,
                    *only,
                )
                .order_by(Member.id)
            )
        )
        if not member_ids:
            continue
        # The network's numbers once for all of this period's batches (a handful of aggregates
        # over the whole network, which each batch ran again).
        numbers = figures.period_numbers(period, _send_hour()).as_json()
        for first in range(0, len(member_ids), batch_size):
            batches.append(
                Batch(
                    member_ids[first : first + batch_size],
                    str(frequency),
                    time_zone,
                    period.key,
                    numbers,
                )
            )
    return batches


def build_batch(batch: Batch, claimed_by: str) -> list[Digest]:
    """Claim digest rows for a batch, computing the numbers once; return the rows to send.

    The number of queries does not grow with the number of members in the batch."""
    period = from_key(batch.period_key, batch.time_zone, _send_hour())
    lease = _lease_start()
    # Only what the numbers and the norm need: whole members are loaded for sending.
    members = db.session.execute(
        sa.select(Member.id, Member.locale).where(
            db.one_of(Member.id, batch.member_ids),
            Member.status == MemberStatus.ACTIVE,
            Member.digest_frequency == batch.frequency,
            verified_address(),
        )
    ).all()
    if members:
        rows = _compose_rows(members, period, claimed_by, batch.numbers)
        # Executed for many rows, the statement is compiled once and cached (a VALUES list of
        # its own per batch is compiled again every time).
        db.session.execute(_insert_ignoring_duplicates(), rows)
    # Take over rows a dead job left claimed under another id, once their lease ran out.
    db.session.execute(
        sa.update(Digest)
        .where(
            db.one_of(Digest.member_id, batch.member_ids),
            Digest.period_key == batch.period_key,
            Digest.status == DigestStatus.CLAIMED,
            Digest.claimed_by != claimed_by,
            Digest.claimed_at < lease,
        )
        .values(claimed_by=claimed_by, claimed_at=utcnow())
    )
    db.session.commit()
    return list(
        db.session.scalars(
            sa.select(Digest)
            .where(
                db.one_of(Digest.member_id, batch.member_ids),
                Digest.period_key == batch.period_key,
                Digest.status == DigestStatus.CLAIMED,
                Digest.claimed_by == claimed_by,
            )
            .order_by(Digest.member_id)
        )
    )


def _insert_ignoring_duplicates() -> Any:
    table = cast(sa.Table, Digest.__table__)
    if db.session.get_bind().dialect.name == "postgresql":
        from sqlalchemy.dialects.postgresql import insert as pg_insert

        return pg_insert(table).on_conflict_do_nothing(constraint="uq_digest_member_period")
    from sqlalchemy.dialects.sqlite import insert as sqlite_insert

    return sqlite_insert(table).on_conflict_do_nothing()


def _compose_rows(
    members: Sequence[Any],
    period: Period,
    claimed_by: str,
    numbers: dict[str, Any] | None = None,
) -> list[dict[str, Any]]:
    """Return the digest rows of these members (anything with their `id` and `locale`).

    `numbers` are the period's network numbers as the dispatcher worked them out; without
    them, or when they cannot be read, they are worked out here."""
    known = None
    if numbers is not None:
        try:
            known = figures.PeriodNumbers.from_json(numbers)
        except ValueError:
            log.warning("a digest batch for %s came with unreadable numbers", period.key)
    if known is None:
        known = figures.period_numbers(period, _send_hour())
    network, acted_before, active_before = known.network, known.acted_before, known.active_before
    previous_share = acted_before / active_before if active_before else None
    context = figures.member_context([member.id for member in members], period.start, period.end)
    # A running norm-message experiment chooses the message by the member's arm.
    experiment = running_experiment()
    now = utcnow()
    rows = []
    network_norms: dict[str, Norm | None] = {}
    personal_norms: dict[tuple[str, Any], Norm] = {}
    # What the network's message depends on: the same for every member of the batch.
    shared_situation: dict[str, Any] = {
        "share": network.share,
        "previous_share": previous_share,
        "weekly": period.frequency == "weekly",
        "acted": network.members_acted,
        "previous_acted": acted_before if active_before else None,
    }
    network_numbers = network.as_dict()  # the same for every member (stored as JSON)
    for member in members:
        acted = bool(context.own_actions.get(member.id))
        teams = [
            context.team_numbers[team].seen_by(acted)
            for team in sorted(context.teams.get(member.id, []))
            if team in context.team_numbers
        ]
        teams = [team for team in teams if team.members > 0]
        best = max(teams, key=lambda team: (team.acted, team.members), default=None)
        numbers = {
            "network": network_numbers,
            "previous_share": round(previous_share, 4) if previous_share is not None else None,
            "teams": [{"name": t.name, "members": t.members, "acted": t.acted} for t in teams],
            "campaigns": [c.as_dict() for c in context.campaigns.get(member.id, [])],
            "own_actions": context.own_actions.get(member.id, {}),
        }
        situation: dict[str, Any] = {
            **shared_situation,
            "best_team": (best.name, best.acted, best.members) if best else None,
        }
        arm = None
        if experiment is None:
            # choose_norm(**situation), each part worked out once per batch: the network's
            # message once per language, the team's once per language and team.
            locale = member.locale
            if locale not in network_norms:
                with _locale(locale):
                    network_norms[locale] = network_norm(**shared_situation)
            norm = network_norms[locale]
            if norm is None:
                key = (locale, situation["best_team"])
                norm = personal_norms.get(key)
                if norm is None:
                    with _locale(locale):
                        norm = personal_norms[key] = personal_norm(situation["best_team"])
        else:
            with _locale(member.locale):
                shown = norm_in_experiment(experiment, member.id, **situation)
                norm, arm = shown.norm, shown.arm
                numbers["experiment"] = {"arm": arm, "fallback": shown.fallback}
        rows.append(
            {
                "member_id": member.id,
                "period_key": period.key,
                "period_start": period.start,
                "period_end": period.end,
                "status": DigestStatus.CLAIMED,
                "claimed_by": claimed_by,
                "claimed_at": now,
                "attempts": 0,
                "numbers": numbers,
                "norm_kind": norm.kind,
                "norm_message": norm.message,
                "experiment_id": experiment.id if experiment is not None else None,
                "experiment_arm": arm,
            }
        )
    return rows


def _locale(locale: str) -> Any:
    return force_locale(locale)


def send_batch(batch: Batch, claimed_by: str) -> BatchResult:
    """Build and send one batch; failures stay claimed for the retry of the same job.

    One SMTP connection for the batch, templates and shared texts prepared once, one query for
    the recipients' check-ins and one for their verified addresses. Each digest is marked sent
    as soon as the server accepted it: the mark goes out at once and its answer is awaited
    before anything that could make the server accept the next message goes out
    (`Mailer.stream`, marks.py), so a worker killed mid-batch resends at most the one message
    it had not marked yet. The next message is rendered while the mark travels.

    A refused message (a 4xx/5xx reply) fails alone; the batch goes on. When the connection
    drops mid-batch, the message in flight counts as failed (the server did not confirm it;
    the retry sends it again with the same Message-ID) and the next message opens a new
    connection; when that cannot be opened, or drops again before a message got through, the
    rest of the batch waits untouched for the job's retry."""
    result = BatchResult()
    digests = build_batch(batch, claimed_by)
    claimed = {digest.member_id for digest in digests}
    result.skipped = [member_id for member_id in batch.member_ids if member_id not in claimed]
    if not digests:
        return result
    members, open_alerts = _load_for_sending(digests, claimed)
    rendering = compose.Renderer(open_alerts, waiting_counts(sorted(claimed)))
    by_id = {digest.id: digest for digest in digests}
    message_ids = {digest.id: compose.message_id(digest) for digest in digests}
    failures: dict[int, str] = {}
    dropped = False  # the connection dropped and no message got through since
    with Mailer() as mailer, Marks() as marks:
        mailer.vouch(member.email for member in members.values())
        outgoing = _outgoing(digests, members, rendering, claimed_by, result)
        # Closed however the loop ends: a message handed over but not answered is dropped.
        with closing(mailer.stream(outgoing, settle=marks.settle)) as outcomes:
            for digest_id, error in outcomes:
                digest = by_id[digest_id]
                if error is None:
                    dropped = False
                    marks.sent(digest.id, message_ids[digest.id])
                    result.sent.append(digest.member_id)
                    continue
                log.warning(
                    "digest %s to member %s failed: %s",
                    digest.id,
                    digest.member_id,
                    describe_failure(error),
                )
                failures[digest.id] = describe_failure(error)
                result.failed[digest.member_id] = describe_failure(error)
                if unreachable(error) and (dropped or not _dropped(error)):
                    # No server to talk to: the rest waits for the retry instead of each message
                    # waiting for its own connection timeout. A message handed over but not
                    # answered yet was never accepted (the mailer hangs up without its dot).
                    answered = {*result.sent, *result.failed, *result.skipped}
                    for later in digests:
                        if later.member_id not in answered:
                            result.failed[later.member_id] = describe_failure(error)
                    break
                dropped = _dropped(error)
        marks.failed(failures)
    return result


def _outgoing(
    digests: list[Digest],
    members: dict[int, Member],
    rendering: compose.Renderer,
    claimed_by: str,
    result: BatchResult,
) -> Iterator[Outgoing]:
    """Hand the mailer each digest still claimed by this job, rendered when its turn comes."""
    lease = timedelta(minutes=settings().digest_claim_lease_minutes)
    renewed_at = utcnow()
    ours = {digest.id for digest in digests}
    for digest in digests:
        # A job slower than a third of the lease renews its claims, so no other job takes
        # them over while this one is still sending; rows already taken over are skipped.
        if utcnow() - renewed_at > lease / 3:
            ours = _renew_claims([d.id for d in digests if d.id in ours], claimed_by)
            renewed_at = utcnow()
        member = members[digest.member_id]
        if digest.id not in ours:
            result.skipped.append(member.id)
            continue
        try:
            to = rendering.recipient(member)
        except Exception:  # not one address: building the message fails and says why
            to = ""
        yield Outgoing(
            digest.id,
            rendering.sender,
            to,
            partial(rendering.message, digest, member),
            partial(rendering.begin, digest, member),
        )


def _dropped(error: BaseException) -> bool:
    """Tell whether an open connection was lost (rather than none could be opened)."""
    return isinstance(
        error, smtplib.SMTPServerDisconnected | ConnectionResetError | BrokenPipeError
    )


def _load_for_sending(
    digests: list[Digest], member_ids: set[int]
) -> tuple[dict[int, Member], list[tuple[Alert, dict[ActionType, Need]]]]:
    """Load the members and the alerts that need help.

    They stay in the session as loaded: what commits while the batch is sent (a lease renewal,
    marks on SQLite) keeps what the session holds (`db.commit_keeping_loaded`) rather than
    reading it all again."""
    # The columns a digest shows or is sent with: the others (lists stored as JSON, settings)
    # would cost more to load than the message does to build.
    members = {
        member.id: member
        for member in db.session.scalars(
            sa.select(Member)
            .where(db.one_of(Member.id, member_ids))
            .options(load_only(Member.email, Member.locale, Member.display_name, Member.time_zone))
        )
    }
    return members, alerts_needing_help(limit=3)


def send_due_digests(send: Callable[[Batch], None], *, member_id: int | None = None) -> list[Batch]:
    """Hand every due batch to `send` (only one member's digest when `member_id` is given).

    The scheduled job queues one job per batch; `upstander send-digests` sends each in its own
    process. Both choose what is due here."""
    batches = due_batches(member_id)
    for batch in batches:
        send(batch)
    return batches


def _renew_claims(digest_ids: list[int], claimed_by: str) -> set[int]:
    """Renew this job's claims on these rows; return the ids still claimed by it."""
    if not digest_ids:
        return set()
    db.session.execute(
        sa.update(Digest)
        .where(
            db.one_of(Digest.id, digest_ids),
            Digest.status == DigestStatus.CLAIMED,
            Digest.claimed_by == claimed_by,
        )
        .values(claimed_at=utcnow())
    )
    db.commit_keeping_loaded()
    return set(
        db.session.scalars(
            sa.select(Digest.id).where(
                db.one_of(Digest.id, digest_ids),
                Digest.status == DigestStatus.CLAIMED,
                Digest.claimed_by == claimed_by,
            )
        )
    )


def give_up(batch: Batch, claimed_by: str) -> int:
    """Mark what a job could not send as failed, visibly, after its last retry."""
    failed = db.session.execute(
        sa.update(Digest)
        .where(
            db.one_of(Digest.member_id, batch.member_ids),
            Digest.period_key == batch.period_key,
            Digest.status == DigestStatus.CLAIMED,
            Digest.claimed_by == claimed_by,
        )
        .values(status=DigestStatus.FAILED)
    )
    db.session.commit()
    count = int(getattr(failed, "rowcount", 0) or 0)
    if count:
        log.error("gave up sending %s digests for %s after retries", count, batch.period_key)
    return count


def unsubscribe(token: str) -> Member | None:
    """Stop digests for the member the token was made for; None when the token is not valid."""
    member = member_for_token(token)
    if member is None:
        return None
    member.digest_frequency = DigestFrequency.OFF
    db.session.commit()
    return member
