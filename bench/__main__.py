"""Run every benchmark scenario on the real topology and print one table (`make bench`).

python -m bench [--only fanout,posting] [--quick] [--keep-logs]
"""

from __future__ import annotations

import argparse
import importlib
import importlib.util
import os
import shutil
import subprocess
import sys
import time
from dataclasses import replace
from datetime import UTC, datetime

from bench.common import BENCH_DIR, Options, Row, machine, table
from bench.topology import DATABASE_URL, REDIS_URL, topology

# In this order: each starts from emptied tables; the 100,000-alert feed comes late.
# Targets of issue 7 for scenarios whose rows do not name one: the digest run within 2x of its
# raw aggregates.
ISSUE_TARGETS = {"digests": 2.0}
SCENARIOS = ["queries", "contention", "posting", "fanout", "feed_read", "digests", "impact"]


def node_packages() -> None:
    """Install socket.io and socket.io-client into bench/node_modules (no lockfile)."""
    if (BENCH_DIR / "node_modules" / "socket.io-client").exists() and (
        BENCH_DIR / "node_modules" / "socket.io"
    ).exists():
        return
    if shutil.which("npm") is None:
        raise SystemExit("npm is needed for the Node.js baseline and load generator")
    subprocess.run(
        ["npm", "install", "--no-audit", "--no-fund", "--no-package-lock", "--loglevel=error"],
        cwd=BENCH_DIR,
        check=True,
    )


def available(names: list[str]) -> list[str]:
    """Keep the scenarios whose module exists (digests is written separately)."""
    return [name for name in names if importlib.util.find_spec(f"bench.{name}") is not None]


def run_scenarios(
    names: list[str], options: Options | None = None, keep_logs: bool = False
) -> None:
    options = options or Options()
    node_packages()
    started = time.monotonic()
    print(f"Upstander Network benchmarks, {datetime.now(UTC):%Y-%m-%d %H:%M} UTC")
    print(f"database {DATABASE_URL}, redis {REDIS_URL}")
    for line in machine():
        print(line)
    rows: list[Row] = []
    with topology(
        web_processes=options.web_processes, web_server=options.web_server, keep_logs=keep_logs
    ) as running:
        for line in running.server_versions():
            print(line)
        server = (
            "gunicorn web processes (gevent WebSocket worker, gunicorn.conf.py)"
            if options.web_server == "gevent"
            else "`upstander serve` web processes (Socket.IO on threads)"
        )
        worker = next(process for process in running.processes if process.name == "worker")
        niceness = os.getpriority(os.PRIO_PROCESS, worker.popen.pid)
        print(
            f"topology: {len(running.web)} {server}, 1 Celery worker (prefork, niceness"
            f" {niceness}), 1 beat"
        )
        print(f"load average at the start: {os.getloadavg()[0]:.1f} (1 min)")
        for name in names:
            began = time.monotonic()
            print(f"\n== {name}", flush=True)
            module = importlib.import_module(f"bench.{name}")
            waited = running.wait_for_quiet()
            if waited >= 1:
                print(f"  (waited {waited:.0f} s for the worker to finish the last jobs)")
            # One round of digests keeps `make bench` near ten minutes (a round of 10,000 is
            # minutes on its own); `python -m bench.digests` runs three.
            found = module.run(
                running, replace(options, quick=True) if name == "digests" else options
            )
            for row in found:
                if row.target is None and name in ISSUE_TARGETS:
                    row.target = ISSUE_TARGETS[name]
            for row in found:
                print(
                    f"  {row.measure}: {row.figure:.2f} {row.unit} vs {row.baseline_name} "
                    f"{row.baseline if row.baseline is not None else float('nan'):.2f}",
                    flush=True,
                )
            rows.extend(found)
            print(f"  ({time.monotonic() - began:.0f} s)")
    print(f"\nload average at the end: {os.getloadavg()[0]:.1f} (1 min)")
    print(table(rows))
    print(f"\nratio = Upstander / baseline; whole run {time.monotonic() - started:.0f} s")


def main() -> None:
    parser = argparse.ArgumentParser(prog="python -m bench", description=__doc__)
    parser.add_argument("--only", help=f"comma-separated scenarios of {', '.join(SCENARIOS)}")
    parser.add_argument("--quick", action="store_true", help="small sizes, to try the harness")
    parser.add_argument("--keep-logs", action="store_true", help="keep the processes' logs")
    parser.add_argument(
        "--fanout-processes",
        type=int,
        default=1,
        help="Node.js client processes for fan-out (default 1)",
    )
    parser.add_argument("--digest-members", type=int, default=10_000)
    parser.add_argument(
        "--digest-sink",
        choices=["lean", "aiosmtpd"],
        default="lean",
        help="the SMTP server digests go to: a lean asyncio one (default) or aiosmtpd",
    )
    parser.add_argument(
        "--impact-alerts", type=int, help="alerts for the impact scenario (default 10,000)"
    )
    parser.add_argument(
        "--web-processes", type=int, default=2, help="gunicorn web processes (default 2)"
    )
    parser.add_argument(
        "--web-server",
        choices=["gevent", "threading"],
        default="gevent",
        help="gevent: gunicorn.conf.py (production); threading: `upstander serve`, to compare",
    )
    parser.add_argument("--fanout-sizes", help="comma-separated client counts (default 100,1000)")
    arguments = parser.parse_args()
    names = arguments.only.split(",") if arguments.only else SCENARIOS
    unknown = set(names) - set(SCENARIOS)
    if unknown:
        parser.error(f"unknown scenarios: {', '.join(sorted(unknown))}")
    options = Options(
        fanout_client_processes=arguments.fanout_processes,
        digest_members=arguments.digest_members,
        digest_sink=arguments.digest_sink,
        web_processes=arguments.web_processes,
        web_server=arguments.web_server,
    )
    if arguments.impact_alerts:
        options.extra["impact_alerts"] = str(arguments.impact_alerts)
    if arguments.fanout_sizes:
        options.fanout_sizes = tuple(int(size) for size in arguments.fanout_sizes.split(","))
    if arguments.quick:
        options.quick = True
        options.fanout_sizes = (100,)
        options.fanout_alerts = 10
        options.posting_seconds = 1.0
        options.feed_alerts = 5_000
        options.feed_requests = 100
    run_scenarios(available(names), options, keep_logs=arguments.keep_logs)


if __name__ == "__main__":
    sys.exit(main())
