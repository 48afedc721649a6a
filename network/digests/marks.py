"""Mark a batch's digests sent, each one before the next message can be accepted.

A row is marked on its own connection in autocommit: one statement and one round trip per
digest, instead of a session transaction (BEGIN, UPDATE, COMMIT) and its flush to disk. The
mailer writes nothing that could make the server accept the next message until the mark is
back (`Mailer.stream`). On PostgreSQL a mark goes out without waiting for its answer, which
`settle` reads when the mailer is about to write the next message's final dot: the next
message is rendered in the meantime. On PostgreSQL these marks do not wait for the disk
(`synchronous_commit = off`): a worker killed after a mark has it, since the database has it;
only a crash of the database server itself can lose the last fraction of a second of marks, and
`flush()` at the end of every batch makes the batch's marks durable. A mark lost that way leaves
its digest claimed, so it is sent again after the lease with the same Message-ID — the one
duplicate that the design already accepts.
"""

from __future__ import annotations

import itertools
import logging
import re
import select
from collections import defaultdict
from enum import StrEnum
from types import TracebackType
from typing import Any

import psycopg
import sqlalchemy as sa
from psycopg import pq
from psycopg.adapt import PyFormat, Transformer

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


log = logging.getLogger(__name__)
_batches = itertools.count(1)
_PLACEHOLDER = re.compile(r"%%|%\(([^)]+)\)s")


def _numbered(statement: str) -> tuple[list[str], str]:
    """Turn a statement compiled for psycopg (`%(name)s`, `%%` for a percent sign) into
    libpq's (`$1`), with the parameters' names in their order."""
    if "POSTCOMPILE" in statement:
        raise ValueError("a statement with expanding parameters cannot be prepared once")
    names: list[str] = []

    def number(match: re.Match[str]) -> str:
        if match.group(1) is None:
            return "%"
        names.append(match.group(1))
        return f"${len(names)}"

    return names, _PLACEHOLDER.sub(number, statement)


# What a mark, its statement's preparation and the batch's end answer when they went through.
_ANSWERED = (pq.ExecStatus.COMMAND_OK, pq.ExecStatus.TUPLES_OK)


def _refused(result: pq.abc.PGresult) -> psycopg.DatabaseError:
    message = (result.error_message or b"").decode("utf-8", "replace").strip()
    return psycopg.DatabaseError(f"a digest could not be marked: {message}")


def _wait(fileno: int, *, writing: bool = False) -> None:
    """Wait until the socket can be read (or written): poll() where there is one (any
    descriptor; gevent's is cooperative), else select()."""
    if hasattr(select, "poll"):
        poller = select.poll()
        poller.register(fileno, select.POLLOUT if writing else select.POLLIN)
        poller.poll()
    elif writing:
        select.select([], [fileno], [])
    else:
        select.select([fileno], [], [])


