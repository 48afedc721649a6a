"""Fixtures: an app per database backend, per-test rollback, clients, factories, services.

Every test runs on SQLite; with TEST_DATABASE_URL it runs on PostgreSQL too. Each test runs
inside a transaction that is rolled back ("joining a session into an external transaction",
join_transaction_mode="create_savepoint"), except tests marked `live`, which commit for real
(concurrency) and empty the tables afterwards.
"""

from __future__ import annotations

import json
import os
import re
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass
from itertools import count
from pathlib import Path
from typing import Any, NamedTuple

import hypothesis
import pytest
import sqlalchemy as sa
from flask import Flask
from flask.testing import FlaskClient

from network import create_app
from network.db import Base
from network.extensions import activate, db, limiter

REQUIRE_SERVICES = os.environ.get("REQUIRE_SERVICES") == "1"

# Speed is measured by the benchmarks, never by a timed assertion: no deadline for an example (on
# a busy two-core machine an example that takes 1 ms once took 344 ms and failed the default
# 200 ms). Loaded before the test modules, whose own settings start from it.
hypothesis.settings.register_profile("upstander", deadline=None)
hypothesis.settings.load_profile("upstander")
PASSWORD = "a-long-enough-test-password"


def _own_services_per_worker() -> None:
    """When several test processes run at once (`make test` runs shards, see .ci/pytest-shards;
    or pytest-xdist), give each after the first a database, a Redis database and a Socket.IO
    channel of its own: tests empty tables and Redis databases, and processes sharing them
    would see each other's rows and events."""
    shard = os.environ.get("TEST_SHARD")
    worker = os.environ.get("PYTEST_XDIST_WORKER") or (f"gw{shard}" if shard else "gw0")
    index = int(worker.removeprefix("gw") or 0)
    os.environ["SOCKETIO_CHANNEL"] = f"upstander-test-{worker}"
    if index == 0:
        return
    redis_url = os.environ.get("TEST_REDIS_URL")
    if redis_url:
        base, _sep, number = redis_url.rpartition("/")
        if number.isdigit():
            os.environ["TEST_REDIS_URL"] = f"{base}/{(int(number) - index) % 16}"
    database_url = os.environ.get("TEST_DATABASE_URL")
    if database_url:
        import psycopg

        base, _sep, name = database_url.rpartition("/")
        own = f"{name}_{worker}"
        try:
            plain = database_url.replace("postgresql+psycopg://", "postgresql://")
            with psycopg.connect(plain, autocommit=True) as connection:
                exists = connection.execute(
                    "SELECT 1 FROM pg_database WHERE datname = %s", (own,)
                ).fetchone()
                if not exists:
                    connection.execute(f'CREATE DATABASE "{own}"')
        except psycopg.Error:
            return  # the missing service is reported by the tests that need it
        os.environ["TEST_DATABASE_URL"] = f"{base}/{own}"


_own_services_per_worker()

# Browser checks wait up to 15 s (Playwright's default is 5): three test processes share two
# cores, and a page that answers in 6 s on a busy machine is slow, not broken.
try:
    from playwright.sync_api import expect as _expect

    _expect.set_options(timeout=15_000)
except ImportError:  # pragma: no cover - Playwright is in the dev extras
    pass


# Seconds each test file took (all its tests, SQLite and PostgreSQL), measured with
# `--durations=0`; refreshed with .ci/test-durations. Shards are balanced by them.
DURATIONS = Path(__file__).with_name("durations.json")


def shards_of(paths: Iterable[str], shards: int, seconds: dict[str, float]) -> dict[str, int]:
    """Give each test file to a shard, longest first, each to the shard with the least work so
    far: the shards end together. A file `seconds` does not know counts as the average file.
    Every shard process computes the same answer from the same files."""
    usual = sum(seconds.values()) / len(seconds) if seconds else 1.0
    loads = [0.0] * shards
    chosen: dict[str, int] = {}
    for path in sorted(paths, key=lambda path: (-seconds.get(path, usual), path)):
        shard = loads.index(min(loads))
        chosen[path] = shard
        loads[shard] += seconds.get(path, usual)
    return chosen


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    """Keep this shard's test files (TEST_SHARD of TEST_SHARDS), whole files per shard."""
    shards = int(os.environ.get("TEST_SHARDS", "1"))
    if shards < 2:
        return
    shard = int(os.environ.get("TEST_SHARD", "0"))
    seconds = json.loads(DURATIONS.read_text()) if DURATIONS.exists() else {}
    chosen = shards_of({item.nodeid.split("::", 1)[0] for item in items}, shards, seconds)
    mine, others = [], []
    for item in items:
        (mine if chosen[item.nodeid.split("::", 1)[0]] == shard else others).append(item)
    if others:
        config.hook.pytest_deselected(items=others)
    items[:] = mine


