"""How a commit's feed events and its COMMIT are sent: the client's and the server's CPU a commit.

    .venv/bin/python -m bench.event_commit [--rounds 6] [--commits 1000]

A commit that publishes feed events ends with the statement that takes the events' lock and
inserts them (network/realtime/log.py), then COMMIT, which releases the lock. Measured here on
the benchmark's PostgreSQL (BENCH_DATABASE_URL), under gevent as the web processes run, one
event a commit, in a scratch table: each way's CPU a commit in this process and in its server
backend (from /proc, 10 ms ticks), next to the way before issue 15's fourteenth session (two
round trips: the insert, then COMMIT) measured in the same run, rounds alternating.

- `two round trips`: the insert as a prepared statement, then COMMIT (the way before).
- `pipeline`: both in psycopg's pipeline mode (one Sync; psycopg waits for the socket to be
  writable before each message).
- `one message`: `INSERT …; COMMIT` as PostgreSQL's simple query, the values quoted by psycopg's
  ClientCursor (today's way).
- `EXECUTE …; COMMIT`: the same with the insert prepared once per connection by SQL PREPARE.

Each commit starts its transaction with a `SELECT 1`, as a use case's first statement would;
`begin and commit alone` is that and COMMIT with no events, for scale.
"""

from gevent import monkey

monkey.patch_all()

import argparse  # noqa: E402
import os  # noqa: E402
import statistics  # noqa: E402
import time  # noqa: E402
from collections.abc import Callable  # noqa: E402
from datetime import UTC, datetime  # noqa: E402
from typing import Any  # noqa: E402

import orjson  # noqa: E402
import psycopg  # noqa: E402

from bench.common import Row, table  # noqa: E402
from bench.topology import DATABASE_URL, ensure_database, psycopg_url  # noqa: E402

TABLE = "bench_event_commit"
LOCK = 7310999  # not the app's lock: a run beside the app never waits on it
INSERT = (
    f"WITH ordered AS (SELECT pg_advisory_xact_lock({LOCK})) "
    f"INSERT INTO {TABLE} (created_at, event, rooms, payload) "
    "SELECT CAST(%s AS timestamptz), v.event, v.rooms, v.payload "
    "FROM ordered, (VALUES (0, %s, CAST(%s AS JSON), CAST(%s AS JSON))) "
    "AS v(n, event, rooms, payload) ORDER BY v.n RETURNING id"
)
PAYLOAD = orjson.dumps(
    {"alert": {"id": 1, "summary": "Dozens of comments mocking a girl for her religion." * 4}}
).decode()


def _parameters() -> list[Any]:
    return [datetime.now(UTC), "alert.created", '["feed"]', PAYLOAD]


def ways(connection: psycopg.Connection[Any]) -> dict[str, Callable[[], None]]:
    prepared = INSERT
    for number in range(1, 5):
        prepared = prepared.replace("%s", f"${number}", 1)
    connection.execute(f"PREPARE bench_event_insert AS {prepared}")
    connection.commit()

    def begin_and_commit() -> None:
        connection.execute("SELECT 1")
        connection.commit()

    def two_round_trips() -> None:
        connection.execute("SELECT 1")
        cursor = connection.cursor()
        cursor.execute(INSERT, _parameters(), prepare=True)
        cursor.fetchall()
        connection.commit()

    def pipeline() -> None:
        connection.execute("SELECT 1")
        with connection.pipeline():
            cursor = connection.cursor()
            cursor.execute(INSERT, _parameters(), prepare=True)
            connection.cursor().execute("COMMIT")
        cursor.fetchall()

    def one_message() -> None:
        connection.execute("SELECT 1")
        cursor = psycopg.ClientCursor(connection)
        cursor.execute(INSERT + "; COMMIT", _parameters())
        cursor.fetchall()

    def execute_prepared() -> None:
        connection.execute("SELECT 1")
        cursor = psycopg.ClientCursor(connection)
        cursor.execute("EXECUTE bench_event_insert(%s, %s, %s, %s); COMMIT", _parameters())
        cursor.fetchall()

    return {
        "begin and commit alone": begin_and_commit,
        "two round trips": two_round_trips,
        "pipeline": pipeline,
        "one message": one_message,
        "EXECUTE …; COMMIT": execute_prepared,
    }


def _backend_cpu(pid: int) -> float:
    fields = open(f"/proc/{pid}/stat").read().rsplit(")", 1)[1].split()  # noqa: SIM115
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def main() -> None:
    parser = argparse.ArgumentParser(
        prog="python -m bench.event_commit",
        description=__doc__,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    parser.add_argument("--rounds", type=int, default=6)
    parser.add_argument("--commits", type=int, default=1000)
    arguments = parser.parse_args()
    ensure_database(DATABASE_URL)
    with psycopg.connect(psycopg_url(DATABASE_URL)) as connection:
        connection.execute(f"DROP TABLE IF EXISTS {TABLE}")
        connection.execute(
            f"CREATE TABLE {TABLE} (id bigserial PRIMARY KEY, created_at timestamptz, "
            "event varchar(40), rooms json, payload json)"
        )
        connection.commit()
        backend = connection.execute("SELECT pg_backend_pid()").fetchone()
        connection.commit()
        assert backend is not None
        measured = ways(connection)
        client: dict[str, list[float]] = {name: [] for name in measured}
        server: dict[str, list[float]] = {name: [] for name in measured}
        try:
            for round_number in range(arguments.rounds):
                order = list(measured.items())
                if round_number % 2:
                    order.reverse()
                for name, way in order:
                    for _ in range(50):
                        way()
                    began, began_server = time.process_time(), _backend_cpu(backend[0])
                    for _ in range(arguments.commits):
                        way()
                    client[name].append((time.process_time() - began) / arguments.commits)
                    server[name].append(
                        (_backend_cpu(backend[0]) - began_server) / arguments.commits
                    )
        finally:
            connection.rollback()
            connection.execute(f"DROP TABLE IF EXISTS {TABLE}")
            connection.commit()
    before = "two round trips"
    rows: list[Row] = []
    for name in measured:
        for side, figures in (("this process", client), ("its server backend", server)):
            rows.append(
                Row(
                    scenario="event commit",
                    measure=f"{name}: CPU a commit in {side} (median of {arguments.rounds})",
                    figure=statistics.median(figures[name]) * 1e6,
                    baseline=statistics.median(figures[before]) * 1e6,
                    baseline_name=f"{before}, same run",
                    unit="µs",
                )
            )
    print(table(rows))


if __name__ == "__main__":
    main()
