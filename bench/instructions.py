"""Instructions per request of the hot paths, counted by valgrind: unmoved by the host's load.

The other scenarios time CPU, which on the shared 2-core hosts moves by a fifth to a third from
one run to the next, more for Python than for PostgreSQL or Node.js. This one runs
`bench.profile` (the app in one process, Flask test client, production settings, the benchmark
database and Redis) under valgrind's callgrind and counts the instructions this process executes
during each measurement's requests alone (after the same warm-up), next to the minimal Flask
endpoint's post, first page and claim refused at the cap, counted the same way. On one machine
and build a count changes only when the code or the data it runs on does (runs of the same code
and number of requests agree within 0.3%): a change of one per cent shows, which no timed run
here can tell. Other machines may differ a little (glibc and OpenSSL choose their code by the
processor's features): compare counts made on one machine.

Only this process is counted: PostgreSQL's and Redis's work are not, and neither is the wait for
them. In this process every post queues its own Celery job (under load a web process gathers the
posts of overlapping requests into one job: see network/jobs.py).

.venv/bin/python -m bench.instructions [--requests 100] [--only post,refused]

Needs valgrind (Debian's package); takes about half a minute a measurement.
PROFILE_CONFIG='{"RATELIMIT_ENABLED": false}' counts with a part switched off, as for bench.profile.
"""

from __future__ import annotations

import argparse
import os
import re
import shutil
import subprocess
import sys
from dataclasses import dataclass

from bench.common import ROOT


@dataclass(frozen=True)
class Measurement:
    key: str  # the name on the command line
    scenario: str  # bench.profile's --only
    name: str  # the measurement's name in bench.profile
    floor: str | None  # the key of the minimal endpoint's measurement to set it against


MEASUREMENTS = (
    Measurement("baseline", "baseline", "baseline post", None),
    Measurement("baseline-page", "baseline", "baseline first page", None),
    Measurement("baseline-refused", "baseline", "baseline refused claim", None),
    Measurement("post", "post", "post an alert", "baseline"),
    Measurement("feed", "feed", "first page of the feed", "baseline-page"),
    Measurement("refused", "refused", "refused claim (cap)", "baseline-refused"),
    Measurement("claim", "claim", "claim an action", None),
    Measurement("approve", "approve", "approve an alert", None),
)

COLLECTED = re.compile(r"Collected : (\d+)")


def count(measurement: Measurement, requests: int, alerts: int) -> float:
    """Run the measurement under callgrind; return the instructions of one request."""
    command = [
        "valgrind",
        "--tool=callgrind",
        "--instr-atstart=no",
        "--callgrind-out-file=/dev/null",
        sys.executable,
        "-m",
        "bench.profile",
        "--requests",
        str(requests),
        "--alerts",
        str(alerts),
        "--only",
        measurement.scenario,
        "--callgrind",
        measurement.name,
    ]
    # The same hashes in every run: a dict's layout, and so its lookups, do not vary.
    environment = {**os.environ, "PYTHONHASHSEED": "0"}
    done = subprocess.run(
        command, cwd=ROOT, env=environment, capture_output=True, text=True, check=False
    )
    found = COLLECTED.search(done.stderr)
    if done.returncode != 0 or found is None or "requests counted" not in done.stdout:
        raise SystemExit(f"{measurement.key} failed:\n{done.stdout[-2000:]}\n{done.stderr[-2000:]}")
    return int(found.group(1)) / requests


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--requests", type=int, default=100, help="at least 1")
    parser.add_argument("--alerts", type=int, default=1_000, help="alerts in the feed")
    parser.add_argument(
        "--only", default=",".join(m.key for m in MEASUREMENTS if m.key != "approve")
    )
    options = parser.parse_args()
    if options.requests < 1:
        parser.error("--requests must be at least 1")
    if shutil.which("valgrind") is None or shutil.which("callgrind_control") is None:
        raise SystemExit("valgrind is not installed (Debian: apt-get install valgrind)")
    wanted = set(options.only.split(","))
    unknown = wanted - {m.key for m in MEASUREMENTS}
    if unknown:
        raise SystemExit(f"unknown measurements: {', '.join(sorted(unknown))}")
    # A floor is counted whenever something is set against it.
    needed = wanted | {m.floor for m in MEASUREMENTS if m.key in wanted and m.floor}
    counted: dict[str, float] = {}
    print(f"instructions per request, {options.requests} requests each (callgrind)")
    for measurement in MEASUREMENTS:
        if measurement.key not in needed:
            continue
        counted[measurement.key] = count(measurement, options.requests, options.alerts)
        line = f"  {measurement.name:<24} {counted[measurement.key] / 1e6:7.3f} M"
        if measurement.floor in counted:
            floor = counted[measurement.floor]
            line += f"   {counted[measurement.key] / floor:5.2f} x the minimal endpoint's"
        print(line, flush=True)


if __name__ == "__main__":
    main()
