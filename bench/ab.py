"""A/B of two revisions' web processes in one topology: is a change faster, on a noisy machine?

    .venv/bin/python -m bench.ab --rev main [--path posting] [--concurrency 8] [--rounds 8]
    .venv/bin/python -m bench.ab --rev HEAD~1 --path feed --rounds 6
    .venv/bin/python -m bench.ab --rev HEAD~1 --path claims --rounds 12
    .venv/bin/python -m bench.ab --rev HEAD~1 --path page --alerts 2000

Separate `make bench` runs of two revisions differ by more than most changes on the shared
machines (one scenario's rate moved by ±25% between runs minutes apart). Here both revisions run
side by side on the same PostgreSQL, Redis, Celery worker and beat (this checkout's), with two
web processes each: this checkout's (B) and those of `--rev` (A, checked out with `git worktree`
into a temporary folder, run by the same virtualenv). The two pairs are driven in alternating
segments of `--seconds`, the order swapped every round, so each sees the same machine; each
segment's rate and the serving processes' CPU (from /proc) are kept, and the medians compared.

Paths: `posting` (trusted members post alerts at `--concurrency`, as the posting scenario does;
the worker's asks follow for both), `claims` (a segment is one burst of 200 concurrent claims on
10 new alerts wanting three public voices each, as the contention scenario's; its rate is 200
over the time until all were answered, `--seconds` unused), `feed` (the feed's first page over
`--alerts` alerts, one request at a time, as the feed read scenario does) and `page` (the feed
page itself, `/feed/`, as a logged-in member's browser gets it, over `--alerts` alerts, one
request at a time). Both
revisions must have the same migrations: the schema is this checkout's.
"""

from __future__ import annotations

import argparse
import http.client
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path
from urllib.parse import urlsplit

from bench import contention, feed_read, posting
from bench.common import ROOT, percentile
from bench.topology import BIN, Member, Process, Topology, cpu_seconds, topology

CATALOGUES = "network/translations"


def worktree(revision: str) -> Path:
    """Check `revision` out into a temporary folder (its catalogues compiled); refuse when its
    migrations differ from this checkout's."""
    differs = subprocess.run(
        ["git", "diff", "--quiet", revision, "--", "migrations"], cwd=ROOT, check=False
    )
    if differs.returncode == 1:
        raise SystemExit(f"{revision} has other migrations than this checkout: no common schema")
    if differs.returncode != 0:
        raise SystemExit(f"git cannot compare with {revision}")
    folder = Path(tempfile.mkdtemp(prefix="upstander-ab-")) / "checkout"
    subprocess.run(
        ["git", "worktree", "add", "--detach", "--quiet", str(folder), revision],
        cwd=ROOT,
        check=True,
    )
    try:
        subprocess.run(
            [str(BIN / "pybabel"), "compile", "--use-fuzzy", "-D", "messages", "-d", CATALOGUES],
            cwd=folder,
            check=True,
            capture_output=True,
        )
    except subprocess.CalledProcessError:
        remove(folder)
        raise
    return folder


def remove(folder: Path) -> None:
    subprocess.run(["git", "worktree", "remove", "--force", str(folder)], cwd=ROOT, check=False)
    shutil.rmtree(folder.parent, ignore_errors=True)


def posting_segment(
    tokens: list[str], concurrency: int, seconds: float
) -> Callable[[list[str], str], tuple[float, int, list[float]]]:
    def segment(origins: list[str], tag: str) -> tuple[float, int, list[float]]:
        found = posting._drive(concurrency, seconds, posting._http_poster(origins, tokens, tag))
        if found.errors:
            raise SystemExit(f"{found.errors} posts failed at {origins}")
        return found.seconds, len(found.latencies), found.latencies

    return segment


def feed_segment(
    headers: dict[str, str], seconds: float, path: str = "/api/v1/alerts"
) -> Callable[[list[str], str], tuple[float, int, list[float]]]:
    def segment(origins: list[str], _tag: str) -> tuple[float, int, list[float]]:
        origin = urlsplit(origins[0])
        connection = http.client.HTTPConnection(origin.hostname, origin.port, timeout=30)
        latencies: list[float] = []
        began = time.perf_counter()
        while time.perf_counter() - began < seconds:
            started = time.perf_counter()
            connection.request("GET", path, headers=headers)
            response = connection.getresponse()
            body = response.read()
            latencies.append((time.perf_counter() - started) * 1000)
            if response.status != 200:
                raise SystemExit(f"{response.status} from {origins[0]}: {body[:200]!r}")
        connection.close()
        return time.perf_counter() - began, len(latencies), latencies

    return segment


def claims_segment(
    running: Topology, reporter: Member, members: list[Member]
) -> Callable[[list[str], str], tuple[float, int, list[float]]]:
    def segment(origins: list[str], tag: str) -> tuple[float, int, list[float]]:
        # Posted through the side's own process, so its CPU counts to the side it measures.
        alerts = contention._open_alerts(running, reporter, f"{running.run_id}-{tag}", origins[0])
        contention._quiet(running)  # the asks of those alerts done first, as in the scenario
        seconds, won = contention._http_claims(origins, members, alerts)
        if won != contention.ALERTS * contention.GOAL:
            raise SystemExit(f"{won} claims succeeded at {origins}, not the caps' sum")
        return seconds, len(members), [seconds * 1000]

    return segment


