"""CPU per request of the hot paths, in this process, next to the posting baseline endpoint.

Runs the app in this process (Flask test client) on the benchmark's PostgreSQL and Redis, in
production mode with Redis for the rate limits, Socket.IO and Celery (no worker: queued jobs
wait), and measures the process CPU of each request; `--profile` adds cProfile's top functions.
The baselines are bench/baseline_app.py's post, first page and claim refused at the cap in the
same process, measured the same way.

.venv/bin/python -m bench.profile [--requests 300] [--profile post,feed,claim] [--top 40]

PROFILE_DUMP=DIR also writes each profile to DIR/<name>.pstats (for pstats' callers and
callees); PROFILE_CONFIG='{"RATELIMIT_ENABLED": false}' adds settings to the app's, to measure
what a part costs by switching it off. `--callgrind NAME`, for a run under valgrind's callgrind
(bench/instructions.py), counts instructions only while NAME's requests run, and times nothing.
"""

from __future__ import annotations

import argparse
import cProfile
import io
import json
import os
import pstats
import secrets
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import sqlalchemy as sa

from bench.common import ROOT
from bench.feed_read import seed
from bench.topology import (
    BIN,
    DATABASE_URL,
    REDIS_URL,
    Topology,
    app_environment,
    prepare,
    sqlalchemy_url,
)


def _topology() -> Topology:
    prepare(DATABASE_URL, REDIS_URL)
    workdir = Path(tempfile.mkdtemp(prefix="upstander-profile-"))
    environment = app_environment(workdir, DATABASE_URL, REDIS_URL)
    subprocess.run(
        [str(BIN / "upstander"), "db", "upgrade"],
        cwd=ROOT,
        env=environment,
        capture_output=True,
        check=True,
    )
    engine = sa.create_engine(sqlalchemy_url(DATABASE_URL), pool_size=2)
    return Topology(DATABASE_URL, REDIS_URL, workdir, environment, engine)


def _app(topology: Topology) -> Any:
    from network import create_app

    limit = "1000000 per hour"
    return create_app(
        {
            "ENVIRONMENT": "production",
            "SECRET_KEY": secrets.token_urlsafe(48),
            "DATABASE_URL": topology.database_url,
            "REDIS_URL": topology.redis_url,
            # As the web processes have them (these follow REDIS_URL only in the environment).
            "RATELIMIT_STORAGE_URI": topology.redis_url,
            "SOCKETIO_MESSAGE_QUEUE": topology.redis_url,
            "CELERY_EMBEDDED": False,
            "INSTANCE_PATH": str(topology.workdir / "instance"),
            "SOCKETIO_ASYNC_MODE": "threading",
            "SOCKETIO_CHANNEL": f"upstander-profile-{secrets.token_hex(4)}",
            "ALERT_LIMIT_NEW_MEMBER": limit,
            "ALERT_LIMIT_TRUSTED": limit,
            "CLAIM_LIMIT": limit,
            "FLAG_LIMIT": limit,
            "TRUST_PROMOTION_APPROVED_ALERTS": 1_000_000,
            "SITE_URL": "http://localhost",
            **json.loads(os.environ.get("PROFILE_CONFIG", "{}")),
        }
    )


# The measurement whose requests alone callgrind counts (--callgrind), else None.
CALLGRIND: str | None = None


def _callgrind(switch: str) -> None:
    """Switch callgrind's counting on or off in this process (run under valgrind)."""
    subprocess.run(
        ["callgrind_control", "-i", switch, str(os.getpid())], check=True, capture_output=True
    )
    # callgrind_control returns once callgrind has taken the command (through vgdb, which needs
    # to ptrace this process: where Yama's ptrace_scope is above 0 it cannot, and this waits).
    # The pause keeps the next request clear of the switch; nothing runs during it.
    time.sleep(1)