class Marks:
    """Record what happened to a batch's digests as it happens, on a connection of its own."""

    def __init__(self) -> None:
        bind = db.session.get_bind()
        self.unflushed: int | None = None
        self.connection: sa.Connection | None = None
        self.in_flight = False
        # A session bound to a connection runs inside its caller's transaction (tests do):
        # its marks stay in that transaction, on the session.
        self.driver: Any = None
        if isinstance(bind, sa.Engine) and bind.dialect.name == "postgresql":
            self.connection = bind.connect().execution_options(isolation_level="AUTOCOMMIT")
            try:
                self._start(bind)
            except BaseException:
                # Never lent again with the marks' settings.
                self.connection.invalidate()
                self.connection.close()
                raise

    def _start(self, bind: sa.Engine) -> None:
        assert self.connection is not None
        self.connection.exec_driver_sql("SET synchronous_commit TO off")
        # The marks are the one statement per digest, so they skip SQLAlchemy's execution
        # (which costs more than the round trip itself): the statement is compiled once and
        # prepared on this connection, and each mark is sent through libpq's own calls
        # (psycopg.pq), so that it can go out without waiting for its answer: `settle` reads
        # it before the next message can be accepted.
        compiled = _SENT.compile(dialect=bind.dialect)
        self.sent_defaults = {
            # Stored as the enum's value (enum_column_type), as SQLAlchemy would bind it.
            name: value.value if isinstance(value, StrEnum) else value
            for name, value in compiled.construct_params(
                {"digest_id": 0, "sent_at": None, "sent_message_id": ""}
            ).items()
        }
        self.driver = self.connection.connection.driver_connection
        self.sent_names, sql = _numbered(compiled.string)
        self.dump = Transformer(self.driver)
        self.pgconn = self.driver.pgconn
        # Prepared for this batch under a name of its own, and deallocated at its end:
        # psycopg deallocates every prepared statement of a connection it sees roll back (as a
        # pooled connection does when it is returned).
        self.prepared = b"upstander_digest_sent_%d" % next(_batches)
        self.pgconn.send_prepare(self.prepared, sql.encode())
        self._sent()
        self.settle()

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
        clean = False
        try:
            if error is None:
                self.flush()
            else:
                # A mark on its way counts: its digest is not sent again. If it failed, its
                # digest stays claimed for the retry, and the batch's own error stands.
                try:
                    self.settle()
                except Exception:
                    log.warning("the last mark of a stopped batch failed", exc_info=True)
            # Lent again only with nothing unread, no transaction, and the marks' settings gone.
            if self.pgconn.transaction_status == pq.TransactionStatus.IDLE:
                self.connection.exec_driver_sql("RESET synchronous_commit")
                self.pgconn.send_query(b"DEALLOCATE " + self.prepared)
                self._sent()
                self.settle()
                clean = True
        except Exception:
            if error is None:
                raise
            log.warning("the marks' connection of a stopped batch is closed", exc_info=True)
        finally:
            if not clean:
                self.connection.invalidate()
            self.connection.close()

    def _execute(self, statement: sa.Executable, parameters: dict[str, Any] | None = None) -> None:
        if self.connection is not None:
            self.settle()
            self.connection.execute(statement, parameters)
            return
        # SQLite has one writer at a time and the session holds the lock: commit there,
        # keeping the batch's rows and members as loaded.
        db.session.execute(statement, parameters)
        db.commit_keeping_loaded()

    def sent(self, digest_id: int, message_id: str) -> None:
        """Mark one digest sent, with the Message-ID it went out with. On PostgreSQL the mark
        goes out now and is committed by the time `settle` returns; elsewhere on return."""
        parameters = {"digest_id": digest_id, "sent_at": utcnow(), "sent_message_id": message_id}
        if self.driver is None:
            self._execute(_SENT, parameters)
        else:
            self.settle()
            values = {**self.sent_defaults, **parameters}
            dumped = self.dump.dump_sequence(
                [values[name] for name in self.sent_names], [PyFormat.TEXT] * len(self.sent_names)
            )
            self.pgconn.send_query_prepared(self.prepared, dumped, self.dump.formats)
            self._sent()
        self.unflushed = digest_id

    def _sent(self) -> None:
        """A command was handed to libpq: send what it holds of it; its answer is now due."""
        self.in_flight = True
        while self.pgconn.flush():  # the rest of it when the socket takes it
            _wait(self.pgconn.socket, writing=True)

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

    def settle(self) -> None:
        """Wait for the answer to the mark on its way, if any; raise when it failed. Until an
        answer is read whole, the connection counts as busy (`__exit__` closes it then)."""
        if not self.in_flight:
            return
        failure: pq.abc.PGresult | None = None
        while True:
            while self.pgconn.is_busy():
                _wait(self.pgconn.socket)
                self.pgconn.consume_input()
            result = self.pgconn.get_result()
            if result is None:
                break
            if result.status not in _ANSWERED and failure is None:
                failure = result
        self.in_flight = False
        if failure is not None:
            raise _refused(failure)

    def flush(self) -> None:
        """Make the marks so far durable: a synchronous commit writes out all before it."""
        self.settle()
        if self.connection is None or self.unflushed is None:
            return
        self.connection.exec_driver_sql("SET synchronous_commit TO on")
        self.connection.execute(
            sa.update(Digest).where(Digest.id == self.unflushed).values(sent_at=Digest.sent_at)
        )
        self.connection.exec_driver_sql("SET synchronous_commit TO off")
        self.unflushed = None
