"""Mark a batch's digests sent, each one before the next message can be accepted.

A row is marked on its own connection in autocommit: one statement and one round trip per
digest, instead of a session transaction (BEGIN, UPDATE, COMMIT) and its flush to disk, written
by a thread while the next message is built and offered; the server gets that message's final
dot only once the mark is committed (`Mailer.send(before_accept=marks.wait)`). On
PostgreSQL these marks do not wait for the disk (`synchronous_commit = off`): a worker killed
after a mark has it, since the database has it; only a crash of the database server itself can
lose the last fraction of a second of marks, and `flush()` at the end of every batch makes the
batch's marks durable. A mark lost that way leaves its digest claimed, so it is sent again after
the lease with the same Message-ID — the one duplicate that the design already accepts.
"""

from __future__ import annotations

from collections import defaultdict
from concurrent.futures import Future, ThreadPoolExecutor
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
        self.writer: ThreadPoolExecutor | None = None
        self.pending: Future[None] | None = None
        if isinstance(bind, sa.Engine) and bind.dialect.name == "postgresql":
            self.connection = bind.connect().execution_options(isolation_level="AUTOCOMMIT")
            self.connection.exec_driver_sql("SET synchronous_commit TO off")
            # One thread writes the marks, so a mark's round trip overlaps building and
            # offering the next message; `wait()` holds that message back until it is done.
            self.writer = ThreadPoolExecutor(max_workers=1, thread_name_prefix="digest-marks")

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
            self.wait()
            if error is None:
                self.flush()
            self.connection.exec_driver_sql("RESET synchronous_commit")
        finally:
            if self.writer is not None:
                self.writer.shutdown()
            self.connection.close()

    def wait(self) -> None:
        """Return once the last mark is committed; raise what made it fail."""
        pending, self.pending = self.pending, None
        if pending is not None:
            pending.result()

    def _execute(self, statement: sa.Executable, parameters: dict[str, Any] | None = None) -> None:
        if self.connection is not None:
            self.connection.execute(statement, parameters)
            return
        # SQLite has one writer at a time and the session holds the lock: commit there.
        db.session.execute(statement, parameters)
        db.session.commit()

    def sent(self, digest_id: int, message_id: str) -> None:
        """Mark one digest sent, with the Message-ID it went out with.

        On PostgreSQL the mark is written by the writer thread: call `wait()` before the next
        message may be accepted. Elsewhere it is committed on return."""
        parameters = {"digest_id": digest_id, "sent_at": utcnow(), "sent_message_id": message_id}
        self.unflushed = digest_id
        if self.writer is None:
            self._execute(_SENT, parameters)
            return
        self.wait()
        self.pending = self.writer.submit(self._execute, _SENT, parameters)

    def failed(self, failures: dict[int, str]) -> None:
        """Count a failed attempt for each digest and keep its claim fresh for the retry."""
        self.wait()
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
