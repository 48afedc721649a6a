"""The real topology on the local PostgreSQL and Redis: gunicorn web processes (gevent WebSocket
worker, gunicorn.conf.py), a Celery worker and beat, started as operators start them."""

from __future__ import annotations

import hashlib
import json
import os
import secrets
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
import urllib.error
import urllib.request
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import redis
import sqlalchemy as sa

from bench.common import ROOT, wait_until

DATABASE_URL = os.environ.get(
    "BENCH_DATABASE_URL", "postgresql://postgres@127.0.0.1:5432/test_bench"
)
REDIS_URL = os.environ.get("BENCH_REDIS_URL", "redis://127.0.0.1:6379/9")
BIN = Path(sys.executable).parent
# Generous limits: the benchmark measures the limiter's cost, not its refusals.
UNLIMITED = "1000000 per hour"


def free_port() -> int:
    """Return a TCP port on 127.0.0.1 that nothing listens on."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port: int = probe.getsockname()[1]
        return port


def sqlalchemy_url(url: str) -> str:
    for prefix in ("postgres://", "postgresql://"):
        if url.startswith(prefix):
            return "postgresql+psycopg://" + url[len(prefix) :]
    return url


def psycopg_url(url: str) -> str:
    """Return the URL in the form libpq (psycopg.connect) reads."""
    return sa.make_url(sqlalchemy_url(url)).set(drivername="postgresql").render_as_string(False)


def ensure_database(url: str) -> None:
    """Create the benchmark database with createdb when it does not exist yet."""
    engine = sa.create_engine(sqlalchemy_url(url))
    try:
        with engine.connect():
            return
    except sa.exc.OperationalError as error:
        if "does not exist" not in str(error):
            raise SystemExit(f"PostgreSQL at {url} is not reachable: {error}") from None
    finally:
        engine.dispose()
    parts = sa.make_url(url)
    command = ["createdb", "-h", parts.host or "127.0.0.1", "-p", str(parts.port or 5432)]
    if parts.username:
        command += ["-U", parts.username]
    environment = dict(os.environ)
    if parts.password:
        environment["PGPASSWORD"] = parts.password
    subprocess.run([*command, str(parts.database)], check=True, env=environment)


@dataclass
class Process:
    """A process of the topology and its log file."""

    name: str
    popen: subprocess.Popen[bytes]
    log_path: Path

    def log(self) -> str:
        return self.log_path.read_text(errors="replace")

    def alive(self) -> bool:
        return self.popen.poll() is None

    def stop(self) -> None:
        if self.popen.poll() is None:
            self.popen.send_signal(signal.SIGTERM)
            try:
                self.popen.wait(timeout=20)
            except subprocess.TimeoutExpired:
                self.popen.kill()
                self.popen.wait(timeout=5)


@dataclass
class Member:
    id: int
    token: str


@dataclass
class Topology:
    """The started topology and what scenarios need to drive it."""

    database_url: str
    redis_url: str
    workdir: Path
    environment: dict[str, str]
    engine: sa.Engine
    web: list[str] = field(default_factory=list)
    processes: list[Process] = field(default_factory=list)
    baseline_web: list[str] = field(default_factory=list)
    baseline_processes: list[Process] = field(default_factory=list)
    run_id: str = field(default_factory=lambda: secrets.token_hex(4))

    # --- processes -----------------------------------------------------------------------------

    def start(
        self, name: str, command: Sequence[str], source: Path = ROOT, **extra: str
    ) -> Process:
        """Start a process of the app from `source` (a checkout: this one unless given)."""
        log_path = self.workdir / f"{name}.log"
        with log_path.open("wb") as log:
            popen = subprocess.Popen(
                list(command),
                cwd=source,
                env={**self.environment, **extra},
                stdout=log,
                stderr=subprocess.STDOUT,
            )
        process = Process(name, popen, log_path)
        self.processes.append(process)
        return process

    def start_web(
        self, count: int, server: str = "gevent", source: Path = ROOT, name: str = "web"
    ) -> list[str]:
        """Start `count` web processes on free ports: gunicorn with one gevent worker each, or
        (server "threading", for comparison) `upstander serve`, Socket.IO on threads. `source`:
        the checkout they run (bench/ab.py starts another revision's beside this one's)."""
        started = []
        for number in range(1, count + 1):
            port = free_port()
            origin = f"http://127.0.0.1:{port}"
            if server == "threading":
                command = [
                    str(BIN / "upstander"),
                    "serve",
                    "--host",
                    "127.0.0.1",
                    "--port",
                    str(port),
                ]
            else:
                command = [
                    str(BIN / "gunicorn"),
                    "-c",
                    "gunicorn.conf.py",
                    "--bind",
                    f"127.0.0.1:{port}",
                ]
            process = self.start(
                f"{name}{number}", command, source, SITE_URL=origin, SOCKETIO_ASYNC_MODE=server
            )
            started.append((origin, process))
        self._wait_until_healthy(started)
        if name == "web":  # the scenarios' web processes; others are the caller's to drive
            self.web += [origin for origin, _process in started]
        return [origin for origin, _process in started]

    def start_baseline(self, count: int) -> list[str]:
        """Start `count` gunicorn processes of the posting baseline (bench/baseline_app.py) with
        the project's gunicorn.conf.py; they are not part of `web`."""
        started = []
        for number in range(1, count + 1):
            port = free_port()
            origin = f"http://127.0.0.1:{port}"
            command = [
                str(BIN / "gunicorn"),
                "-c",
                "gunicorn.conf.py",
                "--bind",
                f"127.0.0.1:{port}",
                "bench.baseline_app:create_app()",
            ]
            process = self.start(f"baseline{number}", command)
            started.append((origin, process))
        self._wait_until_healthy(started)
        for origin, process in started:
            self.baseline_web.append(origin)
            self.baseline_processes.append(process)
        return [origin for origin, _process in started]

    def _wait_until_healthy(self, started: list[tuple[str, Process]]) -> None:
        for origin, process in started:
            wait_until(
                lambda o=origin, p=process: self._healthy(o, p),  # type: ignore[misc]
                # Starting takes 20-30 s on a calm machine, much longer on a busy shared one.
                timeout=240,
                what=f"{process.name} at {origin}",
            )

    def web_processes(self) -> list[Process]:
        """The app's web processes (gunicorn masters, their workers are children)."""
        return [process for process in self.processes if process.name.startswith("web")]

    def _healthy(self, origin: str, process: Process) -> bool:
        if not process.alive():
            raise RuntimeError(f"{process.name} exited:\n{process.log()[-3000:]}")
        try:
            with urllib.request.urlopen(f"{origin}/healthz", timeout=5) as response:
                return bool(response.status == 200)
        except (urllib.error.URLError, ConnectionError, TimeoutError):
            return False

    def wait_for_worker(self) -> None:
        def answered() -> bool:
            with urllib.request.urlopen(f"{self.web[0]}/healthz", timeout=5) as response:
                return bool(json.loads(response.read())["worker"] == "ok")

        wait_until(answered, timeout=60, what="the Celery worker to answer", interval=0.5)

    def wait_for_quiet(self, timeout: float = 240) -> float:
        """Wait until the worker has done every queued job (the last scenario's asks, pushes and
        webhooks), so one scenario's backlog does not share the cores with the next one's
        measurement; return the seconds waited (a note is printed when it never got quiet)."""
        client = redis.Redis.from_url(self.redis_url)
        began = time.monotonic()
        try:
            while client.llen("celery") or client.hlen("unacked"):
                if time.monotonic() - began > timeout:
                    print(f"  (the worker still had jobs after {timeout:.0f} s: measuring anyway)")
                    break
                time.sleep(0.5)
        finally:
            client.close()
        return time.monotonic() - began

    def stop(self) -> None:
        for process in reversed(self.processes):
            process.stop()
        self.processes.clear()

    # --- data ----------------------------------------------------------------------------------

    def empty(self) -> None:
        """Empty every table (the schema stays, so prepared statements stay valid)."""
        # The worker may still be running the last scenario's jobs (personal asks, webhooks):
        # their locks can deadlock with the TRUNCATE, which then simply tries again.
        for attempt in range(10):
            try:
                with self.engine.begin() as connection:
                    tables = connection.exec_driver_sql(
                        "SELECT string_agg(quote_ident(tablename), ', ') FROM pg_tables "
                        "WHERE schemaname = 'public' AND tablename <> 'alembic_version'"
                    ).scalar_one()
                    connection.exec_driver_sql(f"TRUNCATE {tables} CASCADE")
                return
            except sa.exc.OperationalError:
                if attempt == 9:
                    raise
                time.sleep(0.5)

    def add_members(
        self, count: int, *, trust_level: int = 0, role: str = "member", prefix: str = "m"
    ) -> list[Member]:
        """Insert active members with a personal access token each; return ids and tokens."""
        from network.accounts.models import AccessToken
        from network.accounts.models import Member as MemberRow

        now = datetime.now(UTC)
        tag = f"{prefix}-{self.run_id}-{secrets.token_hex(3)}"
        members = [
            {
                "email": f"{tag}-{number}@bench.example.org",
                "password_hash": "!bench",
                "display_name": f"Bench {prefix} {number}",
                "role": role,
                "trust_level": trust_level,
                "status": "active",
                "locale": "en",
                "time_zone": "Europe/Amsterdam",
                "digest_frequency": "weekly",
                "pledge_accepted_at": now,
                "platforms": [],
                "languages": [],
                "comfortable_actions": [],
                "asks_per_week": 3,
                "session_version": 1,
                "created_at": now,
                "email_verified_at": now,
            }
            for number in range(count)
        ]
        secrets_ = [f"upn_{secrets.token_urlsafe(32)}" for _ in range(count)]
        with self.engine.begin() as connection:
            ids = list(
                connection.scalars(
                    sa.insert(MemberRow.__table__).returning(MemberRow.__table__.c.id),  # type: ignore[arg-type]
                    members,
                )
            )
            connection.execute(
                sa.insert(AccessToken.__table__),  # type: ignore[arg-type]
                [
                    {
                        "member_id": member_id,
                        "name": "bench",
                        "token_hash": hashlib.sha256(secret.encode()).hexdigest(),
                        "prefix": secret[:12],
                        "created_at": now,
                    }
                    for member_id, secret in zip(ids, secrets_, strict=True)
                ],
            )
        return [Member(member_id, secret) for member_id, secret in zip(ids, secrets_, strict=True)]

    def analyze(self) -> None:
        """After bulk loading, do now what autovacuum would do by itself during the measurement
        (vacuum the new rows, refresh the planner's statistics) and write the dirty pages out,
        so neither autovacuum nor a checkpoint lands among the timed requests."""
        with self.engine.connect() as connection:
            autocommit = connection.execution_options(isolation_level="AUTOCOMMIT")
            autocommit.exec_driver_sql("VACUUM ANALYZE")
            autocommit.exec_driver_sql("CHECKPOINT")

    def server_versions(self) -> list[str]:
        with self.engine.connect() as connection:
            postgres = connection.exec_driver_sql("SHOW server_version").scalar_one()
        client = redis.Redis.from_url(self.redis_url)
        try:
            redis_version = client.info("server")["redis_version"]
        finally:
            client.close()
        return [f"servers: PostgreSQL {postgres}, Redis {redis_version}"]


