"""Impact figures: GET /api/v1/impact (the page's own queries) against its raw aggregate SQL.

Seeds `--impact-alerts` alerts (default 10,000) with ten actions each, check-ins for most done
actions and one personal ask each, all in the last 80 days; then times the organiser's request for
the last 90 days over HTTP, interleaved in blocks with the same aggregates sent as raw SQL through
psycopg (network/impact/queries.py's eight statements, written out by hand): first a period the
snapshot job does not keep (computed when asked), then, after one run of the job, the kept last 90
days. The issue's target: the request within 2x of its raw SQL (100,000 alerts and 1,000,000
actions: `--impact-alerts 100000`).
"""

from __future__ import annotations

import hashlib
import http.client
import json
import random
import secrets
import time
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from urllib.parse import urlsplit
from zoneinfo import ZoneInfo

import psycopg

from bench.common import Options, Row, percentile
from bench.topology import Topology, psycopg_url

BLOCK = 5
ACTIONS_PER_ALERT = 10
TYPES = [
    "counter_speech",
    "support_target_public",
    "support_target_private",
    "message_author",
    "enlist_help",
    "report_platform",
    "report_authority",
]
OUTCOMES = [
    "content_removed",
    "author_calmed",
    "target_positive",
    "others_joined",
    "retaliation",
    "nothing_visible",
    "dont_know",
]
COHORT = "alert.created_at >= %(start)s AND alert.created_at < %(end)s"
RAW = [
    f"""SELECT count(alert.id), sum(CASE WHEN alert.live_at IS NOT NULL THEN 1 ELSE 0 END),
       sum(CASE WHEN alert.status = 'rejected' THEN 1 ELSE 0 END),
       sum(CASE WHEN alert.status = 'expired' THEN 1 ELSE 0 END),
       sum(CASE WHEN alert.live_at IS NOT NULL AND coalesce(d.done, 0) >= alert.responder_goal
           THEN 1 ELSE 0 END)
FROM alert LEFT OUTER JOIN (SELECT alert_id, count(*) AS done FROM action
  WHERE status = 'done' GROUP BY alert_id) AS d ON d.alert_id = alert.id
WHERE {COHORT}""",
    f"""SELECT count(*),
  percentile_cont(0.5) WITHIN GROUP (ORDER BY extract(epoch FROM first_claim_at - live_at) / 60),
  percentile_cont(0.9) WITHIN GROUP (ORDER BY extract(epoch FROM first_claim_at - live_at) / 60)
FROM alert WHERE {COHORT} AND live_at IS NOT NULL AND first_claim_at IS NOT NULL""",
    f"""SELECT action.type, action.status, count(*)
FROM action JOIN alert ON alert.id = action.alert_id
WHERE {COHORT} GROUP BY action.type, action.status""",
    f"""SELECT ask.answer, count(*) FROM ask JOIN alert ON alert.id = ask.alert_id
WHERE {COHORT} GROUP BY ask.answer""",
    f"""SELECT alert.category, alert.outcome, count(*) FROM alert
WHERE {COHORT} AND alert.outcome IS NOT NULL GROUP BY alert.category, alert.outcome""",
    f"""SELECT action.type, alert.category, action.template_tone, check_in.outcome, count(*)
FROM check_in JOIN action ON action.id = check_in.action_id JOIN alert ON alert.id = action.alert_id
WHERE {COHORT} AND action.status = 'done' AND check_in.outcome IS NOT NULL
GROUP BY action.type, alert.category, action.template_tone, check_in.outcome""",
    f"""SELECT (SELECT count(DISTINCT action.member_id)
  FROM action JOIN alert ON alert.id = action.alert_id
  WHERE {COHORT} AND action.member_id IS NOT NULL
    AND action.claimed_at >= %(start)s AND action.claimed_at < %(end)s),
  (SELECT count(member.id) FROM member
   WHERE member.created_at >= %(start)s AND member.created_at < %(end)s)""",
    """SELECT campaign.id, campaign.title, campaign.goal, count(action.id) FROM campaign
LEFT OUTER JOIN alert ON alert.campaign_id = campaign.id
LEFT OUTER JOIN action ON action.alert_id = alert.id AND action.status = 'done'
WHERE campaign.launched_at IS NOT NULL AND campaign.starts_at < %(end)s
  AND campaign.ends_at > %(start)s
GROUP BY campaign.id, campaign.title, campaign.goal ORDER BY campaign.starts_at DESC, campaign.id
LIMIT 50""",
]


