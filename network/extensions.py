"""Flask extensions, created unbound here and initialised in create_app()."""

from __future__ import annotations

import json
import logging
import re
import select
from collections.abc import Callable, Iterable, Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from functools import cache, lru_cache, partial, wraps
from typing import Any, Protocol, TypeGuard, runtime_checkable

import flask_limiter
import flask_login
import orjson
import sqlalchemy as sa
from flask import Flask, Response, current_app, request, session
from flask_babel import Babel
from flask_limiter.errors import RateLimitExceeded
from flask_limiter.util import get_remote_address
from flask_migrate import Migrate
from flask_socketio import SocketIO
from flask_wtf.csrf import CSRFProtect
from limits.strategies import FixedWindowRateLimiter
from sqlalchemy.orm import Session, scoped_session, sessionmaker

# Whether the work running now only reads (SQLite: a plain BEGIN, which takes no write lock).
# Declared by the use case through Database.reading(); everything else writes.
_reading: ContextVar[bool] = ContextVar("database_reading", default=False)


class Database:
    """One engine per app and one scoped session, removed at the end of every app context."""

    def __init__(self) -> None:
        self.session: scoped_session[Session] = scoped_session(sessionmaker())

    @staticmethod
    @contextmanager
    def reading() -> Iterator[None]:
        """Declare that the work inside only reads: on SQLite it then takes no write lock, so
        readers never wait behind each other. Without it a transaction writes."""
        token = _reading.set(True)
        try:
            yield
        finally:
            _reading.reset(token)

    def init_app(self, app: Flask) -> None:
        # The pool size as the settings checked it (network/settings.py).
        engine = create_engine(app.config["DATABASE_URL"], int(app.config["DATABASE_POOL_SIZE"]))
        app.extensions["database"] = engine
        if engine.dialect.name == "postgresql":
            # The same pool, lent in autocommit to reads (read_in_autocommit).
            app.extensions["database_reads"] = engine.execution_options(
                isolation_level="AUTOCOMMIT", **{READ_ONLY_AUTOCOMMIT: True}
            )
        self.session.configure(bind=engine)
        app.teardown_appcontext(self._remove_session)

    def read_in_autocommit(self) -> None:
        """Run this request's reads without a transaction (PostgreSQL): no BEGIN and ROLLBACK
        round trips around them. For API reads only, declared before their first query: each
        statement sees its own snapshot, and any write is refused (see _refuse_writes)."""
        session = self.session()
        reads = current_app.extensions.get("database_reads")
        # Only a session on the app's own engine (tests may bind it to a connection of theirs).
        engine = current_app.extensions["database"]
        if reads is None or session.in_transaction() or session.bind is not engine:
            return
        session.bind = reads

    def write_from_here(self) -> None:
        """Go on in a transaction after reads made in autocommit (an API operation declared
        `reads_first`): a use case that often ends after its reads — a claim the rules refuse —
        then sends no BEGIN and ROLLBACK, and one that goes on writes in one transaction from
        here. What the session loaded stays loaded. Call it before anything is written or
        queued after the commit (autocommit refuses writes). Elsewhere (a transaction from the
        start, SQLite, a test's own binding) it changes nothing."""
        session = self.session()
        reads = current_app.extensions.get("database_reads")
        if reads is None or session.bind is not reads:
            return
        # Autocommit refused any write, so this commit sends nothing: the connection goes back
        # to the pool, and the next statement takes one in a transaction.
        self.commit_keeping_loaded()
        session.bind = current_app.extensions["database"]

    def commit_keeping_loaded(self) -> None:
        """Commit without expiring what the session holds: the answer is built from what this
        use case just wrote, instead of reading every row back (one SELECT each)."""
        session = self.session()
        session.expire_on_commit = False
        try:
            session.commit()
        finally:
            session.expire_on_commit = True

    def one_of(self, column: Any, values: Iterable[Any]) -> sa.ColumnElement[bool]:
        """`column IN values`, sent to PostgreSQL as one array (`column = ANY(%s)`).

        An IN list is a parameter per value: SQLAlchemy expands it at every execution and
        psycopg parses the long query again every time (it keeps only short ones parsed). For
        the hundreds of ids of a batch, one array parameter costs a fraction of that. SQLite
        has no arrays and gets the IN list."""
        values = list(values)
        if self.session.get_bind().dialect.name != "postgresql":
            return column.in_(values)
        return column == sa.any_(sa.bindparam(None, values, type_=sa.ARRAY(column.type)))

    def engine_for(self, app: Flask) -> sa.Engine:
        engine: sa.Engine = app.extensions["database"]
        return engine

    def _remove_session(self, exc: BaseException | None) -> None:
        self.session.remove()