def _children(pid: int) -> list[int]:
    found = []
    for task in Path(f"/proc/{pid}/task").glob("*"):
        try:
            found += [int(child) for child in (task / "children").read_text().split()]
        except OSError:
            continue
    return found


def cpu_seconds(processes: Sequence[Process]) -> float:
    """Return the CPU time (user + system) used so far by these processes and their children
    (gunicorn's workers), read from /proc/<pid>/stat."""
    ticks = os.sysconf("SC_CLK_TCK")
    total = 0
    for process in processes:
        for pid in [process.popen.pid, *_children(process.popen.pid)]:
            try:
                stat = Path(f"/proc/{pid}/stat").read_text()
            except OSError:
                continue
            # Fields after the command name (which may hold spaces) start at field 3.
            fields = stat[stat.rindex(")") + 2 :].split()
            total += int(fields[11]) + int(fields[12])
    return total / ticks


def app_environment(workdir: Path, database_url: str, redis_url: str) -> dict[str, str]:
    """Settings of every app process: production mode on the benchmark's services."""
    environment = {
        key: value
        for key, value in os.environ.items()
        if not key.startswith(("BENCH_", "TEST_", "SOCKETIO_", "RATELIMIT_"))
        and key not in {"DATABASE_URL", "REDIS_URL", "SITE_URL", "CELERY_EMBEDDED"}
    }
    environment.update(
        UPSTANDER_ENV="production",
        SECRET_KEY=secrets.token_urlsafe(48),
        DATABASE_URL=database_url,
        REDIS_URL=redis_url,
        INSTANCE_PATH=str(workdir / "instance"),
        PYTHONUNBUFFERED="1",
        ACCESS_LOG="",
        LOG_LEVEL="warning",
        ALERT_LIMIT_NEW_MEMBER=UNLIMITED,
        ALERT_LIMIT_TRUSTED=UNLIMITED,
        CLAIM_LIMIT=UNLIMITED,
        FLAG_LIMIT=UNLIMITED,
        # Redis pub/sub ignores database numbers: a channel of its own keeps test runs on the
        # same Redis server from reaching the benchmark's clients (and the other way round).
        SOCKETIO_CHANNEL=f"upstander-bench-{secrets.token_hex(4)}",
        # Every bench reporter stays a new member: their alerts wait for review.
        TRUST_PROMOTION_APPROVED_ALERTS="1000000",
    )
    return environment


