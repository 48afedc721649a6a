"""A hot statement sent through the driver (psycopg) on SQLAlchemy's own connection.

Each execution of a Core statement, even one built once, makes SQLAlchemy derive its cache key,
look its compiled form up, set up an execution context and a result, and build a row object per
row: about 0.1 ms a statement on these machines, a twentieth of a refused claim (the contention
scenario's common answer, whose one statement this is). `DriverStatement` compiles its statement
once per dialect, keeps the bind and result processors of its types, and on PostgreSQL sends it
through the connection's psycopg cursor: the same text, the same values as SQLAlchemy would send
(psycopg prepares it as it would), rows back as tuples with each column's processor applied (a
StrEnum column gives its enum, a UTC column its aware datetime). Listeners of the engine hear
it like any other statement (statement counts stay true, autocommit reads stay refused writes),
and a driver error is raised as SQLAlchemy's (a lost connection is invalidated). Elsewhere
(SQLite) SQLAlchemy executes it as usual.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any, NoReturn

import psycopg
import sqlalchemy as sa

Processor = Callable[[Any], Any] | None


@dataclass(frozen=True)
class _Compiled:
    driven: bool  # False: a column's reading depends on the server's type (numbers): SQLAlchemy
    text: str
    fixed: dict[str, Any]  # the statement's own values (literals it binds), processed
    binds: dict[str, Processor]  # the caller's values, by name, and how each is sent
    results: tuple[Processor, ...]  # how each result column is read

    def parameters(self, values: Mapping[str, Any]) -> dict[str, Any]:
        """The values to send: the statement's own, then the caller's, each processed."""
        parameters = dict(self.fixed)
        for name, value in values.items():
            process = self.binds[name]
            parameters[name] = value if process is None or value is None else process(value)
        return parameters

    def processed(self, found: list[tuple[Any, ...]]) -> Sequence[Sequence[Any]]:
        """The rows as SQLAlchemy would give them: each column through its processor."""
        results = self.results
        if not any(results):
            return found
        return [
            tuple(
                value if process is None or value is None else process(value)
                for process, value in zip(results, row, strict=True)
            )
            for row in found
        ]


class DriverStatement:
    """A SELECT, or a write that returns rows, sent through the driver on PostgreSQL; its values
    are named bind parameters."""

    def __init__(self, statement: sa.Select[Any] | sa.Insert | sa.Update) -> None:
        self.statement = statement
        self._compiled: dict[str, _Compiled] = {}

    def rows(self, connection: sa.Connection, values: Mapping[str, Any]) -> Sequence[Sequence[Any]]:
        """Run the statement with these values; return its rows, each column processed."""
        compiled = self._driven(connection.dialect)
        if compiled is None:
            return connection.execute(self.statement, dict(values)).all()
        return compiled.processed(execute(connection, compiled.text, compiled.parameters(values)))

    def _driven(self, dialect: sa.Dialect) -> _Compiled | None:
        """The statement as the driver sends it; None where SQLAlchemy must execute it."""
        if dialect.name != "postgresql":
            return None
        compiled = self._compiled.get(dialect.name) or self._compile(dialect)
        return compiled if compiled.driven else None

    def _compile(self, dialect: sa.Dialect) -> _Compiled:
        compiled = self.statement.compile(dialect=dialect)
        binds: dict[str, Processor] = {}
        fixed: dict[str, Any] = {}
        for name, bind in compiled.binds.items():
            process = bind.type.dialect_impl(dialect).bind_processor(dialect)
            if bind.required or bind.value is None:
                binds[name] = process
            else:
                fixed[name] = bind.value if process is None else process(bind.value)
        try:
            # Without the server's type of each column: types that need it (Numeric) refuse.
            results = tuple(
                column.type.dialect_impl(dialect).result_processor(dialect, None)
                for column in self.statement.exported_columns
            )
            driven = True
        except (sa.exc.SQLAlchemyError, TypeError):
            results, driven = (), False
        made = _Compiled(driven, str(compiled), fixed, binds, results)
        self._compiled[dialect.name] = made
        return made


def rows_together(
    connection: sa.Connection, *calls: tuple[DriverStatement, Mapping[str, Any]]
) -> list[Sequence[Sequence[Any]]]:
    """Run statements one after the other, sent as one message: return each one's rows.

    Nothing of this process runs between them, so a lock the first takes is held for the
    others' own time only, not also while each answer travels back and its request waits for
    its turn to run again; and one round trip replaces several. Each is still a statement of
    its own on the server: under READ COMMITTED each sees what was committed when it starts,
    after the ones before it ended. One message of several statements is PostgreSQL's simple
    query, whose values psycopg writes into the text (`ClientCursor`), as for the feed events'
    insert (network/realtime/log.py). The message is announced to the engine's listeners as
    one statement. Where the driver does not send one of them (SQLite, numbers), they run one
    by one as `DriverStatement.rows`, as they do when two of them bind one name to different
    values."""
    driven = [statement._driven(connection.dialect) for statement, _values in calls]
    sendable = [compiled for compiled in driven if compiled is not None]
    if len(sendable) < len(calls):
        return [statement.rows(connection, values) for statement, values in calls]
    parameters: dict[str, Any] = {}
    for compiled, (_statement, values) in zip(sendable, calls, strict=True):
        for name, value in compiled.parameters(values).items():
            if name in parameters and parameters[name] != value:
                # One text, one value a name: statements that bind a name (their own literal,
                # named by SQLAlchemy, or the caller's) to different values run one by one.
                return [statement.rows(connection, values) for statement, values in calls]
            parameters[name] = value
    text = "; ".join(compiled.text for compiled in sendable)
    answers: list[Sequence[Sequence[Any]]] = []
    for compiled, rows in zip(sendable, execute_all(connection, text, parameters), strict=True):
        answers.append(compiled.processed(rows))
    return answers


def execute_all(
    connection: sa.Connection, statements: str, parameters: Mapping[str, Any]
) -> list[list[tuple[Any, ...]]]:
    """Send several statements as one message (values written into the text by psycopg's
    client-side cursor), announced to the engine's listeners; return each one's rows. Only in
    a transaction: in autocommit each would commit on its own, and a read-only connection's
    guard looks at a message's first statement alone."""
    if connection.get_execution_options().get("isolation_level") == "AUTOCOMMIT":
        raise RuntimeError("statements sent together run in a transaction, not in autocommit")
    if not connection.in_transaction():
        connection.begin()
    driver = connection.connection.driver_connection
    assert isinstance(driver, psycopg.Connection)
    cursor = psycopg.ClientCursor(driver)
    announced = _announce(connection, cursor, statements, parameters)
    dispatch = connection.dispatch
    answers: list[list[tuple[Any, ...]]] = []
    try:
        with cursor:
            cursor.execute(statements, parameters)
            while True:
                answers.append(cursor.fetchall() if cursor.description else [])
                if not cursor.nextset():
                    break
            if dispatch.after_cursor_execute:
                dispatch.after_cursor_execute(*announced)
    except psycopg.Error as error:
        reraise(connection, driver, cursor, statements, parameters, error)
    return answers


