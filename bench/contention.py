"""Contention: 200 members claim a public voice at the same moment on 10 alerts that want three
each. Exactly the caps succeed; the figure is the time until all 200 have their answer.

Baseline, interleaved: the same claim as one raw SQL transaction per member through psycopg (lock
the alert row, count its live claims, insert the claim or give up), with as many connections as
the web processes may open (DATABASE_POOL_SIZE each). For the framework's floor, the same claims
through a minimal Flask endpoint (bench/baseline_app.py, the same gunicorn config and number of
processes): the token, then that raw transaction, with nothing else of the app around them.
"""

from __future__ import annotations

import http.client
import json
import queue
import statistics
import threading
import time
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from typing import Any
from urllib.parse import urlsplit

import psycopg

from bench.baseline_app import pool_size
from bench.common import Options, Row
from bench.topology import Member, Topology, cpu_seconds, post_json, psycopg_url
from network.jobs import GATHER_SECONDS

ALERTS = 10
GOAL = 3  # public voices each alert wants
ROUNDS = 5

CLAIM_SQL = {
    "lock": "SELECT id FROM alert WHERE id = %s AND status = 'open' FOR UPDATE",
    "mine": (
        "SELECT id FROM action WHERE alert_id = %s AND member_id = %s AND type = %s "
        "AND status IN ('claimed', 'done')"
    ),
    "taken": (
        "SELECT count(*) FROM action WHERE alert_id = %s "
        "AND type IN ('counter_speech', 'support_target_public') "
        "AND (status = 'done' OR (status = 'claimed' AND expires_at > now()))"
    ),
    "insert": (
        "INSERT INTO action (alert_id, member_id, type, status, anonymous, claimed_at, expires_at)"
        " VALUES (%s, %s, %s, 'claimed', false, %s, %s)"
    ),
    "touch": "UPDATE alert SET last_activity_at = %s WHERE id = %s",
}


def _open_alerts(
    topology: Topology, reporter: Member, tag: str, origin: str | None = None
) -> list[int]:
    """Post the alerts the claims go to (through `origin`, else the app's first process)."""
    ids = []
    for number in range(ALERTS):
        status, alert = post_json(
            origin or topology.web[0],
            "/api/v1/alerts",
            {
                "url": f"https://www.instagram.com/p/claims-{tag}-{number}/",
                "category": "hate",
                "severity": 2,
                "summary": "Dozens of comments mocking a girl for her religion.",
                "language": "nl",
                "responder_goal": GOAL,
            },
            reporter.token,
        )
        assert status == 201 and alert["status"] == "open", alert
        ids.append(alert["id"])
    return ids


def _quiet(topology: Topology) -> None:
    """Wait until the worker has done the jobs the alerts just posted queued (their personal
    asks: ~14 ms of worker CPU and a server backend's work each), as the bench waits between
    scenarios: a burst of claims then shares the cores with nothing but itself."""
    time.sleep(GATHER_SECONDS * 2)  # the web process sends the gathered asks job by then
    topology.wait_for_quiet()


def _all_at_once(count: int, claim: Callable[[int], bool]) -> tuple[float, int]:
    """Start `count` claims together; return the seconds until all answered and the successes."""
    start = threading.Barrier(count + 1)
    results: list[bool] = []
    lock = threading.Lock()

    def one(number: int) -> None:
        start.wait()
        succeeded = claim(number)
        with lock:
            results.append(succeeded)

    threads = [threading.Thread(target=one, args=(n,), daemon=True) for n in range(count)]
    for thread in threads:
        thread.start()
    start.wait()
    began = time.perf_counter()
    for thread in threads:
        thread.join()
    return time.perf_counter() - began, sum(results)


def _http_claims(origins: list[str], members: list[Member], alerts: list[int]) -> tuple[float, int]:
    # Connections are opened before the start, as browsers with an open page would have them.
    connections = []
    for number in range(len(members)):
        origin = urlsplit(origins[number % len(origins)])
        connection = http.client.HTTPConnection(origin.hostname, origin.port, timeout=60)
        connection.connect()
        connections.append(connection)

    def claim(number: int) -> bool:
        connection = connections[number]
        connection.request(
            "POST",
            f"/api/v1/alerts/{alerts[number % len(alerts)]}/actions",
            json.dumps({"type": "counter_speech"}),
            {
                "Content-Type": "application/json",
                "Authorization": f"Bearer {members[number].token}",
            },
        )
        response = connection.getresponse()
        answer = json.loads(response.read())
        if response.status not in (201, 409):
            raise RuntimeError(f"{response.status}: {answer}")
        return response.status == 201

    try:
        return _all_at_once(len(members), claim)
    finally:
        for connection in connections:
            connection.close()