def seed(topology: Topology, alerts: int, volunteers: list[int]) -> None:
    """COPY the alerts, their actions, check-ins and asks."""
    rng = random.Random(14)
    now = datetime.now(UTC)
    batch = secrets.token_hex(4)
    with psycopg.connect(psycopg_url(topology.database_url)) as connection:
        with connection.cursor().copy(
            "COPY alert (url, canonical_url, canonical_hash, platform, category, severity, "
            "summary, language, target_requested_help, wanted_actions, responder_goal, status, "
            "reporter_count, created_at, last_activity_at, live_at, first_claim_at, outcome) "
            "FROM STDIN"
        ) as copy:
            for number in range(alerts):
                url = f"https://www.tiktok.com/@impact-{batch}/video/{number}"
                created = now - timedelta(seconds=rng.uniform(3600, 80 * 24 * 3600))
                status = rng.choice(["resolved"] * 6 + ["expired"] * 2 + ["rejected"])
                live = created + timedelta(minutes=5) if status != "rejected" else None
                copy.write_row(
                    (
                        url,
                        url,
                        hashlib.sha256(url.encode()).hexdigest(),
                        rng.choice(["tiktok", "instagram", "x"]),
                        rng.choice(["hate", "shaming", "threat", "exclusion"]),
                        rng.randint(1, 4),
                        "A bench thread.",
                        "nl",
                        False,
                        "[]",
                        3,
                        status,
                        1,
                        created,
                        created,
                        live,
                        live + timedelta(minutes=rng.expovariate(1 / 30)) if live else None,
                        rng.choice(["content_removed", "thread_calmed", "no_change"])
                        if status == "resolved"
                        else None,
                    )
                )
        rows = connection.execute("SELECT id, created_at FROM alert").fetchall()
        with connection.cursor().copy(
            "COPY action (alert_id, member_id, type, status, anonymous, claimed_at, expires_at, "
            "done_at, template_tone) FROM STDIN"
        ) as copy:
            for alert_id, created in rows:
                helpers = rng.sample(volunteers, ACTIONS_PER_ALERT)
                for index, member in enumerate(helpers):
                    kind = TYPES[2 + index % 5] if index else TYPES[index % 2]
                    status = rng.choice(["done"] * 6 + ["expired", "released"])
                    claimed = created + timedelta(minutes=10 + index)
                    copy.write_row(
                        (
                            alert_id,
                            member,
                            kind,
                            status,
                            False,
                            claimed,
                            claimed + timedelta(hours=2),
                            claimed + timedelta(minutes=30) if status == "done" else None,
                            rng.choice(["empathy", "opinion", None]),
                        )
                    )
        done = connection.execute(
            "SELECT id, member_id, done_at FROM action WHERE status = 'done'"
        ).fetchall()
        with connection.cursor().copy(
            "COPY check_in (action_id, member_id, due_at, asked_at, answered_at, outcome, "
            "created_at) FROM STDIN"
        ) as copy:
            for action_id, member, done_at in done:
                if rng.random() < 0.8:
                    answered = rng.random() < 0.6
                    copy.write_row(
                        (
                            action_id,
                            member,
                            done_at + timedelta(days=1),
                            done_at + timedelta(days=1),
                            done_at + timedelta(days=1, hours=1) if answered else None,
                            rng.choice(OUTCOMES) if answered else None,
                            done_at,
                        )
                    )
        with connection.cursor().copy(
            "COPY ask (alert_id, member_id, asked_at, expires_at, answer) FROM STDIN"
        ) as copy:
            for alert_id, created in rows:
                copy.write_row(
                    (
                        alert_id,
                        rng.choice(volunteers),
                        created,
                        created + timedelta(hours=3),
                        rng.choice(["accepted", "declined", "pending", "expired"]),
                    )
                )


