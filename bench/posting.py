"""Posting: alerts per second and latency at concurrency 1, 8 and 32, over HTTP to the web
processes, against two baselines at the same concurrency: issue 15's minimal Flask endpoint
(bench/baseline_app.py: token check, one INSERT through SQLAlchemy Core, JSON answer) served by
the same gunicorn config, and raw single-row psycopg inserts of the same row.

Posters are trusted members, so every alert goes live: the full path of a post (token, limiter,
canonical URL, duplicate check, insert, report, feed event, commit, emit; the personal asks follow
in a Celery job). The sides alternate in short segments so they see the same machine. The CPU
time of the web processes (gunicorn master and workers, from /proc/<pid>/stat) is read before and
after each HTTP segment and divided by the posts answered.
"""

from __future__ import annotations

import hashlib
import http.client
import json
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from urllib.parse import urlsplit

import psycopg

from bench.common import Options, Row, percentile
from bench.topology import Process, Topology, cpu_seconds, psycopg_url

SUMMARY = "Dozens of comments mocking a girl for her religion."
SEGMENTS = 2  # each side runs this many segments per concurrency, alternating
ASK_MEMBERS = 4_000  # members to ask: enough weekly asks (3 each) for every alert a run posts


@dataclass
class Tally:
    latencies: list[float] = field(default_factory=list)
    errors: int = 0
    seconds: float = 0.0
    cpu: float = 0.0  # CPU seconds of the serving processes

    @property
    def cpu_ms_per_post(self) -> float:
        return self.cpu * 1000 / len(self.latencies) if self.latencies else float("nan")

    @property
    def rate(self) -> float:
        return len(self.latencies) / self.seconds if self.seconds else 0.0


def _drive(concurrency: int, seconds: float, make: Callable[[int], Callable[[int], None]]) -> Tally:
    """Run `concurrency` threads calling their operation until the time is up."""
    tally = Tally()
    lock = threading.Lock()
    ready = threading.Barrier(concurrency + 1)
    stop_at = [0.0]

    def lane(number: int) -> None:
        operation = make(number)
        mine: list[float] = []
        errors = 0
        ready.wait()
        sequence = 0
        while True:
            started = time.perf_counter()
            if started >= stop_at[0]:
                break
            try:
                operation(sequence)
                mine.append((time.perf_counter() - started) * 1000)
            except Exception as error:  # counted; the first few are shown
                errors += 1
                if errors <= 2:
                    print(f"  error in lane {number}: {error!r}")
            sequence += 1
        with lock:
            tally.latencies.extend(mine)
            tally.errors += errors

    threads = [threading.Thread(target=lane, args=(n,), daemon=True) for n in range(concurrency)]
    for thread in threads:
        thread.start()
    began = time.perf_counter()
    stop_at[0] = began + seconds
    ready.wait()
    for thread in threads:
        thread.join()
    tally.seconds = time.perf_counter() - began
    return tally


def _http_poster(
    origins: list[str], tokens: list[str], tag: str
) -> Callable[[int], Callable[[int], None]]:
    def make(number: int) -> Callable[[int], None]:
        origin = urlsplit(origins[number % len(origins)])
        connection = http.client.HTTPConnection(origin.hostname, origin.port, timeout=30)
        headers = {
            "Content-Type": "application/json",
            "Authorization": f"Bearer {tokens[number % len(tokens)]}",
        }

        def post(sequence: int) -> None:
            body = json.dumps(
                {
                    "url": f"https://www.instagram.com/p/{tag}-{number}-{sequence}/",
                    "category": "hate",
                    "severity": 2,
                    "summary": SUMMARY,
                    "language": "nl",
                }
            )
            connection.request("POST", "/api/v1/alerts", body, headers)
            response = connection.getresponse()
            answer = response.read()
            if response.status != 201:
                raise RuntimeError(f"{response.status}: {answer[:200]!r}")

        return post

    return make


INSERT = """
INSERT INTO alert (url, canonical_url, canonical_hash, platform, category, severity, summary,
    language, target_requested_help, wanted_actions, responder_goal, status, reporter_id,
    reporter_count, created_at, last_activity_at)
VALUES (%s, %s, %s, 'instagram', 'hate', 2, %s, 'nl', false, '[]', 3, 'open', %s, 1, %s, %s)
"""