def normalise_database_url(url: str) -> str:
    """Use psycopg 3 for PostgreSQL URLs given in the common short form."""
    for prefix in ("postgres://", "postgresql://"):
        if url.startswith(prefix):
            return "postgresql+psycopg://" + url[len(prefix) :]
    return url


# The execution option that marks a connection lent to a read in autocommit.
READ_ONLY_AUTOCOMMIT = "upstander_read_only"
# A statement that writes: an INSERT, UPDATE or DELETE, also after common table expressions.
WRITING_STATEMENT = re.compile(
    r"\s*(INSERT|UPDATE|DELETE|MERGE)\b|\s*WITH\b.*\b(INSERT|UPDATE|DELETE|MERGE)\b",
    re.IGNORECASE | re.DOTALL,
)
READING_STATEMENT = re.compile(r"\s*(SELECT|WITH|SHOW)\b", re.IGNORECASE)


@lru_cache(maxsize=512)
def writes(statement: str) -> bool:
    """Tell whether a SQL statement writes (or may: anything but a plain read).

    Remembered per statement text: the app sends a few hundred texts, and the pattern scans a
    long statement that starts with WITH for a write (~0.5 ms for 10 kB) at each read."""
    return not READING_STATEMENT.match(statement) or bool(WRITING_STATEMENT.match(statement))


def _refuse_writes(connection: sa.Connection, _cursor: Any, statement: str, *_args: Any) -> None:
    """A read in autocommit must not write: each statement would commit on its own."""
    if connection.get_execution_options().get(READ_ONLY_AUTOCOMMIT) and writes(statement):
        raise RuntimeError("a read-only request tried to write: " + statement.split(None, 1)[0])


def still_open(dbapi_connection: Any) -> bool:
    """Tell, without a round trip, whether an idle pooled PostgreSQL connection is usable.

    A server that ends a connection (a restart, a terminated backend, a dropped link) closes it
    after a last message; an idle connection in good order has nothing to read. So a socket with
    something to read (or hung up), or a connection already known closed, is gone."""
    if dbapi_connection.closed or dbapi_connection.broken:
        return False
    # poll(), not select(): a web process with thousands of sockets has descriptors select()
    # cannot take. The system's own poll, not gevent's: this must answer now, never wait.
    probe = _system_poll()()
    probe.register(dbapi_connection.fileno(), select.POLLIN | select.POLLPRI)
    try:
        return not probe.poll(0)
    except OSError:
        return False


@cache
def _system_poll() -> Callable[[], Any]:
    from gevent import monkey

    poll: Callable[[], Any] = monkey.get_original("select", "poll")
    return poll


def _replace_closed(dbapi_connection: Any, _record: Any, _proxy: Any) -> None:
    # The pool then discards it and connects anew, as pool_pre_ping would, without its
    # round trip on every checkout.
    if not still_open(dbapi_connection):
        raise sa.exc.DisconnectionError("the server closed this connection")


def json_text(value: Any) -> str:
    """Write a JSON column's value (the engine's `json_serializer`): orjson, about five times
    faster than the standard library on a digest's numbers, with keys that are not strings
    written as strings as the standard library writes them; what orjson refuses (a lone
    surrogate, an integer past 64 bits) goes through the standard library, as before."""
    try:
        return orjson.dumps(value, option=orjson.OPT_NON_STR_KEYS).decode()
    except orjson.JSONEncodeError:
        return json.dumps(value)


