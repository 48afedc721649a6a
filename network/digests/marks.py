"""Mark a batch's digests sent, each one before the next message can be accepted.

A row is marked on its own connection in autocommit: one statement and one round trip per
digest, instead of a session transaction (BEGIN, UPDATE, COMMIT) and its flush to disk. The
mailer writes nothing that could make the server accept the next message until the mark is
back (`Mailer.stream`). On PostgreSQL these marks do not wait for the disk
(`synchronous_commit = off`): a worker killed after a mark has it, since the database has it;
only a crash of the database server itself can lose the last fraction of a second of marks, and
`flush()` at the end of every batch makes the batch's marks durable. A mark lost that way leaves
its digest claimed, so it is sent again after the lease with the same Message-ID — the one
duplicate that the design already accepts.
"""

from __future__ import annotations

from collections import defaultdict
from enum import StrEnum
from types import TracebackType
from typing import Any

import sqlalchemy as sa

from network.db import utcnow
from network.digests.models import Digest, DigestStatus
from network.extensions import db

_SENT = (
    sa.update(Digest)
    .where(Digest.id == sa.bindparam("digest_id"))
    .values(
        status=DigestStatus.SENT,
        sent_at=sa.bindparam("sent_at"),
        message_id=sa.bindparam("sent_message_id"),
        attempts=Digest.attempts + 1,
        last_error=None,
    )
)


class Marks:
    """Record what happened to a batch's digests as it happens, on a connection of its own."""

    def __init__(self) -> None:
        bind = db.session.get_bind()
        self.unflushed: int | None = None
        self.connection: sa.Connection | None = None
        # A session bound to a connection runs inside its caller's transaction (tests do):
        # its marks stay in that transaction, on the session.
        self.driver: Any = None
        if isinstance(bind, sa.Engine) and bind.dialect.name == "postgresql":
            self.connection = bind.connect().execution_options(isolation_level="AUTOCOMMIT")
            self.connection.exec_driver_sql("SET synchronous_commit TO off")
            # The marks are the one statement per digest, so they skip SQLAlchemy's execution
            # (which costs more than the round trip itself): the statement is compiled once
            # and run as a prepared statement by the driver (psycopg) on this connection.
            compiled = _SENT.compile(dialect=bind.dialect)
            self.sent_sql = compiled.string
            self.sent_defaults = {
                # Stored as the enum's value (enum_column_type), as SQLAlchemy would bind it.
                name: value.value if isinstance(value, StrEnum) else value
                for name, value in compiled.construct_params(
                    {"digest_id": 0, "sent_at": None, "sent_message_id": ""}
                ).items()
            }
            self.driver = self.connection.connection.driver_connection

    def __enter__(self) -> Marks:
        return self

    def __exit__(
        self,
        kind: type[BaseException] | None,
        error: BaseException | None,
        trace: TracebackType | None,
    ) -> None:
        if self.connection is None:
            return
        try:
            if error is None:
                self.flush()
            self.connection.exec_driver_sql("RESET synchronous_commit")
        finally:
            self.connection.close()

    def _execute(self, statement: sa.Executable, parameters: dict[str, Any] | None = None) -> None:
        if self.connection is not None:
            self.connection.execute(statement, parameters)
            return
        # SQLite has one writer at a time and the session holds the lock: commit there,
        # keeping the batch's rows and members as loaded.
        db.session.execute(statement, parameters)
        db.commit_keeping_loaded()

    def sent(self, digest_id: int, message_id: str) -> None:
        """Mark one digest sent, with the Message-ID it went out with; committed on return."""
        parameters = {"digest_id": digest_id, "sent_at": utcnow(), "sent_message_id": message_id}
        if self.driver is None:
            self._execute(_SENT, parameters)
        else:
            self.driver.execute(self.sent_sql, {**self.sent_defaults, **parameters}, prepare=True)
        self.unflushed = digest_id

    def failed(self, failures: dict[int, str]) -> None:
        """Count a failed attempt for each digest and keep its claim fresh for the retry."""
        by_error: dict[str, list[int]] = defaultdict(list)
        for digest_id, problem in failures.items():
            by_error[problem[:500]].append(digest_id)
        for problem, digest_ids in by_error.items():
            self._execute(
                sa.update(Digest)
                .where(Digest.id.in_(digest_ids))
                .values(attempts=Digest.attempts + 1, last_error=problem, claimed_at=utcnow())
            )
            self.unflushed = digest_ids[0]

    def flush(self) -> None:
        """Make the marks so far durable: a synchronous commit writes out all before it."""
        if self.connection is None or self.unflushed is None:
            return
        self.connection.exec_driver_sql("SET synchronous_commit TO on")
        self.connection.execute(
            sa.update(Digest).where(Digest.id == self.unflushed).values(sent_at=Digest.sent_at)
        )
        self.connection.exec_driver_sql("SET synchronous_commit TO off")
        self.unflushed = None
