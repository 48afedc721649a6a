"""Faults, for real: Redis stopped, the database connection cut, SQLite under concurrent writers."""

from __future__ import annotations

import contextlib
import os
import secrets
import shutil
import socket
import subprocess
import threading
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import socketio
import sqlalchemy as sa

from network.alerts.models import Alert
from network.extensions import activate, db, still_open, writes
from tests.alerts.conftest import alert_body
from tests.conftest import service_missing
from tests.harness import (
    free_port,
    live_server,
    member_with_token,
    request_json,
    standalone_app,
    wait_until,
)

pytestmark = pytest.mark.live


def call(
    origin: str,
    method: str,
    path: str,
    token: str | None = None,
    body: dict[str, Any] | None = None,
) -> tuple[int, Any]:
    return request_json(origin, method, path, body, token, timeout=30)


class RedisServer:
    """A redis-server of the test's own, so it can be stopped without hurting anyone else."""

    def __init__(self, directory: Path) -> None:
        self.port = free_port()
        self.directory = directory
        self.process: subprocess.Popen[bytes] | None = None

    @property
    def url(self) -> str:
        return f"redis://127.0.0.1:{self.port}/0"

    def start(self) -> None:
        binary = shutil.which("redis-server")
        if binary is None:
            service_missing("redis-server (to run a Redis of the test's own)")
        assert binary is not None
        self.process = subprocess.Popen(
            [
                binary,
                "--port",
                str(self.port),
                "--bind",
                "127.0.0.1",
                "--save",
                "",
                "--appendonly",
                "no",
                "--dir",
                str(self.directory),
            ],
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        wait_until(self._answers, timeout=10, what="redis-server to start")

    def _answers(self) -> bool:
        try:
            with socket.create_connection(("127.0.0.1", self.port), timeout=0.2) as conn:
                conn.sendall(b"PING\r\n")
                return conn.recv(16).startswith(b"+PONG")
        except OSError:
            return False

    def stop(self) -> None:
        if self.process is not None and self.process.poll() is None:
            self.process.kill()
            self.process.wait(timeout=10)


@pytest.fixture
def own_redis(tmp_path: Path) -> Iterator[RedisServer]:
    server = RedisServer(tmp_path)
    server.start()
    yield server
    server.stop()


def test_with_redis_stopped_alerts_and_claims_still_post_and_clients_catch_up(
    tmp_path: Path, own_redis: RedisServer
) -> None:
    port = free_port()
    app = standalone_app(
        tmp_path / "app",
        REDIS_URL=own_redis.url,
        SOCKETIO_MESSAGE_QUEUE=own_redis.url,
        RATELIMIT_STORAGE_URI=own_redis.url,
        CELERY_EMBEDDED=False,
        SITE_URL=f"http://127.0.0.1:{port}",
    )
    activate(app)
    poster = member_with_token(app, "poster@example.org", trust_level=1)
    watcher = member_with_token(app, "watcher@example.org", trust_level=1)
    helper = member_with_token(app, "helper@example.org")
    client = socketio.Client(reconnection=False)
    received: list[tuple[str, Any]] = []
    client.on("*", lambda event, data=None: received.append((event, data)), namespace="/feed")
    with live_server(app, port) as origin:
        client.connect(
            origin,
            namespaces=["/feed"],
            auth={"token": watcher},
            transports=["polling"],
            wait_timeout=10,
        )
        status, first = call(origin, "POST", "/api/v1/alerts", poster, fresh_alert())
        assert status == 201
        wait_until(
            lambda: any(e == "alert.created" for e, _ in received),
            timeout=10,
            what="the first alert live",
        )
        last_seen = max(data["event_id"] for _event, data in received)

        own_redis.stop()
        during = [call(origin, "POST", "/api/v1/alerts", poster, fresh_alert()) for _ in range(2)]
        assert [status for status, _ in during] == [201, 201], during
        status, action = call(
            origin,
            "POST",
            f"/api/v1/alerts/{first['id']}/actions",
            helper,
            {"type": "report_platform"},
        )
        assert status == 201, action
        with app.app_context():
            assert db.session.scalar(sa.select(sa.func.count()).select_from(Alert)) == 3

        own_redis.start()
        client.eio.disconnect(abort=True)
        again = socketio.Client(reconnection=False)
        replayed: list[tuple[str, Any]] = []
        again.on("*", lambda event, data=None: replayed.append((event, data)), namespace="/feed")
        again.connect(
            origin,
            namespaces=["/feed"],
            auth={"token": watcher, "since": last_seen},
            transports=["polling"],
            wait_timeout=10,
        )
        wait_until(
            lambda: len([e for e, _ in replayed if e == "alert.created"]) == 2,
            timeout=10,
            what=lambda: f"the missed alerts in {replayed}",
        )
        ids = {data["alert"]["id"] for event, data in replayed if event == "alert.created"}
        assert ids == {body["id"] for _status, body in during}
        assert any(e == "action.updated" for e, _ in replayed)
        again.eio.disconnect(abort=True)


class Proxy:
    """A TCP proxy to the database that can be cut and restored, like a restarting server."""

    def __init__(self, target: tuple[str, int]) -> None:
        self.target = target
        self.port = free_port()
        self.open = threading.Event()
        self.connections: list[socket.socket] = []
        self.listener = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        self.listener.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        self.listener.bind(("127.0.0.1", self.port))
        self.listener.listen(64)
        self.open.set()
        threading.Thread(target=self._accept, daemon=True).start()

    def _accept(self) -> None:
        while True:
            try:
                downstream, _ = self.listener.accept()
            except OSError:
                return
            if not self.open.is_set():
                downstream.close()
                continue
            try:
                upstream = socket.create_connection(self.target, timeout=5)
            except OSError:
                downstream.close()
                continue
            self.connections += [downstream, upstream]
            for a, b in ((downstream, upstream), (upstream, downstream)):
                threading.Thread(target=self._pipe, args=(a, b), daemon=True).start()

    @staticmethod
    def _pipe(source: socket.socket, sink: socket.socket) -> None:
        try:
            while chunk := source.recv(65536):
                sink.sendall(chunk)
        except OSError:
            pass
        finally:
            for end in (source, sink):
                with contextlib.suppress(OSError):
                    end.close()

    def cut(self) -> None:
        """Drop every connection and refuse new ones (the server went away)."""
        self.open.clear()
        for connection in self.connections:
            with contextlib.suppress(OSError):
                connection.shutdown(socket.SHUT_RDWR)
        self.connections.clear()

    def restore(self) -> None:
        self.open.set()

    def close(self) -> None:
        self.cut()
        self.listener.close()


def test_a_cut_database_connection_fails_cleanly_and_recovers_without_restart(
    tmp_path: Path,
) -> None:
    url = os.environ.get("TEST_DATABASE_URL")
    if not url:
        service_missing("PostgreSQL (TEST_DATABASE_URL)")
    assert url is not None
    target = sa.engine.make_url(url)
    proxy = Proxy((target.host or "127.0.0.1", target.port or 5432))
    try:
        proxied = target.set(host="127.0.0.1", port=proxy.port).render_as_string(
            hide_password=False
        )
        app = standalone_app(tmp_path / "pg", database_url=proxied)
        activate(app)
        with app.app_context():
            db.session.execute(sa.text("DELETE FROM alert_report"))
            db.session.commit()
        email = f"faults-{free_port()}@example.org"
        token = member_with_token(app, email, trust_level=1)
        with live_server(app, free_port()) as origin:
            assert call(origin, "GET", "/api/v1/me", token)[0] == 200
            proxy.cut()
            status, body = call(origin, "GET", "/api/v1/me", token)
            assert status == 503, body
            assert body["error"]["code"] == "service_unavailable"
            status, body = call(origin, "POST", "/api/v1/alerts", token, fresh_alert())
            assert status == 503 and set(body["error"]) == {"code", "message", "fields"}
            proxy.restore()
            status, me = wait_until(
                lambda: (lambda answer: answer if answer[0] == 200 else None)(
                    call(origin, "GET", "/api/v1/me", token)
                ),
                timeout=15,
                what="the app to reconnect",
            )
            assert me["email"] == email
            assert call(origin, "POST", "/api/v1/alerts", token, fresh_alert())[0] == 201
    finally:
        proxy.close()


def test_sqlite_takes_eight_concurrent_writers_without_locking_errors(tmp_path: Path) -> None:
    app = standalone_app(
        tmp_path / "sqlite", ALERT_LIMIT_TRUSTED="100000 per day", ASKS_PER_ALERT=0
    )
    activate(app)
    tokens = [member_with_token(app, f"writer{n}@example.org", trust_level=1) for n in range(8)]
    failures: list[Any] = []
    start = threading.Barrier(len(tokens))

    def write(index: int, origin: str) -> None:
        start.wait()
        for n in range(100):
            status, body = call(
                origin,
                "POST",
                "/api/v1/alerts",
                tokens[index],
                alert_body(url=f"https://forum.example.org/t/{index}-{n}"),
            )
            if status != 201:
                failures.append((status, body))

    with live_server(app, free_port()) as origin:
        threads = [threading.Thread(target=write, args=(i, origin)) for i in range(len(tokens))]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join(timeout=300)
    assert failures == []
    with app.app_context():
        assert db.session.scalar(sa.select(sa.func.count()).select_from(Alert)) == 800


def fresh_alert() -> dict[str, Any]:
    """An alert of a thread no earlier run posted (these tests share a persistent database)."""
    return alert_body(url=f"https://www.instagram.com/p/faults-{secrets.token_hex(8)}/")


def _postgresql_app(tmp_path: Path, application_name: str, **extra: Any) -> Any:
    url = os.environ.get("TEST_DATABASE_URL")
    if not url:
        service_missing("PostgreSQL (TEST_DATABASE_URL)")
    assert url is not None
    named = sa.engine.make_url(url).update_query_dict({"application_name": application_name})
    app = standalone_app(
        tmp_path / "pg", database_url=named.render_as_string(hide_password=False), **extra
    )
    activate(app)
    with app.app_context():
        db.session.execute(sa.text("DELETE FROM alert_report"))
        db.session.commit()
    return app


@pytest.mark.parametrize("then", ["GET /api/v1/me", "GET /api/v1/alerts", "POST /api/v1/alerts"])
def test_a_connection_the_server_ended_is_replaced_before_use(tmp_path: Path, then: str) -> None:
    """The pool checks each connection it lends without a round trip (a server that ends a
    connection says so on its socket): a terminated backend never fails a request."""
    name = f"faults-{free_port()}"
    app = _postgresql_app(tmp_path, name)
    token = member_with_token(app, f"{name}@example.org", trust_level=1)
    method, path = then.split()
    # An engine of its own: a connection from the app's pool could be the one it ends.
    engine = sa.create_engine(str(db.engine_for(app).url.set(query={})), poolclass=sa.NullPool)
    with live_server(app, free_port()) as origin:
        for _round in range(3):
            assert call(origin, "GET", "/api/v1/me", token)[0] == 200
            assert backends(engine, name, "pg_terminate_backend(pid)") >= 1
            wait_until(
                lambda: backends(engine, name) == 0,
                timeout=10,
                what="the terminated backends to go",
            )
            body = fresh_alert() if method == "POST" else None
            status, answer = call(origin, method, path, token, body)
            assert status in (200, 201), answer


def backends(engine: sa.Engine, name: str, each: str = "pid") -> int:
    """Count the app's backends (by application name), doing `each` to every one of them."""
    with engine.connect() as admin:
        found = admin.execute(
            sa.text(
                f"SELECT count({each}) FROM pg_stat_activity "
                "WHERE application_name = :name AND pid <> pg_backend_pid()"
            ),
            {"name": name},
        ).scalar_one()
        admin.rollback()
    return int(found)


def test_api_reads_run_in_autocommit_and_writes_in_a_transaction(tmp_path: Path) -> None:
    """API reads skip BEGIN and ROLLBACK; every write still runs in one transaction."""
    app = _postgresql_app(tmp_path, f"faults-{free_port()}")
    token = member_with_token(app, f"reads-{free_port()}@example.org", trust_level=1)
    engine = db.engine_for(app)
    seen: list[tuple[str, bool]] = []

    def record(connection: sa.Connection, _cursor: Any, statement: str, *_args: Any) -> None:
        dbapi = connection.connection.dbapi_connection
        seen.append((statement.split(None, 1)[0].upper(), bool(dbapi and dbapi.autocommit)))

    sa.event.listen(engine, "before_cursor_execute", record)
    try:
        with live_server(app, free_port()) as origin:
            status, posted = call(origin, "POST", "/api/v1/alerts", token, fresh_alert())
            assert status == 201, posted
            assert seen and not any(autocommit for _verb, autocommit in seen)
            for path in ("/api/v1/me", "/api/v1/alerts", f"/api/v1/alerts/{posted['id']}"):
                seen.clear()
                status, answer = call(origin, "GET", path, token)
                assert status == 200, answer
                assert seen and all(autocommit for _verb, autocommit in seen), (path, seen)
                assert {verb for verb, _autocommit in seen} <= {"SELECT", "WITH"}, seen
    finally:
        sa.event.remove(engine, "before_cursor_execute", record)


def test_a_claim_reads_in_autocommit_until_it_writes(tmp_path: Path) -> None:
    """A claim reads the token and the rules outside a transaction: one the rules refuse sends
    no BEGIN and ROLLBACK; one that goes on writes in one transaction from the alert's lock on."""
    name = f"faults-{free_port()}"
    app = _postgresql_app(tmp_path, name)
    reporter, first, second = (
        member_with_token(app, f"{name}-{who}@example.org", trust_level=1)
        for who in ("reporter", "first", "second")
    )
    engine = db.engine_for(app)
    seen: list[tuple[str, bool]] = []

    def record(connection: sa.Connection, _cursor: Any, statement: str, *_args: Any) -> None:
        dbapi = connection.connection.dbapi_connection
        seen.append((statement.split(None, 1)[0].upper(), bool(dbapi and dbapi.autocommit)))

    with live_server(app, free_port()) as origin:
        status, alert = call(
            origin, "POST", "/api/v1/alerts", reporter, {**fresh_alert(), "responder_goal": 1}
        )
        assert status == 201 and alert["status"] == "open", alert
        claim = {"type": "counter_speech"}
        sa.event.listen(engine, "before_cursor_execute", record)
        try:
            status, answer = call(
                origin, "POST", f"/api/v1/alerts/{alert['id']}/actions", first, claim
            )
            assert status == 201, answer
            reads = [verb for verb, autocommit in seen if autocommit]
            assert reads and set(reads) <= {"SELECT", "WITH"}, seen
            # Autocommit first, then one transaction to the end: the lock, counts, insert, events.
            assert seen[: len(reads)] == [(verb, True) for verb in reads], seen
            assert {"UPDATE", "INSERT"} <= {verb for verb, _autocommit in seen[len(reads) :]}
            assert not any(autocommit for _verb, autocommit in seen[len(reads) :]), seen
            seen.clear()
            # The one public voice it wants is taken: the rules refuse before the lock.
            status, answer = call(
                origin, "POST", f"/api/v1/alerts/{alert['id']}/actions", second, claim
            )
            assert status == 409 and answer["error"]["code"] == "cap_reached", answer
            assert seen and all(autocommit for _verb, autocommit in seen), seen
        finally:
            sa.event.remove(engine, "before_cursor_execute", record)
        status, actions = call(origin, "GET", f"/api/v1/alerts/{alert['id']}/actions", first)
        assert status == 200 and [a["status"] for a in actions["items"]] == ["claimed"], actions


def test_a_read_in_autocommit_refuses_to_write(tmp_path: Path) -> None:
    app = _postgresql_app(tmp_path, f"faults-{free_port()}")
    with app.test_request_context():
        before = db.session.scalar(sa.select(sa.func.count()).select_from(Alert))
        db.session.remove()
        db.read_in_autocommit()
        with pytest.raises(RuntimeError, match="tried to write: UPDATE"):
            db.session.execute(sa.update(Alert).values(summary="changed"))
        db.session.remove()
        assert db.session.scalar(sa.select(sa.func.count()).select_from(Alert)) == before
        assert not db.session.scalar(
            sa.select(sa.func.count()).select_from(Alert).where(Alert.summary == "changed")
        )


@pytest.mark.parametrize(
    ("statement", "writing"),
    [
        ("SELECT 1", False),
        ("  select id from alert", False),
        ("WITH page AS (SELECT id FROM alert) SELECT * FROM page", False),
        ("SHOW server_version", False),
        ("SELECT last_update FROM t", False),
        ("INSERT INTO alert (id) VALUES (1)", True),
        ("update alert set summary = 'x'", True),
        ("DELETE FROM alert", True),
        ("WITH a AS (INSERT INTO alert (id) VALUES (1) RETURNING id) SELECT id FROM a", True),
        ("WITH a AS (SELECT 1)\nINSERT INTO feed_event SELECT * FROM a", True),
        ("WITH x AS (SELECT 1) DELETE FROM alert", True),
        ("TRUNCATE alert", True),
        ("SET LOCAL statement_timeout = 5", True),
        ("", True),
    ],
)
def test_only_plain_reads_count_as_reads(statement: str, writing: bool) -> None:
    assert writes(statement) is writing


def test_the_socket_check_sees_a_terminated_backend_whatever_its_descriptor_number() -> None:
    """A busy web process holds thousands of sockets: the check must work far beyond 1024."""
    url = os.environ.get("TEST_DATABASE_URL")
    if not url:
        service_missing("PostgreSQL (TEST_DATABASE_URL)")
    assert url is not None
    import psycopg

    ballast = [os.open(os.devnull, os.O_RDONLY) for _ in range(1100)]
    try:
        with psycopg.connect(url.replace("postgresql+psycopg://", "postgresql://")) as victim:
            assert victim.fileno() > 1024
            victim.execute("SELECT 1")
            victim.rollback()
            assert still_open(victim)
            with psycopg.connect(url, autocommit=True) as admin:
                admin.execute("SELECT pg_terminate_backend(%s)", (victim.info.backend_pid,))
            wait_until(lambda: not still_open(victim), timeout=10, what="the check to see it")
    finally:
        for descriptor in ballast:
            os.close(descriptor)


def test_after_a_burst_sequential_requests_stay_on_the_connection_used_last() -> None:
    """A burst (a thousand clients connecting) fills the pool; the quiet traffic after it must
    reuse the connection returned last, whose statements are prepared and whose server process
    is warm, rather than going round every connection of the pool."""
    url = os.environ.get("TEST_DATABASE_URL")
    if not url:
        service_missing("PostgreSQL (TEST_DATABASE_URL)")
    assert url is not None
    from network.extensions import create_engine

    engine = create_engine(url)
    try:
        with contextlib.ExitStack() as burst:
            connections = [burst.enter_context(engine.connect()) for _ in range(5)]
            backends = [c.exec_driver_sql("SELECT pg_backend_pid()").scalar() for c in connections]
        assert len(set(backends)) == 5
        # The burst's connections went back in reverse order: the first one checked out, last.
        seen = set()
        for _ in range(20):
            with engine.connect() as connection:
                seen.add(connection.exec_driver_sql("SELECT pg_backend_pid()").scalar())
        assert seen == {backends[0]}
    finally:
        engine.dispose()


def backend_pids(engine: sa.Engine, name: str) -> set[int]:
    with engine.connect() as admin:
        found = admin.execute(
            sa.text("SELECT pid FROM pg_stat_activity WHERE application_name = :name"),
            {"name": name},
        ).scalars()
        return set(found)


@pytest.mark.parametrize("pool_size", [2, 3])
def test_a_burst_beyond_the_pool_waits_for_its_connections_and_keeps_them(
    tmp_path: Path, pool_size: int
) -> None:
    """DATABASE_POOL_SIZE bounds the connections a process opens, whatever the burst: requests
    beyond it wait for one and all succeed; and the connections stay for the next burst, warm,
    instead of being opened for one burst and closed after it."""
    name = f"faults-{free_port()}"
    app = _postgresql_app(tmp_path, name, DATABASE_POOL_SIZE=pool_size)
    tokens = [member_with_token(app, f"{name}-{n}@example.org", trust_level=1) for n in range(12)]
    db.engine_for(app).dispose()  # the set-up's connections: the bursts start from none
    admin = sa.create_engine(str(db.engine_for(app).url.set(query={})), poolclass=sa.NullPool)
    most = 0
    bursting = threading.Event()

    def watch() -> None:
        nonlocal most
        while bursting.is_set():
            most = max(most, len(backend_pids(admin, name)))

    def burst(origin: str) -> list[int]:
        statuses: list[int] = []
        start = threading.Barrier(len(tokens))

        def post(token: str) -> None:
            start.wait()
            statuses.append(call(origin, "POST", "/api/v1/alerts", token, fresh_alert())[0])

        threads = [threading.Thread(target=post, args=(token,)) for token in tokens]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join(timeout=120)
        return statuses

    with live_server(app, free_port()) as origin:
        bursting.set()
        watcher = threading.Thread(target=watch)
        watcher.start()
        try:
            assert burst(origin) == [201] * len(tokens)
            kept = backend_pids(admin, name)
            assert burst(origin) == [201] * len(tokens)
            assert backend_pids(admin, name) == kept
        finally:
            bursting.clear()
            watcher.join(timeout=30)
    assert 1 <= len(kept) <= pool_size
    assert most <= pool_size


@pytest.mark.parametrize("size", [1, 0, -3])
def test_the_pool_size_must_be_at_least_two(tmp_path: Path, size: int) -> None:
    with pytest.raises(ValueError, match=f"DATABASE_POOL_SIZE must be at least 2, not {size}"):
        standalone_app(tmp_path, migrate=False, DATABASE_POOL_SIZE=size)


def test_the_smallest_pool_lends_a_digest_batch_its_second_connection(tmp_path: Path) -> None:
    """A digest batch marks its digests on a connection of its own while its session holds
    one: with a pool of two both are lent, each to its own server process."""
    from network.digests.marks import Marks

    app = _postgresql_app(tmp_path, f"faults-{free_port()}", DATABASE_POOL_SIZE=2)
    try:
        with app.app_context():
            session_backend = db.session.execute(sa.text("SELECT pg_backend_pid()")).scalar()
            with Marks() as marks:
                assert marks.connection is not None
                marks_backend = marks.connection.exec_driver_sql("SELECT pg_backend_pid()").scalar()
            assert marks_backend != session_backend
            db.session.rollback()
    finally:
        db.engine_for(app).dispose()
