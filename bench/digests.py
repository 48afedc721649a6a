"""Digests: build and send every due digest for N members on PostgreSQL through an SMTP sink.

    .venv/bin/python -m bench.digests --members 10000 [--rounds 3]

Seeds N members (three time zones, daily and weekly, English and Dutch, in teams of eight, some
in campaigns) and two weeks of history, then times what the dispatcher and its batch jobs do:
`services.due_batches()` and `services.send_batch()` for every batch, in this process, each
digest rendered (text + HTML) and sent over SMTP to an aiosmtpd sink in a process of its own.
The baseline, measured in the same run and interleaved with it: the raw SQL aggregates alone —
the network's aggregates once per period (as the dispatcher computes them for the period's
batches) and the team, campaign and member aggregates of every batch, executed directly with
psycopg. Each round starts from no digests; the figures are medians of the rounds.

The database is BENCH_DATABASE_URL (default postgresql://postgres@127.0.0.1:5432/test_bench,
created with createdb when missing); its schema is rebuilt. Also a scenario of `python -m bench`
(`run(topology, options)`), on the topology's database.
"""

from __future__ import annotations

import argparse
import multiprocessing
import os
import platform
import random
import socket
import statistics
import subprocess
import tempfile
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from importlib import metadata
from pathlib import Path
from typing import Any

import psycopg
import sqlalchemy as sa

# Issue 15: digests built and sent through the SMTP sink, one worker process.
TARGET_RATE = 600.0
DATABASE_URL = os.environ.get(
    "BENCH_DATABASE_URL", "postgresql://postgres@127.0.0.1:5432/test_bench"
)
ZONES = [("Europe/Amsterdam", 0.7), ("America/New_York", 0.2), ("Asia/Tokyo", 0.1)]
KINDS = [
    "counter_speech",
    "support_target_public",
    "support_target_private",
    "message_author",
    "enlist_help",
    "report_platform",
    "report_authority",
]
PUBLIC_VOICES = ("counter_speech", "support_target_public")


# --- the SMTP sink, in a process of its own so it does not share the benchmark's GIL ------------


def _sink(port: int, received: Any, ready: Any) -> None:
    from aiosmtpd.controller import Controller

    class Count:
        async def handle_EHLO(
            self, server: Any, session: Any, envelope: Any, hostname: str, responses: list[str]
        ) -> list[str]:
            # Offer PIPELINING as production mail servers (Postfix, Exim) do; aiosmtpd reads
            # pipelined commands in order but does not say so by itself.
            session.host_name = hostname
            return [responses[0], "250-PIPELINING", *responses[1:]]

        async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:
            with received.get_lock():
                received.value += 1
            return "250 2.0.0 Accepted"

    controller = Controller(Count(), hostname="127.0.0.1", port=port)
    controller.start()
    ready.set()
    while True:
        time.sleep(3600)