def prepare(database_url: str, redis_url: str) -> None:
    """Create the database if needed, build a fresh schema with the migrations, empty Redis."""
    ensure_database(database_url)
    engine = sa.create_engine(sqlalchemy_url(database_url))
    with engine.begin() as connection:
        connection.exec_driver_sql("DROP SCHEMA public CASCADE; CREATE SCHEMA public")
    engine.dispose()
    client = redis.Redis.from_url(redis_url)
    try:
        client.flushdb()
    finally:
        client.close()


@contextmanager
def topology(
    *, web_processes: int = 2, web_server: str = "gevent", keep_logs: bool = False
) -> Iterator[Topology]:
    """Start web processes, a worker and beat on a fresh schema; stop them all afterwards."""
    prepare(DATABASE_URL, REDIS_URL)
    workdir = Path(tempfile.mkdtemp(prefix="upstander-bench-"))
    environment = app_environment(workdir, DATABASE_URL, REDIS_URL)
    migrated = subprocess.run(
        [str(BIN / "upstander"), "db", "upgrade"],
        cwd=ROOT,
        env=environment,
        capture_output=True,
        text=True,
        check=False,
    )
    if migrated.returncode != 0:
        raise SystemExit(f"migrations failed:\n{migrated.stdout}\n{migrated.stderr}")
    engine = sa.create_engine(sqlalchemy_url(DATABASE_URL), pool_size=2, max_overflow=4)
    running = Topology(DATABASE_URL, REDIS_URL, workdir, environment, engine)
    try:
        running.start("worker", [str(BIN / "upstander"), "worker", "--loglevel=WARNING"])
        running.start("beat", [str(BIN / "upstander"), "beat", "--loglevel=WARNING"])
        running.start_web(web_processes, web_server)
        running.wait_for_worker()
        yield running
    finally:
        running.stop()
        engine.dispose()
        if keep_logs:
            print(f"logs kept in {workdir}", file=sys.stderr)
        else:
            shutil.rmtree(workdir, ignore_errors=True)


def post_json(
    origin: str, path: str, body: Any, token: str, timeout: float = 30
) -> tuple[int, Any]:
    """POST JSON with a bearer token; return the status and the decoded answer."""
    request = urllib.request.Request(
        origin + path,
        method="POST",
        data=json.dumps(body).encode(),
        headers={"Content-Type": "application/json", "Authorization": f"Bearer {token}"},
    )
    try:
        with urllib.request.urlopen(request, timeout=timeout) as response:
            return response.status, json.loads(response.read() or b"{}")
    except urllib.error.HTTPError as error:
        return error.code, json.loads(error.read() or b"{}")


def elapsed_ms(started: float) -> float:
    return (time.perf_counter() - started) * 1000
