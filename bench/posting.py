"""Posting: alerts per second and latency at concurrency 1, 8 and 32, over HTTP to the web
processes, against raw single-row psycopg inserts of the same row at the same concurrency.

Posters are trusted members, so every alert goes live: the full path of a post (token, limiter,
canonical URL, duplicate check, insert, report, feed event, personal asks, commit, emit). The two
sides alternate in short segments so both see the same machine.
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
from bench.topology import Topology, psycopg_url

SUMMARY = "Dozens of comments mocking a girl for her religion."
SEGMENTS = 2  # each side runs this many segments per concurrency, alternating
ASK_MEMBERS = 2_000  # members to ask, so asks stay realistic while thousands of alerts arrive


@dataclass
class Tally:
    latencies: list[float] = field(default_factory=list)
    errors: int = 0
    seconds: float = 0.0

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
    topology: Topology, tokens: list[str], tag: str
) -> Callable[[int], Callable[[int], None]]:
    def make(number: int) -> Callable[[int], None]:
        origin = urlsplit(topology.web[number % len(topology.web)])
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
    tokens = [member.token for member in posters]
    rows: list[Row] = []
    for concurrency in options.posting_concurrency:
        app, raw = Tally(), Tally()
        for segment in range(SEGMENTS):
            tag = f"{topology.run_id}-c{concurrency}-s{segment}"
            for tally, make in (
                (app, _http_poster(topology, tokens, f"app-{tag}")),
                (raw, _raw_inserter(topology, posters[0].id, f"raw-{tag}")),
            ):
                found = _drive(concurrency, options.posting_seconds, make)
                tally.latencies += found.latencies
                tally.errors += found.errors
                tally.seconds += found.seconds
        print(
            f"  concurrency {concurrency}: app {app.rate:,.0f}/s ({app.errors} errors), "
            f"raw {raw.rate:,.0f}/s ({raw.errors} errors)"
        )
        label = f"concurrency {concurrency}"
        baseline = "psycopg single-row INSERT"
        rows += [
            Row("posting", f"{label}: alerts/s", app.rate, raw.rate, baseline, "/s", "higher", 0.5),
            Row(
                "posting",
                f"{label}: p50",
                percentile(app.latencies, 0.5),
                percentile(raw.latencies, 0.5),
                baseline,
                "ms",
            ),
            Row(
                "posting",
                f"{label}: p99",
                percentile(app.latencies, 0.99),
                percentile(raw.latencies, 0.99),
                baseline,
                "ms",
            ),
        ]
    return rows