def _lean_sink(port: int, received: Any, ready: Any) -> None:
    """An SMTP server that accepts every message and keeps nothing, as cheaply as asyncio can.

    It answers what a mail server answers (a greeting, EHLO with PIPELINING, 250 to MAIL and
    RCPT, 354 to DATA, 250 once a message's final dot has come, 221 to QUIT, 500 to anything
    else), reading pipelined commands in order, and counts the messages it accepted."""
    import asyncio

    class Session(asyncio.Protocol):
        def connection_made(self, transport: Any) -> None:
            self.transport = transport
            self.buffer = b""
            self.in_data = False
            transport.write(b"220 sink ESMTP\r\n")

        def data_received(self, data: bytes) -> None:
            self.buffer += data
            replies = []
            while True:
                if self.in_data:
                    # The content ends at a line holding a single dot (dot-stuffed inside);
                    # the buffer starts with CRLF, so a first line counts as one too.
                    end = self.buffer.find(b"\r\n.\r\n")
                    if end < 0:
                        break
                    self.buffer = self.buffer[end + 5 :]
                    self.in_data = False
                    with received.get_lock():
                        received.value += 1
                    replies.append(b"250 2.0.0 Accepted\r\n")
                    continue
                line, found, rest = self.buffer.partition(b"\r\n")
                if not found:
                    break
                self.buffer = rest
                verb = line[:4].upper()
                if verb == b"EHLO":
                    replies.append(
                        b"250-sink\r\n250-PIPELINING\r\n250-8BITMIME\r\n250 SMTPUTF8\r\n"
                    )
                elif verb in (b"HELO", b"MAIL", b"RCPT", b"RSET", b"NOOP"):
                    replies.append(b"250 OK\r\n")
                elif verb == b"DATA":
                    self.in_data = True
                    self.buffer = b"\r\n" + self.buffer
                    replies.append(b"354 End data with <CR><LF>.<CR><LF>\r\n")
                elif verb == b"QUIT":
                    replies.append(b"221 Bye\r\n")
                    self.transport.write(b"".join(replies))
                    self.transport.close()
                    return
                else:
                    replies.append(b"500 Unknown command\r\n")
            if replies:
                self.transport.write(b"".join(replies))

    async def serve() -> None:
        server = await asyncio.get_running_loop().create_server(Session, "127.0.0.1", port)
        ready.set()
        async with server:
            await server.serve_forever()

    asyncio.run(serve())


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port: int = probe.getsockname()[1]
        return port


SINKS = ("lean", "aiosmtpd")
SINK_NAMES = {"lean": "a lean asyncio SMTP server", "aiosmtpd": "aiosmtpd"}


@dataclass
class Sink:
    """A running SMTP sink: where it listens, what it counted, and its CPU so far."""

    kind: str
    port: int
    received: Any  # a shared counter of the messages accepted
    pid: int

    def cpu_seconds(self) -> float:
        fields = Path(f"/proc/{self.pid}/stat").read_text().rsplit(")", 1)[1].split()
        return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


@contextmanager
def smtp_sink(kind: str = "lean") -> Iterator[Sink]:
    """Start a sink in a process of its own: `lean` (an asyncio server of a few lines, ~0.1 ms
    of CPU a message here) or `aiosmtpd` (a complete SMTP server, ~1 ms a message here, taken
    from the same two cores as the worker and PostgreSQL)."""
    if kind not in SINKS:
        raise SystemExit(f"no SMTP sink {kind!r}: one of {', '.join(SINKS)}")
    context = multiprocessing.get_context("spawn")
    received, ready, port = context.Value("l", 0), context.Event(), free_port()
    target = _lean_sink if kind == "lean" else _sink
    process = context.Process(target=target, args=(port, received, ready), daemon=True)
    process.start()
    try:
        if not ready.wait(30):
            raise SystemExit("the SMTP sink did not start")
        assert process.pid is not None
        yield Sink(kind, port, received, process.pid)
    finally:
        process.kill()
        process.join(5)


# --- database, app and data -----------------------------------------------------------------


def ensure_database(url: str) -> None:
    """Create the database with createdb when it does not exist yet."""
    parts = sa.make_url(url)
    try:
        psycopg.connect(
            host=parts.host,
            port=parts.port,
            user=parts.username,
            password=parts.password,
            dbname=parts.database,
        ).close()
        return
    except psycopg.OperationalError as error:
        if "does not exist" not in str(error):
            raise SystemExit(f"PostgreSQL at {url} is not reachable: {error}") from None
    command = ["createdb", "-h", parts.host or "127.0.0.1", "-p", str(parts.port or 5432)]
    if parts.username:
        command += ["-U", parts.username]
    subprocess.run([*command, str(parts.database)], check=True)


