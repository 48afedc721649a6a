"""The research export: one row per action, without anything that names a person or a page.

Member, alert and campaign ids are replaced by hashes salted per export (HMAC-SHA256, a fresh
random salt each time): rows of one export can be linked to each other, never across exports or
back to the network. No emails, names, URLs, summaries or notes. Rows are read in batches from a
server-side cursor (PostgreSQL) and written as they come, so a large export never sits in memory.
The codebook is docs/research-data.md."""

from __future__ import annotations

import csv
import hashlib
import hmac
import io
import secrets
from collections.abc import Iterator
from datetime import datetime
from typing import Any

import sqlalchemy as sa

from network.alerts.models import Alert
from network.coordination.models import Action, ActionStatus
from network.extensions import db
from network.learning.models import CheckIn, CheckInOutcome
from network.teams.models import TeamMembership

BATCH = 1000
HASH_CHARS = 16  # 64 bits of the HMAC: unique enough within one export

COLUMNS = (
    "action_hash",
    "member_hash",
    "alert_hash",
    "alert_category",
    "alert_severity",
    "alert_platform",
    "alert_language",
    "campaign_hash",
    "team_size_band",
    "action_type",
    "action_status",
    "anonymous",
    "template_tone",
    "claimed_at",
    "done_at",
    "checkin_asked",
    "checkin_outcome",
    "platform_decision",
    "statement_of_reasons",
    "retaliation",
)

TEAM_BANDS = ((0, "none"), (1, "1-4"), (5, "5-9"), (10, "10-24"), (25, "25+"))


def team_size_band(size: int | None) -> str:
    """Band a team's size so small teams cannot be told apart ("none" for no team)."""
    band = "none"
    for smallest, name in TEAM_BANDS:
        if (size or 0) >= smallest:
            band = name
    return band


class Hasher:
    """Salted per export: the same id hashes alike within one export, differently in the next."""

    def __init__(self, salt: bytes | None = None) -> None:
        self.salt = salt or secrets.token_bytes(32)

    def __call__(self, kind: str, value: int | None) -> str:
        if value is None:
            return ""
        digest = hmac.new(self.salt, f"{kind}:{value}".encode(), hashlib.sha256)
        return digest.hexdigest()[:HASH_CHARS]


def _time(value: datetime | None) -> str:
    return value.isoformat(timespec="minutes") if value is not None else ""


def _flag(value: bool | None) -> str:
    return "" if value is None else ("true" if value else "false")


def _value(value: Any) -> str:
    if value is None:
        return ""
    return str(getattr(value, "value", value))


def rows(hasher: Hasher | None = None) -> Iterator[dict[str, str]]:
    """Yield one row per action (claimed, done, released or expired), oldest first."""
    hasher = hasher or Hasher()
    team_sizes = dict(
        db.session.execute(
            sa.select(TeamMembership.team_id, sa.func.count()).group_by(TeamMembership.team_id)
        ).all()
    )
    query = (
        sa.select(
            Action.id,
            Action.member_id,
            Action.alert_id,
            Alert.category,
            Alert.severity,
            Alert.platform,
            Alert.language,
            Alert.campaign_id,
            Alert.team_id,
            Action.type,
            Action.status,
            Action.anonymous,
            Action.template_tone,
            Action.claimed_at,
            Action.done_at,
            CheckIn.asked_at,
            CheckIn.outcome,
            CheckIn.platform_decision,
            CheckIn.statement_of_reasons,
        )
        .join(Alert, Alert.id == Action.alert_id)
        .outerjoin(CheckIn, CheckIn.action_id == Action.id)
        .order_by(Action.id)
        .execution_options(yield_per=BATCH)
    )
    for row in db.session.execute(query):
        (
            action_id,
            member_id,
            alert_id,
            category,
            severity,
            platform,
            language,
            campaign_id,
            team_id,
            kind,
            status,
            anonymous,
            tone,
            claimed_at,
            done_at,
            asked_at,
            outcome,
            decision,
            statement,
        ) = row
        yield {
            "action_hash": hasher("action", action_id),
            "member_hash": hasher("member", member_id),
            "alert_hash": hasher("alert", alert_id),
            "alert_category": _value(category),
            "alert_severity": str(severity),
            "alert_platform": _value(platform),
            "alert_language": language or "",
            "campaign_hash": hasher("campaign", campaign_id),
            "team_size_band": team_size_band(team_sizes.get(team_id) if team_id else None),
            "action_type": _value(kind),
            "action_status": _value(status),
            "anonymous": _flag(anonymous),
            "template_tone": tone or "",
            "claimed_at": _time(claimed_at),
            "done_at": _time(done_at),
            "checkin_asked": _flag(asked_at is not None) if status == ActionStatus.DONE else "",
            "checkin_outcome": _value(outcome),
            "platform_decision": _value(decision),
            "statement_of_reasons": _flag(statement),
            "retaliation": _flag(outcome == CheckInOutcome.RETALIATION) if outcome else "",
        }