def _measure(
    name: str, request: Callable[[int], None], count: int, profile: bool, top: int
) -> float:
    for number in range(20):  # warm-up: statement caches, pools
        request(-1 - number)
    if CALLGRIND is not None:
        if name == CALLGRIND:
            _callgrind("on")
            for number in range(count):
                request(number)
            _callgrind("off")
            print(f"{name}: {count} requests counted", flush=True)
        return 0.0
    times, walls = [], []
    profiler = cProfile.Profile(time.process_time) if profile else None
    for number in range(count):
        if profiler:
            profiler.enable()
        started, began = time.process_time(), time.perf_counter()
        request(number)
        times.append(time.process_time() - started)
        walls.append(time.perf_counter() - began)
        if profiler:
            profiler.disable()
    median, mean = statistics.median(times) * 1000, statistics.mean(times) * 1000
    wall = statistics.median(walls) * 1000
    print(
        f"{name:<28} CPU per request: median {median:.2f} ms, mean {mean:.2f} ms"
        f" (wall time median {wall:.2f} ms)"
    )
    if profiler:
        if os.environ.get("PROFILE_DUMP"):
            profiler.dump_stats(f"{os.environ['PROFILE_DUMP']}/{name.replace(' ', '_')}.pstats")
        out = io.StringIO()
        pstats.Stats(profiler, stream=out).sort_stats("cumulative").print_stats(top)
        print(out.getvalue())
        out = io.StringIO()
        pstats.Stats(profiler, stream=out).sort_stats("tottime").print_stats(top)
        print(out.getvalue())
    return median


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--requests", type=int, default=300)
    parser.add_argument("--alerts", type=int, default=10_000)
    parser.add_argument(
        "--profile",
        default="",
        help="comma-separated: baseline,post,feed,page,approve,claim,refused,asks,gathered",
    )
    parser.add_argument("--top", type=int, default=40)
    parser.add_argument("--only", default="baseline,post,feed,claim")
    parser.add_argument("--callgrind", default=None, help=argparse.SUPPRESS)
    options = parser.parse_args()
    global CALLGRIND
    CALLGRIND = options.callgrind
    profiled = set(filter(None, options.profile.split(",")))
    wanted = set(options.only.split(","))

    topology = _topology()
    from network.extensions import activate

    app = _app(topology)
    activate(app)
    [trusted] = topology.add_members(1, trust_level=1, prefix="p-trusted")
    [reader] = topology.add_members(1, prefix="p-reader")
    volunteers = topology.add_members(200, prefix="p-volunteer")
    seed(topology, options.alerts, trusted.id, [member.id for member in volunteers])
    topology.analyze()
    client = app.test_client()
    tag = secrets.token_hex(4)

    def call(token: str, method: str, path: str, body: Any, status: int) -> Any:
        response = client.open(
            path, method=method, json=body, headers={"Authorization": f"Bearer {token}"}
        )
        if response.status_code != status:
            raise RuntimeError(f"{method} {path}: {response.status_code} {response.data[:300]!r}")
        return response

    def alert(number: int) -> dict[str, Any]:
        return {
            "url": f"https://www.instagram.com/p/profile-{tag}-{number}/",
            "category": "hate",
            "severity": 2,
            "summary": "Dozens of comments mocking a girl for her religion.",
            "language": "nl",
        }

    if "baseline" in wanted:
        os.environ["DATABASE_URL"] = topology.database_url
        from bench.baseline_app import create_app as baseline_app

        baseline = baseline_app().test_client()

        def base(number: int) -> None:
            response = baseline.post(
                "/api/v1/alerts",
                json={**alert(number), "url": f"https://www.instagram.com/p/base-{tag}-{number}/"},
                headers={"Authorization": f"Bearer {trusted.token}"},
            )
            assert response.status_code == 201, response.data

        _measure("baseline post", base, options.requests, "baseline" in profiled, options.top)

        def base_page(number: int) -> None:
            response = baseline.get(
                "/api/v1/alerts", headers={"Authorization": f"Bearer {reader.token}"}
            )
            assert response.status_code == 200, response.data

        _measure(
            "baseline first page", base_page, options.requests, "baseline" in profiled, options.top
        )

        # The contention scenario's common answer on the minimal endpoint: its public voices are
        # all taken (three), the claim is refused after the raw transaction's lock and counts.
        from bench.contention import GOAL

        taken = call(trusted.token, "POST", "/api/v1/alerts", alert(50_000), 201).get_json()["id"]
        for volunteer in volunteers[:GOAL]:
            path = f"/api/v1/alerts/{taken}/actions"
            call(volunteer.token, "POST", path, {"type": "counter_speech"}, 201)

        def base_refused(number: int) -> None:
            volunteer = volunteers[GOAL + number % (len(volunteers) - GOAL)]
            response = baseline.post(
                f"/api/v1/alerts/{taken}/actions",
                json={"type": "counter_speech"},
                headers={"Authorization": f"Bearer {volunteer.token}"},
            )
            assert response.status_code == 409, response.data

        _measure(
            "baseline refused claim",
            base_refused,
            options.requests,
            "baseline" in profiled,
            options.top,
        )
    if "post" in wanted:
        _measure(
            "post an alert",
            lambda n: call(trusted.token, "POST", "/api/v1/alerts", alert(n), 201),
            options.requests,
            "post" in profiled,
            options.top,
        )
    if "feed" in wanted:
        _measure(
            "first page of the feed",
            lambda n: call(reader.token, "GET", "/api/v1/alerts", None, 200),
            options.requests,
            "feed" in profiled,
            options.top,
        )
    if "page" in wanted:
        # The feed page as a logged-in member's browser gets it (session cookie, HTML).
        with client.session_transaction() as session:
            session["_user_id"] = f"{reader.id}:1"
            session["_fresh"] = True

        def page(number: int) -> None:
            response = client.get("/feed/")
            if response.status_code != 200:
                raise RuntimeError(f"GET /feed/: {response.status_code} {response.data[:300]!r}")

        _measure("the feed page", page, options.requests, "page" in profiled, options.top)
    if "approve" in wanted:
        # An organiser approves a new member's alert (the fan-out scenario's request).
        [newcomer] = topology.add_members(1, prefix="p-newcomer")
        [organiser] = topology.add_members(1, role="organiser", trust_level=1, prefix="p-org")
        waiting = iter(
            [
                call(newcomer.token, "POST", "/api/v1/alerts", alert(40_000 + n), 201).get_json()[
                    "id"
                ]
                for n in range(options.requests + 20)
            ]
        )

        def approve(number: int) -> None:
            path = f"/api/v1/alerts/{next(waiting)}/review"
            call(organiser.token, "POST", path, {"decision": "approve"}, 200)

        _measure("approve an alert", approve, options.requests, "approve" in profiled, options.top)
    if "claim" in wanted:
        alerts = [
            call(trusted.token, "POST", "/api/v1/alerts", alert(10_000 + n), 201).get_json()["id"]
            for n in range(options.requests + 20)
        ]
        claims = iter(alerts)

        def claim(number: int) -> None:
            volunteer = volunteers[number % len(volunteers)]
            call(
                volunteer.token,
                "POST",
                f"/api/v1/alerts/{next(claims)}/actions",
                {"type": "report_platform"},
                201,
            )

        _measure("claim an action", claim, options.requests, "claim" in profiled, options.top)
    if "refused" in wanted:
        # The contention scenario's common case: the cap is reached, the claim is refused (409).
        [full] = [
            call(trusted.token, "POST", "/api/v1/alerts", alert(20_000), 201).get_json()["id"]
        ]
        for volunteer in volunteers[:2]:  # severity 2 wants two platform reports
            call(
                volunteer.token,
                "POST",
                f"/api/v1/alerts/{full}/actions",
                {"type": "report_platform"},
                201,
            )

        def refused(number: int) -> None:
            volunteer = volunteers[2 + number % (len(volunteers) - 2)]
            call(
                volunteer.token,
                "POST",
                f"/api/v1/alerts/{full}/actions",
                {"type": "report_platform"},
                409,
            )

        _measure(
            "refused claim (cap)", refused, options.requests, "refused" in profiled, options.top
        )
    if wanted & {"asks", "gathered"}:
        # Every alert asks its full number of members: no weekly limit runs out during a run.
        with topology.engine.begin() as connection:
            connection.execute(sa.text("UPDATE member SET asks_per_week = 100000"))
    if "asks" in wanted:
        # The worker's share of a post: the asks job, one delivery per ask, the alert's push job.
        from network.coordination.models import Ask
        from network.extensions import db
        from network.tasks import coordination, reach

        posted = iter(
            [
                call(trusted.token, "POST", "/api/v1/alerts", alert(30_000 + n), 201).get_json()[
                    "id"
                ]
                for n in range(options.requests + 20)
            ]
        )

        def asks(number: int) -> None:
            alert_id = next(posted)
            with app.app_context():
                coordination.ask_members(alert_id)
                # Asks the asks job left to a delivery job each (all of them, before br-asks).
                undelivered = sa.select(Ask.id).where(
                    Ask.alert_id == alert_id, Ask.delivered_at.is_(None)
                )
                for ask_id in db.session.scalars(undelivered).all():
                    reach.deliver_ask(ask_id)
                if not hasattr(reach, "tell_alert_live"):  # its own job before br-asks
                    reach.alert_live(alert_id)
                db.session.remove()

        _measure("worker jobs of a post", asks, options.requests, "asks" in profiled, options.top)

    if "gathered" in wanted:
        # The same for alerts gathered ten to a job, as a web process under load sends them.
        from network.extensions import db
        from network.tasks import coordination

        batch = 10
        posted = iter(
            [
                call(trusted.token, "POST", "/api/v1/alerts", alert(60_000 + n), 201).get_json()[
                    "id"
                ]
                for n in range(options.requests + 20 * batch)
            ]
        )

        def gathered(number: int) -> None:
            with app.app_context():
                coordination.ask_members([next(posted) for _ in range(batch)])
                db.session.remove()

        per_job = _measure(
            f"worker job of {batch} posts",
            gathered,
            options.requests // batch,
            "gathered" in profiled,
            options.top,
        )
        print(f"{'  per post':<28} CPU: {per_job / batch:.2f} ms")
    sys.stdout.flush()


if __name__ == "__main__":
    main()
