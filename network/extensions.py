"""Flask extensions, created unbound here and initialised in create_app()."""

from __future__ import annotations

from typing import Any

import sqlalchemy as sa
from flask import Flask, has_request_context, request
from flask_babel import Babel
from flask_limiter import Limiter
from flask_limiter.util import get_remote_address
from flask_login import LoginManager
from flask_migrate import Migrate
from flask_socketio import SocketIO
from flask_wtf.csrf import CSRFProtect
from sqlalchemy.orm import Session, scoped_session, sessionmaker


class Database:
    """One engine per app and one scoped session, removed at the end of every app context."""

    def __init__(self) -> None:
        self.session: scoped_session[Session] = scoped_session(sessionmaker())

    def init_app(self, app: Flask) -> None:
        engine = create_engine(app.config["DATABASE_URL"])
        app.extensions["database"] = engine
        self.session.configure(bind=engine)
        app.teardown_appcontext(self._remove_session)

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


def create_engine(url: str) -> sa.Engine:
    """Create the engine; SQLite gets WAL, foreign keys and write-serialising transactions."""
    url = normalise_database_url(url)
    # Errors name the statement but not its values: those carry summaries, emails and hashes,
    # and errors end up in the logs.
    if not url.startswith("sqlite"):
        return sa.create_engine(
            url, pool_pre_ping=True, pool_size=10, max_overflow=20, hide_parameters=True
        )
    engine = sa.create_engine(
        url, connect_args={"check_same_thread": False, "timeout": 30}, hide_parameters=True
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
        # Reading pages (GET) take no write lock, so they never wait behind each other;
        # everything else takes it up front, so two writers never deadlock on an upgrade.
        reading = has_request_context() and request.method in ("GET", "HEAD")
        connection.exec_driver_sql("BEGIN" if reading else "BEGIN IMMEDIATE")

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


db = Database()
migrate = Migrate()
login_manager = LoginManager()
csrf = CSRFProtect()
babel = Babel()
socketio = SocketIO()
limiter = Limiter(key_func=get_remote_address, default_limits=[])