def run(topology: Topology, options: Options) -> list[Row]:
    alerts = int(options.extra.get("impact_alerts", 1_000 if options.quick else 10_000))
    topology.empty()
    [organiser] = topology.add_members(1, role="organiser", prefix="impact-organiser")
    volunteers = [member.id for member in topology.add_members(200, prefix="impact-volunteer")]
    began = time.perf_counter()
    seed(topology, alerts, volunteers)
    topology.analyze()
    print(
        f"  seeded {alerts:,} alerts, {alerts * ACTIONS_PER_ALERT:,} actions "
        f"in {time.perf_counter() - began:.1f} s"
    )

    origin = urlsplit(topology.web[0])
    web = http.client.HTTPConnection(origin.hostname, origin.port, timeout=120)
    headers = {"Authorization": f"Bearer {organiser.token}"}
    raw = psycopg.connect(psycopg_url(topology.database_url), autocommit=True)
    # Computed when asked: 89 days given by dates (not a period the job keeps; every seeded
    # alert is younger than 80 days, so the same figures). Kept: the last 90 days.
    today = datetime.now(ZoneInfo("Europe/Amsterdam")).date()
    asked = f"/api/v1/impact?start={today - timedelta(days=88)}&end={today}"

    def request(path: str) -> Callable[[], None]:
        def call() -> None:
            web.request("GET", path, headers=headers)
            response = web.getresponse()
            body = response.read()
            if response.status != 200 or json.loads(body)["alerts"]["posted"] != alerts:
                raise RuntimeError(f"{response.status}: {body[:200]!r}")

        return call

    # The request's period in the organiser's zone (Europe/Amsterdam), near enough.
    end = datetime.now(UTC) + timedelta(days=1)
    period = {"start": end - timedelta(days=90), "end": end}

    def raw_sql() -> None:
        for statement in RAW:
            raw.execute(statement, period).fetchall()

    requests = 10 if options.quick else 40
    live_ms, raw_ms = interleave(request(asked), raw_sql, requests)
    began = time.perf_counter()
    kept = refresh_snapshots(topology)
    print(f"  the snapshot job kept {kept} periods in {time.perf_counter() - began:.1f} s")
    kept_ms, raw_again_ms = interleave(request("/api/v1/impact?days=90"), raw_sql, requests)
    raw.close()
    web.close()
    size = f"{alerts:,} alerts, {alerts * ACTIONS_PER_ALERT:,} actions"
    rows = []
    for label, app_ms, baseline_ms in (
        ("computed when asked", live_ms, raw_ms),
        ("kept by the job (last 90 days)", kept_ms, raw_again_ms),
    ):
        rows += [
            Row(
                "impact",
                f"GET /impact figures, {size}, {label}, {share_label}",
                percentile(app_ms, share),
                percentile(baseline_ms, share),
                "raw SQL of its 8 aggregates",
                "ms",
                target=2.0,
            )
            for share, share_label in ((0.5, "p50"), (0.99, "p99"))
        ]
    return rows


def interleave(
    operation: Callable[[], None], baseline: Callable[[], None], requests: int
) -> tuple[list[float], list[float]]:
    """Time the operation and its baseline in alternating blocks, after three warm-ups each."""
    for warm in (operation, baseline):
        for _ in range(3):
            warm()
    app_ms: list[float] = []
    raw_ms: list[float] = []
    while len(app_ms) < requests:
        for call, samples in ((operation, app_ms), (baseline, raw_ms)):
            for _ in range(BLOCK):
                started = time.perf_counter()
                call()
                samples.append((time.perf_counter() - started) * 1000)
    return app_ms, raw_ms


def refresh_snapshots(topology: Topology) -> int:
    """Run the impact job once, in-process, on the benchmark's database."""
    from bench.queries import in_process_app
    from network.impact import snapshots

    app = in_process_app(topology, "impact")
    with app.app_context():
        return snapshots.refresh()