def make_app(url: str, smtp_port: int, *, rebuild: bool) -> Any:
    """Build the app on the benchmark database; rebuild the schema with the migrations if asked."""
    from flask_migrate import upgrade

    from network import create_app
    from network.extensions import db

    instance = Path(tempfile.mkdtemp(prefix="bench-digests-"))
    app = create_app(
        {
            "DATABASE_URL": url,
            "SECRET_KEY": "bench-digests-secret-key-long-enough",
            "INSTANCE_PATH": str(instance),
            "REDIS_URL": None,
            "SOCKETIO_MESSAGE_QUEUE": None,
            "RATELIMIT_STORAGE_URI": "memory://",
            "SITE_URL": "https://upstander.example.org",
            "SMTP_HOST": "127.0.0.1",
            "SMTP_PORT": smtp_port,
        }
    )
    engine = db.engine_for(app)
    with engine.begin() as connection:
        if rebuild:
            connection.exec_driver_sql("DROP SCHEMA public CASCADE; CREATE SCHEMA public")
    if rebuild:
        with app.app_context():
            upgrade()
    return app


def seed(app: Any, members: int, rng: random.Random) -> None:
    """Insert members, teams, campaigns, alerts and two weeks of done actions, in batches."""
    from network.accounts.models import Member
    from network.alerts.models import Alert
    from network.campaigns.models import Campaign, CampaignMember
    from network.coordination.models import Action
    from network.extensions import db
    from network.teams.models import Team, TeamMembership

    now = datetime.now(UTC)
    joined = now - timedelta(days=60)
    engine = db.engine_for(app)
    with engine.begin() as connection:
        tables = ", ".join(
            t for t in sa.inspect(connection).get_table_names() if t != "alembic_version"
        )
        connection.exec_driver_sql(f"TRUNCATE {tables} RESTART IDENTITY CASCADE")
        zones = rng.choices([z for z, _ in ZONES], [w for _, w in ZONES], k=members)
        rows = [
            {
                "email": f"bench{n}@example.org",
                "password_hash": "!bench",
                "display_name": f"Bench {n}",
                "locale": "nl" if rng.random() < 0.6 else "en",
                "time_zone": zones[n],
                "digest_frequency": "daily" if rng.random() < 0.2 else "weekly",
                "pledge_accepted_at": joined,
                "created_at": joined,
                "email_verified_at": joined,  # only confirmed addresses get digests
                "platforms": [],
                "languages": [],
                "comfortable_actions": [],
            }
            for n in range(members)
        ]
        ids: list[int] = []
        for first in range(0, members, 1000):
            ids += connection.scalars(
                sa.insert(Member.__table__).returning(Member.__table__.c.id),
                rows[first : first + 1000],
            ).all()
        team_ids = connection.scalars(
            sa.insert(Team.__table__).returning(Team.__table__.c.id),
            [
                {"name": f"Team {n}", "invite_code": f"bench-{n}", "created_at": joined}
                for n in range(0, members, 8)
            ],
        ).all()
        connection.execute(
            sa.insert(TeamMembership.__table__),
            [
                {
                    "team_id": team_ids[n // 8],
                    "member_id": member_id,
                    "role": "member",
                    "joined_at": joined,
                }
                for n, member_id in enumerate(ids)
            ],
        )
        campaign_ids = connection.scalars(
            sa.insert(Campaign.__table__).returning(Campaign.__table__.c.id),
            [
                {
                    "title": f"Campaign {n}",
                    "hashtag": "",
                    "description": "",
                    "goal": 500,
                    "starts_at": now - timedelta(days=20),
                    "ends_at": now + timedelta(days=20),
                    "focus_categories": [],
                    "focus_platforms": [],
                    "recommended_actions": [],
                    "notify_by_email": False,
                    "status": "live",
                    "created_at": joined,
                }
                for n in range(2)
            ],
        ).all()
        connection.execute(
            sa.insert(CampaignMember.__table__),
            [
                {"campaign_id": rng.choice(campaign_ids), "member_id": m, "joined_at": joined}
                for m in ids
                if rng.random() < 0.3
            ],
        )
        alerts = []
        for n in range(max(10, members // 20)):
            created = now - timedelta(minutes=rng.randrange(14 * 24 * 60))
            resolved = rng.random() < 0.1
            alerts.append(
                {
                    "url": f"https://x.com/p/{n}",
                    "canonical_url": f"https://x.com/p/{n}",
                    "canonical_hash": f"{n:064d}",
                    "platform": "x",
                    "category": "hate",
                    "severity": rng.randint(1, 4),
                    "summary": "Bench alert.",
                    "language": "nl",
                    "target_requested_help": False,
                    "wanted_actions": [],
                    "responder_goal": 3,
                    "status": "resolved" if resolved else "open",
                    "outcome": rng.choice(["content_removed", "thread_calmed"])
                    if resolved
                    else None,
                    "resolved_at": created + timedelta(hours=6) if resolved else None,
                    "campaign_id": rng.choice(campaign_ids) if rng.random() < 0.3 else None,
                    "reporter_count": 1,
                    "created_at": created,
                    "last_activity_at": created,
                }
            )
        alert_rows = connection.execute(
            sa.insert(Alert.__table__).returning(
                Alert.__table__.c.id, Alert.__table__.c.created_at
            ),
            alerts,
        ).all()
        actions, taken = [], set()
        while len(actions) < members // 3:
            alert_id, created = rng.choice(alert_rows)
            key = (alert_id, rng.choice(ids), rng.choice(KINDS))
            done = created + timedelta(minutes=rng.randrange(1, 600))
            if key in taken or done > now:
                continue
            taken.add(key)
            actions.append(
                {
                    "alert_id": key[0],
                    "member_id": key[1],
                    "type": key[2],
                    "status": "done",
                    "anonymous": False,
                    "claimed_at": done - timedelta(minutes=20),
                    "expires_at": done + timedelta(hours=2),
                    "done_at": done,
                }
            )
        for first in range(0, len(actions), 1000):
            connection.execute(sa.insert(Action.__table__), actions[first : first + 1000])
    # Planner statistics, as autovacuum would gather them soon after a load like this.
    with engine.connect() as connection:
        connection.execution_options(isolation_level="AUTOCOMMIT").exec_driver_sql("ANALYZE")


# --- the baseline: the aggregate queries of a batch, executed directly ----------------------------

Statement = tuple[str, dict[str, Any]]


def aggregate_queries(app: Any, batches: list[Any]) -> list[list[Statement]]:
    """Record the SQL (and parameters) of the aggregates the dispatcher and each batch compute,
    as the service issues them: the network's numbers and last period's participation once per
    period (the dispatcher's, handed to the period's batches), teams, campaigns and members per
    batch."""
    from network.digests import numbers
    from network.digests.periods import from_key
    from network.extensions import db

    send_hour = int(app.config["DIGEST_SEND_HOUR"])
    recorded: list[list[Statement]] = []

    def record(_conn: Any, _cursor: Any, statement: str, parameters: Any, *_: Any) -> None:
        recorded[-1].append((statement, dict(parameters or {})))

    engine = db.engine_for(app)
    sa.event.listen(engine, "before_cursor_execute", record)
    try:
        with app.app_context():
            periods: set[tuple[str, str]] = set()
            for batch in batches:
                recorded.append([])
                period = from_key(batch.period_key, batch.time_zone, send_hour)
                if (batch.period_key, batch.time_zone) not in periods:
                    periods.add((batch.period_key, batch.time_zone))
                    previous = period.previous(send_hour)
                    numbers.network_numbers(period.start, period.end)
                    numbers.participation(previous.start, previous.end)
                numbers.member_context(batch.member_ids, period.start, period.end)
                db.session.rollback()
    finally:
        sa.event.remove(engine, "before_cursor_execute", record)
    return recorded


def baseline(url: str, queries: list[list[Statement]]) -> float:
    """Run the recorded aggregate queries of every batch with psycopg; return the seconds."""
    parts = sa.make_url(url)
    with psycopg.connect(
        host=parts.host,
        port=parts.port,
        user=parts.username,
        password=parts.password,
        dbname=parts.database,
    ) as connection:
        started = time.perf_counter()
        for batch in queries:
            for statement, parameters in batch:
                connection.execute(statement.encode(), parameters).fetchall()
        seconds = time.perf_counter() - started
        connection.rollback()
    return seconds


# --- the measured run ------------------------------------------------------------------------


@dataclass
class Result:
    members: int
    batches: int
    sent: list[int]
    seconds: list[float]
    baseline: list[float]
    fixed_statements: list[int]
    received: int
    aggregate_queries: int
    # CPU seconds of this (the worker's) process per round: steadier than the wall clock on a
    # machine whose cores other work shares.
    cpu: list[float] = field(default_factory=list)
    # The SMTP sink's CPU seconds per round, and which sink it was.
    sink_cpu: list[float] = field(default_factory=list)
    sink: str = "lean"

    @property
    def median(self) -> float:
        return statistics.median(self.seconds)

    @property
    def baseline_median(self) -> float:
        return statistics.median(self.baseline)


def send_round(app: Any, number: int) -> tuple[float, float, int, list[int]]:
    """Do what the dispatcher and its jobs do; return seconds, CPU seconds, digests sent and
    the statements of each batch."""
    from network.digests import services
    from network.extensions import db

    statements = [0]

    def count(*_: Any) -> None:
        statements[0] += 1

    engine = db.engine_for(app)
    sa.event.listen(engine, "before_cursor_execute", count)
    fixed, sent = [], 0
    try:
        with app.app_context():
            started, cpu_started = time.perf_counter(), time.process_time()
            for index, batch in enumerate(services.due_batches()):
                before = statements[0]
                result = services.send_batch(batch, f"bench-{number}-{index}")
                # The UPDATE marking each digest sent goes to the driver directly (a prepared
                # statement, marks.py) and is not counted here: this is the batch's fixed cost.
                fixed.append(statements[0] - before)
                sent += len(result.sent)
            seconds, cpu = time.perf_counter() - started, time.process_time() - cpu_started
    finally:
        sa.event.remove(engine, "before_cursor_execute", count)
    return seconds, cpu, sent, fixed


def measure(app: Any, url: str, members: int, rounds: int, sink: Sink) -> Result:
    from network.digests import services
    from network.extensions import db

    seed(app, members, random.Random(5))
    with app.app_context():
        batches = services.due_batches()
    queries = aggregate_queries(app, batches)
    result = Result(members, len(batches), [], [], [], [], 0, sum(map(len, queries)))
    result.sink = sink.kind
    baseline(url, queries)  # warm the caches for both alike
    for number in range(rounds):
        result.baseline.append(baseline(url, queries))
        sink.received.value = 0
        sink_started = sink.cpu_seconds()
        seconds, cpu, sent, fixed = send_round(app, number)
        result.sink_cpu.append(sink.cpu_seconds() - sink_started)
        result.cpu.append(cpu)
        result.seconds.append(seconds)
        result.sent.append(sent)
        result.fixed_statements += fixed
        result.received = sink.received.value
        with db.engine_for(app).begin() as connection:
            connection.exec_driver_sql("DELETE FROM digest")
        print(
            f"  round {number + 1}: {sent:,} digests in {seconds:.2f} s ({cpu:.2f} s CPU, the "
            f"SMTP sink {result.sink_cpu[-1]:.2f} s); aggregates alone {result.baseline[-1]:.3f} s",
            flush=True,
        )
    result.baseline.append(baseline(url, queries))
    return result


def machine(url: str) -> list[str]:
    memory = 0
    for line in Path("/proc/meminfo").read_text().splitlines():
        if line.startswith("MemTotal:"):
            memory = int(line.split()[1]) // 1024
    cpu = platform.machine()
    for line in Path("/proc/cpuinfo").read_text().splitlines():
        if line.startswith("model name"):
            cpu = line.split(":", 1)[1].strip()
            break
    parts = sa.make_url(url)
    with psycopg.connect(
        host=parts.host,
        port=parts.port,
        user=parts.username,
        password=parts.password,
        dbname=parts.database,
    ) as connection:
        server = connection.execute("SHOW server_version").fetchone()
    packages = ", ".join(
        f"{name} {metadata.version(name)}"
        for name in ("flask", "jinja2", "sqlalchemy", "psycopg", "celery", "aiosmtpd")
    )
    return [
        f"machine: {os.cpu_count()} cores ({cpu}), {memory:,} MiB memory, "
        f"{platform.system()} {platform.release()}",
        f"python {platform.python_version()}: {packages}",
        f"PostgreSQL {server[0] if server else '?'}",
    ]


def report(result: Result) -> list[str]:
    seconds, aggregates = result.median, result.baseline_median
    sent = statistics.median(result.sent)
    fixed = result.fixed_statements
    return [
        f"members: {result.members:,} ({result.batches} batches as the dispatcher makes them)",
        f"digests sent per round: {', '.join(f'{n:,}' for n in result.sent)} "
        f"(SMTP sink received {result.received:,} in the last round)",
        f"seconds (median of {len(result.seconds)}): {seconds:.2f} "
        f"(rounds: {', '.join(f'{s:.2f}' for s in result.seconds)})",
        f"digests/s: {sent / seconds:,.0f} (target ≥ {TARGET_RATE:,.0f}: "
        f"{'met' if sent / seconds >= TARGET_RATE else 'not met'})",
        f"queries per batch: {min(fixed)} to {max(fixed)} fixed (aggregates, claims, members, open "
        f"alerts, check-ins, verified addresses), whatever the batch size, + 1 UPDATE per digest "
        f"sent (a prepared statement in autocommit, on a connection of its own)",
        f"worker process CPU per digest (median of rounds): "
        f"{1000 * statistics.median(result.cpu) / max(sent, 1):.2f} ms",
        f"SMTP sink ({SINK_NAMES[result.sink]}, a process of its own on the same cores) CPU per "
        f"message: {1000 * statistics.median(result.sink_cpu) / max(sent, 1):.2f} ms",
        f"baseline, raw SQL aggregates alone (median of {len(result.baseline)}): "
        f"{aggregates:.3f} s "
        f"(the service's own {result.aggregate_queries:,} aggregate queries of all "
        f"{result.batches} batches — the network's once per period, the rest per batch — "
        f"recorded and replayed with psycopg)",
        f"ratio build+send / aggregates alone: {seconds / aggregates:.1f}",
    ]


def run(topology: Any, options: Any) -> list[Any]:
    """Scenario of `python -m bench`: the same measurement on the topology's database."""
    from bench.common import Row

    topology.empty()
    with smtp_sink(options.digest_sink) as sink:
        app = make_app(topology.database_url, sink.port, rebuild=False)
        result = measure(
            app, topology.database_url, options.digest_members, 1 if options.quick else 3, sink
        )
    for line in report(result):
        print(f"  {line}")
    return [
        Row(
            "digests",
            f"{result.members:,} digests built and sent",
            result.median,
            result.baseline_median,
            "raw SQL aggregates alone",
            "s",
            note=f"{statistics.median(result.sent) / result.median:,.0f} digests/s",
        ),
        Row(
            "digests",
            "digests/s built and sent through the SMTP sink",
            statistics.median(result.sent) / result.median,
            TARGET_RATE,
            "issue 15 target rate",
            "/s",
            better="higher",
            target=1.0,
        ),
    ]


def main() -> None:
    parser = argparse.ArgumentParser(
        prog="python -m bench.digests",
        description=__doc__,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    parser.add_argument("--members", type=int, default=10_000)
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument(
        "--sink",
        choices=SINKS,
        default="lean",
        help="the SMTP server the digests go to (default: lean, see SINK_NAMES)",
    )
    arguments = parser.parse_args()
    ensure_database(DATABASE_URL)
    print(f"Digests benchmark, {datetime.now(UTC):%Y-%m-%d %H:%M} UTC, database {DATABASE_URL}")
    for line in machine(DATABASE_URL):
        print(line)
    with smtp_sink(arguments.sink) as sink:
        app = make_app(DATABASE_URL, sink.port, rebuild=True)
        result = measure(app, DATABASE_URL, arguments.members, arguments.rounds, sink)
    for line in report(result):
        print(line)


if __name__ == "__main__":
    main()