def service_missing(what: str) -> None:
    """Skip, or fail when CI said every service must be there."""
    message = f"{what} is not configured or not reachable"
    if REQUIRE_SERVICES:
        pytest.fail(f"{message} (REQUIRE_SERVICES=1)")
    pytest.skip(message)


def database_url(backend: str, tmp: Path) -> str:
    if backend == "sqlite":
        return f"sqlite:///{tmp / 'test.db'}"
    url = os.environ.get("TEST_DATABASE_URL")
    if not url:
        service_missing("PostgreSQL (TEST_DATABASE_URL)")
    assert url is not None
    return url


def test_config(url: str, instance: Path, **extra: Any) -> dict[str, Any]:
    config = {
        "TESTING": True,
        "ENVIRONMENT": "test",
        "SECRET_KEY": "test-secret-key-that-is-long-enough",
        "DATABASE_URL": url,
        "INSTANCE_PATH": str(instance),
        "REDIS_URL": None,
        "CELERY_EMBEDDED": True,
        "SOCKETIO_MESSAGE_QUEUE": None,
        "RATELIMIT_STORAGE_URI": "memory://",
        "PASSWORD_HASH_PROFILE": "cheapest",
        "SITE_URL": "http://localhost",
        "SERVER_NAME": None,
        # Each test runs in a transaction rolled back at its end, which sends no notices: tests
        # of the token cache switch it on (tests/accounts/test_token_cache.py).
        "TOKEN_CACHE_SECONDS": 0,
    }
    config.update(extra)
    return config


def reset_schema(app: Flask) -> None:
    """Drop everything and build the schema with the migrations, as production does."""
    from flask_migrate import upgrade

    engine = db.engine_for(app)
    with engine.begin() as connection:
        if engine.dialect.name == "postgresql":
            connection.exec_driver_sql("DROP SCHEMA public CASCADE; CREATE SCHEMA public")
        else:
            Base.metadata.drop_all(connection)
            connection.exec_driver_sql("DROP TABLE IF EXISTS alembic_version")
    with app.app_context():
        upgrade()