def csv_header() -> str:
    """The CSV export's first line: the column names."""
    return ",".join(COLUMNS) + "\r\n"


def csv_lines(hasher: Hasher | None = None, *, header: bool = True) -> Iterator[str]:
    """Yield the CSV export in chunks of lines (the header first, unless told not to)."""
    buffer = io.StringIO()
    writer = csv.DictWriter(buffer, fieldnames=COLUMNS, lineterminator="\r\n")

    def flush() -> str:
        text = buffer.getvalue()
        buffer.seek(0)
        buffer.truncate()
        return text

    if header:
        writer.writeheader()
        yield flush()
    for count, row in enumerate(rows(hasher), start=1):
        writer.writerow(row)
        if count % 100 == 0:
            yield flush()
    yield flush()


def parquet_available() -> bool:
    """Parquet needs the optional pyarrow package."""
    try:
        import pyarrow  # noqa: F401
    except ImportError:
        return False
    return True


PARQUET_MAGIC = b"PAR1"  # a Parquet file's first four bytes (and its last four)


class _Drain(io.RawIOBase):
    """A write-only file that holds what was written only until it is taken."""

    def __init__(self) -> None:
        super().__init__()
        self.parts: list[bytes] = []
        self.position = 0

    def writable(self) -> bool:
        return True

    def write(self, data: Any) -> int:
        chunk = bytes(data)
        self.parts.append(chunk)
        self.position += len(chunk)
        return len(chunk)

    def tell(self) -> int:
        return self.position

    def take(self) -> bytes:
        chunk = b"".join(self.parts)
        self.parts.clear()
        return chunk


def parquet_chunks(
    hasher: Hasher | None = None, *, header: bool = True, batch: int = BATCH
) -> Iterator[bytes]:
    """Yield the export as Parquet, one row group of `batch` rows at a time, then the footer.

    Only one batch of rows and its encoded row group are held at once; with `header=False` the
    leading magic bytes are left out (the caller sent `PARQUET_MAGIC` already)."""
    import pyarrow as pa
    import pyarrow.parquet as pq

    schema = pa.schema([(name, pa.string()) for name in COLUMNS])
    drain = _Drain()
    strip = not header

    def taken() -> bytes:
        nonlocal strip
        chunk = drain.take()
        if strip and chunk:
            if not chunk.startswith(PARQUET_MAGIC):
                raise RuntimeError("a Parquet file starts with its magic bytes")
            chunk, strip = chunk[len(PARQUET_MAGIC) :], False
        return chunk

    with pq.ParquetWriter(drain, schema) as writer:
        group: list[dict[str, str]] = []
        for row in rows(hasher):
            group.append(row)
            if len(group) >= batch:
                writer.write_table(pa.Table.from_pylist(group, schema=schema))
                group = []
                if chunk := taken():
                    yield chunk
        if group:
            writer.write_table(pa.Table.from_pylist(group, schema=schema))
    # Closing the writer wrote the last row group and the footer.
    if chunk := taken():
        yield chunk