def _raw_inserter(
    topology: Topology, reporter: int, tag: str
) -> Callable[[int], Callable[[int], None]]:
    def make(number: int) -> Callable[[int], None]:
        connection = psycopg.connect(psycopg_url(topology.database_url), autocommit=True)

        def insert(sequence: int) -> None:
            url = f"https://www.instagram.com/p/{tag}-{number}-{sequence}/"
            now = datetime.now(UTC)
            connection.execute(
                INSERT,
                (url, url, hashlib.sha256(url.encode()).hexdigest(), SUMMARY, reporter, now, now),
            )

        return insert

    return make


def run(topology: Topology, options: Options) -> list[Row]:
    topology.empty()
    posters = topology.add_members(32, trust_level=1, prefix="poster")
    topology.add_members(ASK_MEMBERS, prefix="asked")
    topology.analyze()
    if not topology.baseline_web:
        topology.start_baseline(len(topology.web))
    tokens = [member.token for member in posters]
    rows: list[Row] = []
    # The worker's share of a post: the asks job, the asks' delivery, the alert's push. Read
    # from before the first post until the worker has done every job the posts queued.
    worker = [process for process in topology.processes if process.name == "worker"]
    worker_before, posted, web_cpu = cpu_seconds(worker), 0, 0.0
    for concurrency in options.posting_concurrency:
        app, flask, raw = Tally(), Tally(), Tally()
        for segment in range(SEGMENTS):
            tag = f"{topology.run_id}-c{concurrency}-s{segment}"
            sides: list[tuple[Tally, Callable[[int], Callable[[int], None]], list[Process]]] = [
                (app, _http_poster(topology.web, tokens, f"app-{tag}"), topology.web_processes()),
                (
                    flask,
                    _http_poster(topology.baseline_web, tokens, f"flask-{tag}"),
                    topology.baseline_processes,
                ),
                (raw, _raw_inserter(topology, posters[0].id, f"raw-{tag}"), []),
            ]
            for tally, make, serving in sides:
                cpu_before = cpu_seconds(serving)
                found = _drive(concurrency, options.posting_seconds, make)
                tally.cpu += cpu_seconds(serving) - cpu_before
                tally.latencies += found.latencies
                tally.errors += found.errors
                tally.seconds += found.seconds
        posted += len(app.latencies)
        web_cpu += app.cpu
        print(
            f"  concurrency {concurrency}: app {app.rate:,.0f}/s ({app.errors} errors, "
            f"{app.cpu_ms_per_post:.1f} ms CPU a post), minimal Flask {flask.rate:,.0f}/s "
            f"({flask.errors} errors, {flask.cpu_ms_per_post:.1f} ms CPU), "
            f"raw {raw.rate:,.0f}/s ({raw.errors} errors)"
        )
        label = f"concurrency {concurrency}"
        minimal = "minimal Flask + Core INSERT endpoint"
        baseline = "psycopg single-row INSERT"
        # Issue 15's targets are for concurrency 8 and 32; concurrency 1 is shown for reference.
        target = None if concurrency == 1 else 0.4
        throughput = Row("posting", f"{label}: alerts/s", app.rate, flask.rate, minimal, "/s")
        throughput.better, throughput.target = "higher", target
        rows += [
            throughput,
            Row("posting", f"{label}: alerts/s", app.rate, raw.rate, baseline, "/s", "higher"),
            Row(
                "posting",
                f"{label}: web-process CPU per post",
                app.cpu_ms_per_post,
                flask.cpu_ms_per_post,
                minimal,
                "ms",
                target=None if concurrency == 1 else 4.0,
                absolute=True,
            ),
            Row(
                "posting",
                f"{label}: p50",
                percentile(app.latencies, 0.5),
                percentile(flask.latencies, 0.5),
                minimal,
                "ms",
            ),
            Row(
                "posting",
                f"{label}: p99",
                percentile(app.latencies, 0.99),
                percentile(flask.latencies, 0.99),
                minimal,
                "ms",
            ),
        ]
    drained = topology.wait_for_quiet()
    worker_ms = (cpu_seconds(worker) - worker_before) * 1000 / posted if posted else float("nan")
    print(f"  the worker had done the posts' jobs {drained:.1f} s after the last post")
    rows.append(
        Row(
            "posting",
            f"worker CPU per post (asks, their delivery, the alert's push; done {drained:.0f} s "
            "after the last post)",
            worker_ms,
            web_cpu * 1000 / posted if posted else float("nan"),
            "web-process CPU per post",
            "ms",
        )
    )
    return rows