def create_engine(url: str, pool_size: int = 10) -> sa.Engine:
    """Create the engine; SQLite gets WAL, foreign keys and write-serialising transactions.
    On PostgreSQL the pool keeps up to `pool_size` connections (DATABASE_POOL_SIZE)."""
    url = normalise_database_url(url)
    # Errors name the statement but not its values: those carry summaries, emails and hashes,
    # and errors end up in the logs.
    if not url.startswith("sqlite"):
        from network.pgcursor import Cursor

        engine = sa.create_engine(
            url,
            # No overflow: the pool keeps every connection it opens, and a burst of requests
            # beyond `pool_size` waits for one (a greenlet's wait, nothing held). With overflow
            # connections a burst (200 claims at once) opened 20 new server processes in each
            # web process and closed them after, every time: each new one cold (no prepared
            # statements, the server's catalogue caches empty), and the burst ran at half the
            # speed (docs/performance.md, twentieth session).
            pool_size=pool_size,
            max_overflow=0,
            # The connection returned last is lent first: after a burst (a thousand clients
            # connecting) the traffic that follows stays on the connections already warm
            # (prepared statements, the server's caches) instead of going round all of them.
            pool_use_lifo=True,
            hide_parameters=True,
            # Results describe their columns only when asked (see network/pgcursor.py).
            connect_args={"cursor_factory": Cursor},
            json_serializer=json_text,
        )
        sa.event.listen(engine, "checkout", _replace_closed)
        sa.event.listen(engine, "before_cursor_execute", _refuse_writes)
        return engine
    engine = sa.create_engine(
        url,
        connect_args={"check_same_thread": False, "timeout": 30},
        hide_parameters=True,
        json_serializer=json_text,
    )

    @sa.event.listens_for(engine, "connect")
    def _on_connect(dbapi_connection: Any, _record: Any) -> None:
        # Take over transaction control from pysqlite so SAVEPOINTs work and writers queue on
        # BEGIN IMMEDIATE instead of failing with "database is locked" (see _on_begin).
        dbapi_connection.isolation_level = None
        cursor = dbapi_connection.cursor()
        cursor.execute("PRAGMA journal_mode=WAL")
        cursor.execute("PRAGMA foreign_keys=ON")
        cursor.execute("PRAGMA busy_timeout=30000")
        cursor.close()

    @sa.event.listens_for(engine, "begin")
    def _on_begin(connection: sa.Connection) -> None:
        # Work declared as reading (db.reading()) takes no write lock, so readers never wait
        # behind each other; everything else takes it up front, so two writers never deadlock
        # on an upgrade.
        connection.exec_driver_sql("BEGIN" if _reading.get() else "BEGIN IMMEDIATE")

    return engine


def remember_runtime(app: Flask) -> None:
    """Keep this app's process-wide handles, so activate() can point the extensions back at it."""
    app.extensions["upstander.runtime"] = {
        "socketio_server": socketio.server,
        "limiter": (limiter._storage, limiter._limiter),
    }


def activate(app: Flask) -> None:
    """Point the process-wide extension objects at this app.

    A process normally builds one app. Tests build several (SQLite, PostgreSQL, Redis-backed)
    and switch between them; Socket.IO, the rate limiter and Celery hold one of each."""
    runtime = app.extensions["upstander.runtime"]
    socketio.server = runtime["socketio_server"]
    limiter._storage, limiter._limiter = runtime["limiter"]
    app.extensions["celery"].set_default()
    app.extensions["celery"].set_current()
    db.session.remove()
    db.session.configure(bind=db.engine_for(app))


@runtime_checkable
class Reserving(Protocol):
    """A counting strategy whose tests reserve a unit, settled after the view."""

    def settle(self, item: Any, identifiers: list[str], counts: bool, cost: int) -> None: ...

    def give_back_unsettled(self) -> None: ...


def reserving(strategy: object) -> TypeGuard[Reserving]:
    """Tell whether a counting strategy reserves (asked twice a request: a protocol's isinstance
    check walks its members every time, so the answer is kept per class)."""
    kind = type(strategy)
    found = _RESERVING.get(kind)
    if found is None:
        found = _RESERVING[kind] = issubclass(kind, Reserving)
    return found