def session_cookie(running: Topology, member_id: int) -> dict[str, str]:
    """The Cookie header of a member logged in, signed as the web processes sign sessions (the
    same production settings and secret key as theirs)."""
    from network import create_app

    environment = running.environment
    app = create_app(
        {
            "ENVIRONMENT": "production",
            "SECRET_KEY": environment["SECRET_KEY"],
            "DATABASE_URL": running.database_url,
            "REDIS_URL": running.redis_url,
            "CELERY_EMBEDDED": False,
            "INSTANCE_PATH": environment["INSTANCE_PATH"],
            "SITE_URL": "http://localhost",
        }
    )
    signer = app.session_interface.get_signing_serializer(app)  # type: ignore[attr-defined]
    # Flask-Login's session: the member's id and session version ("id:version"), logged in now.
    value = signer.dumps({"_user_id": f"{member_id}:1", "_fresh": True})
    return {"Cookie": f"{app.config['SESSION_COOKIE_NAME']}={value}"}


def main() -> None:
    parser = argparse.ArgumentParser(
        prog="python -m bench.ab",
        description=__doc__,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    parser.add_argument("--rev", required=True, help="the revision to compare with (A)")
    parser.add_argument("--path", choices=["posting", "claims", "feed", "page"], default="posting")
    parser.add_argument("--concurrency", type=int, default=8)
    parser.add_argument("--rounds", type=int, default=8)
    parser.add_argument("--seconds", type=float, default=6.0)
    parser.add_argument("--alerts", type=int, default=100_000)
    arguments = parser.parse_args()
    source = worktree(arguments.rev)
    try:
        with topology() as running:
            rows = compare(running, source, arguments)
    finally:
        remove(source)
    for line in rows:
        print(line)


def compare(running: Topology, source: Path, arguments: argparse.Namespace) -> list[str]:
    running.empty()
    if arguments.path == "posting":
        posters = running.add_members(32, trust_level=1, prefix="poster")
        running.add_members(posting.ASK_MEMBERS, prefix="asked")
        tokens = [member.token for member in posters]
        segment = posting_segment(tokens, arguments.concurrency, arguments.seconds)
        unit, what = "posts/s", f"posting at concurrency {arguments.concurrency}"
    elif arguments.path == "claims":
        [reporter] = running.add_members(1, trust_level=1, prefix="claims-reporter")
        claimants = running.add_members(200, prefix="claimant")
        segment = claims_segment(running, reporter, claimants)
        unit, what = "claims/s", "200 concurrent claims, 10 alerts x 3"
    else:
        [reader] = running.add_members(1, prefix="reader")
        [reporter] = running.add_members(1, trust_level=1, prefix="feed-reporter")
        volunteers = [member.id for member in running.add_members(200, prefix="volunteer")]
        feed_read.seed(running, arguments.alerts, reporter.id, volunteers)
        if arguments.path == "feed":
            token = {"Authorization": f"Bearer {reader.token}"}
            segment = feed_segment(token, arguments.seconds)
            unit, what = "pages/s", f"the feed's first page, {arguments.alerts:,} alerts"
        else:
            cookie = session_cookie(running, reader.id)
            segment = feed_segment(cookie, arguments.seconds, "/feed/")
            unit, what = "pages/s", f"the feed page (/feed/), {arguments.alerts:,} alerts"
    running.analyze()
    mine = list(running.web)
    theirs = running.start_web(len(mine), source=source, name="rev")
    sides: dict[str, tuple[list[str], list[Process]]] = {
        "A": (theirs, [p for p in running.processes if p.name.startswith("rev")]),
        "B": (mine, running.web_processes()),
    }
    for name, (origins, _processes) in sides.items():
        segment(origins, f"warm-{name}")  # connections, caches, prepared statements
    rates: dict[str, list[float]] = {"A": [], "B": []}
    cpu: dict[str, list[float]] = {"A": [], "B": []}
    latencies: dict[str, list[float]] = {"A": [], "B": []}
    for number in range(arguments.rounds):
        order = ["A", "B"] if number % 2 == 0 else ["B", "A"]
        for name in order:
            origins, processes = sides[name]
            before = cpu_seconds(processes)
            seconds, done, found = segment(origins, f"{name}-{number}")
            rates[name].append(done / seconds)
            cpu[name].append((cpu_seconds(processes) - before) * 1000 / done)
            latencies[name] += found
        print(
            f"  round {number + 1}: A {rates['A'][-1]:,.0f} {unit} ({cpu['A'][-1]:.2f} ms CPU), "
            f"B {rates['B'][-1]:,.0f} {unit} ({cpu['B'][-1]:.2f} ms CPU)",
            flush=True,
        )
    lines = [
        f"A/B, {what}: A = {arguments.rev}, B = this checkout; {arguments.rounds} rounds of "
        f"{arguments.seconds:g} s each, medians"
    ]
    for label, values, higher in ((unit, rates, True), ("serving CPU, ms a request", cpu, False)):
        a, b = statistics.median(values["A"]), statistics.median(values["B"])
        won = sum(1 for x, y in zip(values["A"], values["B"], strict=True) if (y > x) == higher)
        lines.append(
            f"  {label}: A {a:,.2f}, B {b:,.2f}, B/A {b / a:.3f} "
            f"({'higher' if higher else 'lower'} is better; B better in {won} of "
            f"{arguments.rounds} rounds)"
        )
    for share in (0.5, 0.99):
        a, b = percentile(latencies["A"], share), percentile(latencies["B"], share)
        lines.append(f"  p{share * 100:.0f} ms: A {a:.2f}, B {b:.2f}, B/A {b / a:.3f}")
    return lines


if __name__ == "__main__":
    sys.exit(main())