@pytest.fixture(scope="session", params=["sqlite", "postgresql"])
def app(
    request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[Flask]:
    tmp = tmp_path_factory.mktemp(request.param)
    application = create_app(test_config(database_url(request.param, tmp), tmp))
    try:
        reset_schema(application)
    except sa.exc.OperationalError:
        service_missing("PostgreSQL")
    yield application
    db.engine_for(application).dispose()


@pytest.fixture(autouse=True)
def isolated(request: pytest.FixtureRequest) -> Iterator[None]:
    if "app" not in request.fixturenames:
        yield
        return
    app: Flask = request.getfixturevalue("app")
    activate(app)
    engine = db.engine_for(app)
    with app.app_context():
        limiter.reset()
    # Who is looking at which alert is counted in memory; alert ids repeat between tests.
    app.extensions.pop("presence_local", None)
    if request.node.get_closest_marker("live"):
        db.session.remove()
        db.session.configure(bind=engine, join_transaction_mode="conditional_savepoint")
        yield
        db.session.remove()
        empty_tables(engine)
        return
    connection = engine.connect()
    transaction = connection.begin()
    db.session.remove()
    db.session.configure(bind=connection, join_transaction_mode="create_savepoint")
    yield
    db.session.remove()
    transaction.rollback()
    connection.close()
    db.session.configure(bind=engine)


def empty_tables(engine: sa.Engine) -> None:
    """Empty every table after a live test; the append-only audit log needs its triggers lifted."""
    tables = ", ".join(table.name for table in Base.metadata.sorted_tables)
    with engine.begin() as connection:
        if engine.dialect.name == "postgresql":
            # TRUNCATE fires no row triggers, so the append-only audit log can be emptied too.
            connection.exec_driver_sql(f"TRUNCATE {tables} RESTART IDENTITY CASCADE")
            return
        triggers = connection.exec_driver_sql(
            "SELECT name, sql FROM sqlite_master WHERE type = 'trigger'"
        ).all()
        for name, _sql in triggers:
            connection.exec_driver_sql(f"DROP TRIGGER {name}")
        for table in reversed(Base.metadata.sorted_tables):
            connection.execute(table.delete())
        for _name, sql in triggers:
            connection.exec_driver_sql(sql)


@pytest.fixture
def client(app: Flask) -> FlaskClient:
    return app.test_client()


@pytest.fixture
def backend(app: Flask) -> str:
    return db.engine_for(app).dialect.name


@pytest.fixture
def on_postgresql(app: Flask, backend: str) -> Flask:
    """The app, on PostgreSQL only: worker processes share the test's database, which an
    in-memory or per-process SQLite file cannot be."""
    if backend != "postgresql":
        pytest.skip("worker processes share the database: PostgreSQL only")
    return app


# --- factories: fixtures that return callables ------------------------------------------------


@dataclass
class MemberHandle:
    """What a test needs to act as a member; no ORM object leaks out of its session."""

    id: int
    email: str
    password: str
    display_name: str


_sequence = count(1)


@pytest.fixture
def create_member(app: Flask) -> Callable[..., MemberHandle]:
    from network.accounts import services
    from network.accounts.models import Member, Role

    def make(
        *,
        role: str = "member",
        trust_level: int | None = None,
        locale: str = "en",
        email: str | None = None,
        display_name: str | None = None,
        verified: bool = True,
        **preferences: Any,
    ) -> MemberHandle:
        """Create a member; verified (their address confirmed) unless verified=False."""
        n = next(_sequence)
        email = email or f"member{n}@example.org"
        display_name = display_name or f"Member {n}"
        with app.test_request_context():
            member = services.sign_up(
                email=email,
                password=PASSWORD,
                display_name=display_name,
                locale=locale,
                time_zone="Europe/Amsterdam",
                pledge_accepted=True,
                role=Role(role),
                verified=verified,
            )
            if trust_level is not None:
                member.trust_level = trust_level
            if preferences:
                services.update_preferences(member, **preferences)
            db.session.commit()
            handle = MemberHandle(member.id, email, PASSWORD, display_name)
            assert db.session.get(Member, member.id) is not None
        return handle

    return make


@pytest.fixture
def create_token(app: Flask) -> Callable[[MemberHandle], str]:
    from network.accounts import services

    def make(member: MemberHandle) -> str:
        with app.test_request_context():
            _token, secret = services.create_token(
                email=member.email, password=member.password, name="test"
            )
        return secret

    return make


class MemberWithToken(NamedTuple):
    """A member and a personal access token of theirs."""

    member: MemberHandle
    token: str


@pytest.fixture
def create_member_with_token(
    create_member: Callable[..., MemberHandle], create_token: Callable[[MemberHandle], str]
) -> Callable[..., MemberWithToken]:
    """Create a member (the arguments of `create_member`) with a token: `member, token = ...`."""

    def make(**arguments: Any) -> MemberWithToken:
        member = create_member(**arguments)
        return MemberWithToken(member, create_token(member))

    return make


@pytest.fixture
def api_as(client: FlaskClient, create_token: Callable[[MemberHandle], str]) -> Callable[..., Any]:
    """Return a function that makes API calls with a member's bearer token."""

    def call(member: MemberHandle | None, method: str, path: str, **kwargs: Any) -> Any:
        headers = dict(kwargs.pop("headers", {}))
        if member is not None:
            headers["Authorization"] = f"Bearer {create_token(member)}"
        return client.open(path, method=method, headers=headers, **kwargs)

    return call


CSRF_FIELD = re.compile(
    r'name="csrf_token" type="hidden" value="([^"]+)"|'
    r'name="csrf_token" value="([^"]+)"'
)


def csrf_token_from(html: str) -> str:
    match = CSRF_FIELD.search(html)
    assert match, "no CSRF token on the page"
    return match.group(1) or match.group(2)


@pytest.fixture
def submit(client: FlaskClient) -> Callable[..., Any]:
    """Fill in a page's form like a browser: fetch the page, then post with its CSRF token."""

    def post(page: str, data: dict[str, Any], action: str | None = None, **kwargs: Any) -> Any:
        html = client.get(page).get_data(as_text=True)
        payload = {"csrf_token": csrf_token_from(html), **data}
        return client.post(action or page, data=payload, **kwargs)

    return post


@pytest.fixture
def log_in(submit: Callable[..., Any]) -> Callable[[MemberHandle], Any]:
    def enter(member: MemberHandle) -> Any:
        response = submit("/login", {"email": member.email, "password": member.password})
        assert response.status_code == 302, response.get_data(as_text=True)
        return response

    return enter


# --- real services -------------------------------------------------------------------------------


@pytest.fixture
def redis_url() -> str:
    """A Redis database of its own for the test, emptied before use."""
    import redis

    url = os.environ.get("TEST_REDIS_URL")
    if not url:
        service_missing("Redis (TEST_REDIS_URL)")
    assert url is not None
    client = redis.Redis.from_url(url, socket_connect_timeout=2)
    try:
        client.flushdb()
    except redis.RedisError:
        service_missing("Redis")
    finally:
        client.close()
    return url


@pytest.fixture
def own_schema() -> Iterator[str]:
    """A PostgreSQL schema of the test's own (for several processes sharing one database);
    yield a database URL that uses only it, and drop the schema afterwards."""
    import uuid

    from network.extensions import normalise_database_url

    base = os.environ.get("TEST_DATABASE_URL")
    if not base:
        service_missing("PostgreSQL (TEST_DATABASE_URL)")
    assert base is not None
    schema = f"test_{uuid.uuid4().hex[:12]}"
    admin = sa.create_engine(normalise_database_url(base))
    try:
        with admin.begin() as connection:
            connection.exec_driver_sql(f'CREATE SCHEMA "{schema}"')
    except sa.exc.OperationalError:
        admin.dispose()
        service_missing("PostgreSQL")
    url = sa.make_url(base).update_query_dict({"options": f"-csearch_path={schema}"})
    try:
        yield url.render_as_string(hide_password=False)
    finally:
        with admin.begin() as connection:
            connection.exec_driver_sql(f'DROP SCHEMA "{schema}" CASCADE')
        admin.dispose()


def run_job(task: Any, *args: Any) -> Any:
    """Run a Celery task as a worker does (inside the app, its own session); return its result.

    An embedded worker started earlier in this process makes Celery refuse to wait on a result
    "within a task"; this is the test, not a task."""
    return task.apply(args=args).get(disable_sync_subtasks=False)


def ask_members_job(alert_id: int) -> int:
    """Run the job that asks members about an alert that went live, as the worker does after the
    commit (it asks once, however often it runs; nothing for an alert not live)."""
    from network.tasks.coordination import ask_members

    asked: int = run_job(ask_members, alert_id)
    return asked


class PostedAlert(dict[str, Any]):
    """An alert's JSON as the API answered its post, and the member who posted it."""

    reporter: Any


@pytest.fixture
def open_alert(api_as: Callable[..., Any], create_member: Callable[..., Any]) -> Callable[..., Any]:
    """Post an open alert (by a trusted member, or `reporter=`) and run its asks job, as the
    worker would; return its JSON (`.reporter`)."""
    from tests.alerts.conftest import alert_body

    def make(*, reporter: Any = None, **changes: Any) -> PostedAlert:
        reporter = reporter or create_member(trust_level=1)
        response = api_as(reporter, "POST", "/api/v1/alerts", json=alert_body(**changes))
        assert response.status_code == 201, response.get_data(as_text=True)
        alert = PostedAlert(response.get_json())
        assert alert["status"] == "open", alert["status"]
        alert.reporter = reporter
        ask_members_job(alert["id"])
        return alert

    return make