def _raw_claims(topology: Topology, members: list[Member], alerts: list[int]) -> tuple[float, int]:
    pool: queue.Queue[psycopg.Connection[tuple[object, ...]]] = queue.Queue()
    for _ in range(len(topology.web) * pool_size(topology.environment)):
        pool.put(psycopg.connect(psycopg_url(topology.database_url)))

    def claim(number: int) -> bool:
        alert, member = alerts[number % len(alerts)], members[number].id
        connection = pool.get()
        try:
            with connection.transaction():
                if connection.execute(CLAIM_SQL["lock"], (alert,)).fetchone() is None:
                    return False
                mine = connection.execute(CLAIM_SQL["mine"], (alert, member, "counter_speech"))
                if mine.fetchone() is not None:
                    return False
                taken = connection.execute(CLAIM_SQL["taken"], (alert,)).fetchone()
                if taken is None or int(str(taken[0])) >= GOAL:
                    return False
                now = datetime.now(UTC)
                connection.execute(
                    CLAIM_SQL["insert"],
                    (alert, member, "counter_speech", now, now + timedelta(hours=2)),
                )
                connection.execute(CLAIM_SQL["touch"], (now, alert))
                return True
        finally:
            pool.put(connection)

    try:
        return _all_at_once(len(members), claim)
    finally:
        while not pool.empty():
            pool.get().close()


def run(topology: Topology, options: Options) -> list[Row]:
    topology.empty()
    [reporter] = topology.add_members(1, trust_level=1, prefix="claims-reporter")
    members = topology.add_members(options.claims, prefix="claimant")
    topology.analyze()
    if not topology.baseline_web:
        topology.start_baseline(len(topology.web))
    caps = ALERTS * GOAL
    # Each side answers the same claims: the app, the raw transactions, the minimal endpoint.
    sides = {
        "app": lambda alerts: _http_claims(topology.web, members, alerts),
        "raw": lambda alerts: _raw_claims(topology, members, alerts),
        "flask": lambda alerts: _http_claims(topology.baseline_web, members, alerts),
    }
    times: dict[str, list[float]] = {side: [] for side in sides}
    wins: dict[str, list[int]] = {side: [] for side in sides}
    # The web processes serving each HTTP side, whose CPU in a round is kept.
    serving = {"app": topology.web_processes, "flask": lambda: topology.baseline_processes}
    cpu: dict[str, list[float]] = {side: [] for side in serving}
    order = list(sides)
    # One burst each first, not measured: a web process's first burst fills its pool and its
    # Redis connections, and each side's first claims warm the server's caches for them.
    for side in order:
        alerts = _open_alerts(topology, reporter, f"{topology.run_id}-{side}-warm")
        _quiet(topology)
        sides[side](alerts)
    for round_ in range(ROUNDS):
        for side in order[round_ % len(order) :] + order[: round_ % len(order)]:
            alerts = _open_alerts(topology, reporter, f"{topology.run_id}-{side}-{round_}")
            _quiet(topology)
            processes = serving[side]() if side in serving else []
            cpu_before = cpu_seconds(processes)
            seconds, won = sides[side](alerts)
            if side in serving:
                cpu[side].append(cpu_seconds(processes) - cpu_before)
            times[side].append(seconds)
            wins[side].append(won)
    print(
        f"  successes per round: app {wins['app']}, raw {wins['raw']}, "
        f"minimal Flask {wins['flask']} (caps {caps})"
    )
    print(
        "  ms per round: "
        + ", ".join(
            f"{side} {[round(seconds * 1000) for seconds in times[side]]}" for side in order
        )
    )
    # Where the time goes: the web processes' CPU per claim (both processes, all 200 claims),
    # the app's and the minimal endpoint's.
    for side, label in (("app", "app"), ("flask", "minimal Flask")):
        per_claim = [seconds * 1000 / len(members) for seconds in cpu[side]]
        shown = ", ".join(f"{ms:.1f}" for ms in per_claim)
        print(f"  web-process CPU per claim, {label} (ms): {shown}")
    claims = f"{options.claims} concurrent claims, {ALERTS} alerts x {GOAL}"

    def answered(measure: str, side: str, against: str, baseline: str, **more: Any) -> Row:
        figure, base = (statistics.median(times[name]) * 1000 for name in (side, against))
        return Row("contention", f"{claims}: {measure}", figure, base, baseline, "ms", **more)

    raw_sql, every = "raw SQL claim transactions", "time until all answered"
    floor = "minimal Flask endpoint: token + the raw claim transaction"
    note = f"median of {ROUNDS}, after a warm-up"
    return [
        answered(every, "app", "raw", raw_sql, target=2.0, note=note),
        answered(every, "app", "flask", floor, note=note),
        answered("the minimal Flask endpoint's own time", "flask", "raw", raw_sql, note=note),
        Row(
            "contention",
            f"{claims}: successful claims (worst round)",
            float(max(wins["app"], key=lambda wins: abs(wins - caps))),
            float(caps),
            "sum of the caps",
            "",
            better="equal",
            target=1.0,
        ),
    ]