def execute(
    connection: sa.Connection,
    statement: str,
    parameters: Mapping[str, Any] | Sequence[Any],
    *,
    literal: bool = False,
    invalidate: bool = False,
) -> list[tuple[Any, ...]]:
    """Send `statement` through the connection's psycopg cursor, announced to the engine's
    listeners; return its rows. `literal`: psycopg's client-side cursor, which writes the values
    into the text (for several statements in one message). `invalidate`: a failure invalidates
    the connection, whatever it was."""
    if not connection.in_transaction():
        connection.begin()  # as SQLAlchemy's own execution begins one (its rollback then counts)
    driver = connection.connection.driver_connection
    assert isinstance(driver, psycopg.Connection)
    cursor = psycopg.ClientCursor(driver) if literal else driver.cursor()
    announced = _announce(connection, cursor, statement, parameters)
    dispatch = connection.dispatch
    try:
        with cursor:
            cursor.execute(statement, parameters)
            rows: list[tuple[Any, ...]] = cursor.fetchall() if cursor.description else []
            if dispatch.after_cursor_execute:  # while the cursor still has its row count
                dispatch.after_cursor_execute(*announced)
    except psycopg.Error as error:
        reraise(connection, driver, cursor, statement, parameters, error, invalidate=invalidate)
    return rows


def _announce(
    connection: sa.Connection, cursor: Any, statement: str, parameters: Any
) -> tuple[Any, ...]:
    """Tell the engine's listeners a statement is sent (and return what they are told), and
    write it to the engine's SQL log when that is on, as SQLAlchemy writes its own: the text,
    never the values."""
    if connection._echo:
        connection._log_info(statement)
        connection._log_info("[driver] [SQL parameters hidden]")
    announced = (connection, cursor, statement, parameters, None, False)
    if connection.dispatch.before_cursor_execute:
        connection.dispatch.before_cursor_execute(*announced)
    return announced


def reraise(
    connection: sa.Connection,
    driver: psycopg.Connection[Any],
    cursor: psycopg.Cursor[Any],
    statement: str,
    parameters: Any,
    error: psycopg.Error,
    *,
    invalidate: bool = False,
) -> NoReturn:
    """Raise a driver error as SQLAlchemy's DBAPIError would be, its values hidden; the
    connection is invalidated when it is lost (or when `invalidate` says so)."""
    dialect: Any = connection.dialect  # typed for DB-API objects, not psycopg's own
    lost = bool(dialect.is_disconnect(error, driver, cursor))
    if lost or invalidate:
        connection.invalidate(error)
    raise sa.exc.DBAPIError.instance(
        statement,
        parameters,
        error,
        psycopg.Error,
        hide_parameters=True,
        connection_invalidated=lost,
        dialect=connection.dialect,
    ) from error