_RESERVING: dict[type, bool] = {}


class LimitUnavailable(Exception):
    """A limit that fails closed could not be checked: its storage failed."""


class Limiter(flask_limiter.Limiter):
    """Flask-Limiter that never trades a limit for an empty store when its storage fails.

    Flask-Limiter's own fallback switches every limit to fresh in-memory counts after any error,
    even one in a key function: that resets every allowance (and doubles password guesses).
    Here the fallback is off; a failed check is logged, and then the request goes on without
    that limit, unless the limit fails closed (log-in): then it is refused."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        # Count plain view limits without Flask-Limiter's general pass (`_plain`); off, every
        # limit goes through it (the tests compare the two).
        self.count_plainly = True
        self._plain_views: dict[str, tuple[flask_limiter.Limit, ...] | None] = {}
        super().__init__(*args, **kwargs)
        self.fail_closed_scopes: set[Any] = set()

    def init_app(self, app: Flask) -> None:
        super().init_app(app)
        # An app's settings may bring limits from elsewhere: decide each view anew.
        self._plain_views.clear()
        app.teardown_request(self._give_back_unsettled)
        # After the view, Flask-Limiter writes headers and conditional deductions; a storage
        # failure there must not turn a finished request into a server error.
        inject = flask_limiter.Limiter._Limiter__inject_headers  # type: ignore[attr-defined]
        hooks = app.after_request_funcs.setdefault(None, [])
        for index, hook in enumerate(hooks):
            if isinstance(hook, partial) and hook.func is inject and hook.args == (self,):
                hooks[index] = self._logging_failures(hook)

    def exempt(self, *args: Any, **kwargs: Any) -> Any:
        """Flask-Limiter's exemption; the views' plain limits are decided anew."""
        self._plain_views.clear()
        return super().exempt(*args, **kwargs)

    def request_filter(self, fn: Callable[[], bool]) -> Callable[[], bool]:
        """Flask-Limiter's request filter; the views' plain limits are decided anew."""
        self._plain_views.clear()
        return super().request_filter(fn)

    def count_with(self, strategy: Callable[[Any], Any]) -> None:
        """Count the fixed window with `strategy(storage)`, a FixedWindowRateLimiter that may
        reserve (see network.limit_counts); other strategies stay as configured."""
        if type(self._limiter) is FixedWindowRateLimiter:
            self._limiter = strategy(self.storage)

    def _logging_failures(self, hook: Callable[[Response], Response]) -> Callable[..., Response]:
        @wraps(hook)
        def safe(response: Response) -> Response:
            context = self.context
            if context.view_rate_limit is None and not context.conditional_deductions:
                return response  # nothing was counted: no deduction to settle, no headers
            try:
                self._settle_reservations(response)
                return hook(response)
            except Exception:
                log.exception("rate limit storage failed after %s %s", request.method, request.path)
                return response

        return safe

    def _settle_reservations(self, response: Response) -> None:
        # Limits counted only when the view succeeds reserved their unit before the view: keep
        # it or give it back now, before the headers read the window.
        strategy = self._limiter
        if not reserving(strategy):
            return
        deductions = self.context.conditional_deductions
        for lim, args in list(deductions.items()):
            counts = bool(lim.deduct_when and lim.deduct_when(response))
            strategy.settle(lim.limit, args, counts, lim.deduction_amount)
            del deductions[lim]

    def _give_back_unsettled(self, exc: BaseException | None) -> None:
        strategy = self._limiter
        if reserving(strategy):
            try:
                strategy.give_back_unsettled()
            except Exception:
                log.exception("rate limit reservations could not be given back")

    def _check_request_limit(
        self, callable_name: str | None = None, in_middleware: bool = True
    ) -> None:
        if in_middleware and not self._limits_beyond_views():
            # Before the view Flask-Limiter counts only application, default and blueprint
            # limits (a view's own limits are counted by its decorator): with none of them, its
            # pass would resolve the view's limits (and their keys) only to count nothing.
            return
        try:
            plain = None if in_middleware or not self.count_plainly else self._plain(callable_name)
            if plain is None:
                super()._check_request_limit(
                    callable_name=callable_name, in_middleware=in_middleware
                )
            else:
                self._count_plain(plain)
        except (RateLimitExceeded, sa.exc.OperationalError):
            raise  # a refusal, or a database that is down: the request cannot be served at all
        except Exception:
            # Nothing was counted: deduct nothing after the view either.
            self.context.conditional_deductions.clear()
            closed = self._fails_closed(callable_name)
            log.exception(
                "rate limit could not be checked on %s %s (%s)",
                request.method,
                request.path,
                "refused" if closed else "let through",
            )
            if closed:
                raise LimitUnavailable() from None

    def _plain(self, callable_name: str | None) -> tuple[flask_limiter.Limit, ...] | None:
        """The limits a view's decorators declare, when counting them needs none of
        Flask-Limiter's general pass; else None.

        Its pass, for the decorator of a view, looks every request for limits from elsewhere
        (application, default, blueprint and meta limits, request filters, exemptions, hints
        that another callable's limits apply), none of which this app has; and it resolved
        them anew: with its bookkeeping ~0.5 M instructions of a claim refused at the cap
        (~10%), around the one Redis round trip that counts; counting plainly takes about half
        of it off (docs/performance.md, twenty-fourth session). A plain limit — shared, with
        no exemption, methods, per-method or meta limits, breach callbacks — of a view exempt
        from nothing, in an app with no limits elsewhere, is counted by `_count_plain`, as
        that pass counts it. (Hints that another callable's limits apply to the endpoint only
        bring default limits in: there are none.) Decided once per view, anew when an app is
        set up or an exemption or request filter is added."""
        if not (self.enabled and self.initialized) or callable_name is None or not request.endpoint:
            return None
        if callable_name in self._plain_views:
            return self._plain_views[callable_name]
        manager = self.limit_manager
        limits = tuple(manager._decorated_limits.get(callable_name, ()))
        plain = (
            limits
            and not self._limits_beyond_views()
            and not self._request_filters
            and self._on_breach is None
            and not manager._route_exemptions.get(callable_name)
            and all(
                limit.exempt_when is None
                and not limit.per_method
                and not limit.methods
                and limit.on_breach is None
                and not limit.meta_limits
                and limit.shared
                for limit in limits
            )
        )
        self._plain_views[callable_name] = limits if plain else None
        return self._plain_views[callable_name]

    def _count_plain(self, limits: tuple[flask_limiter.Limit, ...]) -> None:
        """Count a view's plain limits (`_plain`) as Flask-Limiter's pass counts them: each
        limit's current value, narrowest window first; a limit counted only when the view
        succeeds (`deduct_when`) is tested now and settled after the view; the headers describe
        the last limit breached, else the first counted, and the refusal names the narrowest
        limit breached."""
        context = self.context
        strategy = self.limiter
        checked: list[flask_limiter.RequestLimit] = []
        refused: Any = None  # the narrowest limit breached
        shown: flask_limiter.RequestLimit | None = None  # the last one breached
        for limit in sorted(_resolved(limits, self.logger), key=_window):
            key = limit.key_func()
            scope = limit.scope_for(request.endpoint or "", request.method)
            if not (key and scope):
                self.logger.error(
                    "Skipping limit: %s. Empty value found in parameters.", limit.limit
                )
                continue
            arguments = [self._key_prefix, key, scope] if self._key_prefix else [key, scope]
            if limit.deduct_when:
                context.conditional_deductions[limit] = arguments
                count = strategy.test
            else:
                count = strategy.hit
            checked.append(flask_limiter.RequestLimit(self, limit.limit, arguments, False, True))
            if not count(limit.limit, *arguments, cost=limit.deduction_amount):
                self.logger.info(
                    "ratelimit %s (%s) exceeded at endpoint: %s", limit.limit, key, scope
                )
                checked[-1].breached = True
                shown, refused = checked[-1], refused or limit
                if self._fail_on_first_breach:
                    break
        context.view_rate_limit = shown or (checked[0] if checked else None)
        context.view_rate_limits = checked
        if refused is not None:
            raise RateLimitExceeded(refused)

    def shared_limit(self, *args: Any, fail_closed: bool = False, **kwargs: Any) -> Any:
        """Flask-Limiter's shared limit; `fail_closed` refuses requests it cannot check."""
        if fail_closed:
            self.fail_closed_scopes.add(kwargs["scope"] if "scope" in kwargs else args[1])
        if kwargs.get("key_func") is not None:
            kwargs["key_func"] = total_key(kwargs["key_func"])
        return super().shared_limit(*args, **kwargs)

    def limit(self, *args: Any, **kwargs: Any) -> Any:
        """Flask-Limiter's limit, with a key function that cannot raise."""
        if kwargs.get("key_func") is not None:
            kwargs["key_func"] = total_key(kwargs["key_func"])
        return super().limit(*args, **kwargs)

    def _limits_beyond_views(self) -> bool:
        """Tell whether any limit could be counted before the view: application, default,
        blueprint or meta limits (in doubt, as when Flask-Limiter keeps them elsewhere: yes)."""
        manager = self.limit_manager
        return bool(
            manager.application_limits
            or manager.default_limits
            or getattr(manager, "_blueprint_limits", True)
            or getattr(self, "_meta_limits", True)
        )

    def _fails_closed(self, callable_name: str | None) -> bool:
        if callable_name is None:
            return False
        try:
            limits = self.limit_manager.decorated_limits(callable_name)
        except Exception:
            return True  # cannot tell which limits these are: assume the strict one
        return any(limit.scope in self.fail_closed_scopes for limit in limits)

    def hit_or_log(self, limit: Any, *identifiers: str) -> bool:
        """Count one hit outside a request (sockets); a storage failure lets it through, logged."""
        try:
            return bool(self.limiter.hit(limit, *identifiers))
        except Exception:
            log.exception("rate limit could not be counted for %s", identifiers[:1])
            return True


def _resolved(limits: tuple[flask_limiter.Limit, ...], logger: Any) -> list[Any]:
    """The runtime limits of a view's declared limits now (their values may be set per
    request); one whose value does not parse is left out and logged, as Flask-Limiter does."""
    found: list[Any] = []
    for declared in limits:
        try:
            found.extend(declared)
        except ValueError as error:
            logger.error("failed to load ratelimit %s: %s", declared.scope, error)
    return found


def _window(limit: Any) -> Any:
    """A runtime limit's item, by which limits sort narrowest window first."""
    return limit.limit


def total_key(key_func: Callable[[], str]) -> Callable[[], str]:
    """Make a limit's key function total: a request it cannot key counts against its address.

    A key function that raises would skip the limit (or, in Flask-Limiter's fallback, reset
    them all); keyed by address instead, an unreadable request still uses up an allowance."""

    @wraps(key_func)
    def key() -> str:
        try:
            return str(key_func()) or f"unkeyed:{get_remote_address()}"
        except sa.exc.OperationalError:
            raise  # the database is down: the whole request fails (503), no limit is skipped
        except Exception:
            log.warning(
                "limit key unreadable on %s %s", request.method, request.path, exc_info=True
            )
            return f"unkeyed:{get_remote_address()}"

    return key


class LoginManager(flask_login.LoginManager):
    """Flask-Login's, without its session-protection digest where there is no session."""

    def _session_protection_failed(self) -> bool:
        # Flask-Login hashes the visitor's address and browser (SHA-512) at every request before
        # it looks at the session, and compares only when the session holds something: with an
        # empty one (every API request, a visitor's first page) protection cannot fail, and
        # nothing is hashed.
        if not session:
            return False
        return bool(super()._session_protection_failed())


log = logging.getLogger(__name__)
db = Database()
migrate = Migrate()
login_manager = LoginManager()
csrf = CSRFProtect()
babel = Babel()
socketio = SocketIO()
limiter = Limiter(key_func=get_remote_address, default_limits=[])
