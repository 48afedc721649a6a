"""Feed read: the first page of GET /api/v1/alerts with 100,000 alerts in the database.

The app's figure is the whole request (token, the page with its needs and the member's reports,
JSON) over HTTP, one at a time, until its answer has arrived (every page is checked after its block:
decoding the JSON is the client's work, and the raw SQL side leaves it as text). Baselines,
interleaved with it in blocks, through psycopg: the raw SQL of both statements the endpoint runs
(the token's member, and the statement of network/coordination/page_json.py that writes the page's
JSON, as the app sends it); for reference the same two with the page statement as it was before it
wrote JSON (rows of columns, which Python turned into JSON), the list query alone, and the four
queries the endpoint ran before issue 15 (list, reports, live counts). And the framework's floor: a
minimal Flask endpoint (bench/baseline_app.py, served by the same gunicorn config) that runs the
same two statements and sends the page, with nothing else of the app around them.
"""

from __future__ import annotations

import hashlib
import http.client
import json
import random
import secrets
import time
from datetime import UTC, datetime, timedelta
from typing import Any
from urllib.parse import urlsplit

import psycopg

from bench.common import Options, Row, percentile
from bench.topology import Topology, cpu_seconds, psycopg_url

BLOCK = 25  # requests per side before switching
PAGE = 25  # the API's default page size

# The list query as the endpoint sent it before issue 15 (network/alerts/queries.py list_alerts):
# every column of the 26 most urgent open, visible alerts.
LIST_QUERY = """
SELECT alert.id, alert.url, alert.canonical_url, alert.canonical_hash, alert.platform,
       alert.category, alert.severity, alert.summary, alert.language, alert.target_requested_help,
       alert.wanted_actions, alert.responder_goal, alert.status, alert.reporter_id,
       alert.campaign_id, alert.team_id, alert.reporter_count, alert.hidden_at, alert.reviewed_at,
       alert.review_reason, alert.outcome, alert.resolved_at, alert.created_at,
       alert.last_activity_at
FROM alert
WHERE alert.status = %s AND alert.hidden_at IS NULL
ORDER BY alert.severity DESC, alert.target_requested_help DESC, alert.created_at ASC, alert.id ASC
LIMIT %s
"""
# The token's member with its token (network/accounts/queries.py token_for_secret).
TOKEN_QUERY = """
SELECT access_token.*, member.* FROM access_token JOIN member ON access_token.member_id = member.id
WHERE access_token.token_hash = %s AND access_token.revoked_at IS NULL
"""
# Before issue 15 the endpoint also asked which of the page the member reported, and the live
# counts of actions for the page.
REPORTED_QUERY = """
SELECT alert_report.alert_id FROM alert_report
WHERE alert_report.member_id = %s AND alert_report.alert_id = ANY(%s)
"""
COUNTS_QUERY = """
SELECT action.alert_id, action.type, action.status, count(*) FROM action
WHERE action.alert_id = ANY(%s)
  AND (action.status = 'done' OR (action.status = 'claimed' AND action.expires_at > %s))
GROUP BY action.alert_id, action.type, action.status
"""
STATUSES = ["open"] * 16 + ["resolved", "expired", "pending_review", "rejected"]
ACTIONS = [
    "counter_speech",
    "support_target_public",
    "support_target_private",
    "message_author",
    "enlist_help",
    "report_platform",
    "report_authority",
]
PUBLIC = {"counter_speech", "support_target_public"}


def page_statement() -> tuple[str, dict[str, Any]]:
    """Return the SQL the endpoint sends for a member's first page (pyformat, as psycopg reads)
    and its fixed parameters (the items' JSON format)."""
    from sqlalchemy.dialects.postgresql.psycopg import dialect

    from network.coordination.page_json import driver_statement

    return driver_statement(dialect(), ("member", True, (), None, PAGE))


def columns_statement() -> str:
    """Return the page statement before it wrote JSON: the alerts' columns and needs as rows
    (still the SQLite path's statement), for reference."""
    from sqlalchemy.dialects import postgresql

    from network.coordination.page import statement

    return str(statement("member", True, (), None, PAGE + 1).compile(dialect=postgresql.dialect()))


def seed(topology: Topology, alerts: int, reporter: int, volunteers: list[int]) -> None:
    """COPY `alerts` alerts (80% open) and about as many actions into the database."""
    rng = random.Random(7)
    now = datetime.now(UTC)
    batch = secrets.token_hex(4)  # seeding twice must not repeat a thread
    with psycopg.connect(psycopg_url(topology.database_url)) as connection:
        with connection.cursor().copy(
            "COPY alert (url, canonical_url, canonical_hash, platform, category, severity, "
            "summary, language, target_requested_help, wanted_actions, responder_goal, status, "
            "reporter_id, reporter_count, created_at, last_activity_at) FROM STDIN"
        ) as copy:
            for number in range(alerts):
                url = f"https://www.instagram.com/p/feed-{batch}-{number}/"
                created = now - timedelta(seconds=rng.uniform(0, 7 * 24 * 3600))
                copy.write_row(
                    (
                        url,
                        url,
                        hashlib.sha256(url.encode()).hexdigest(),
                        "instagram",
                        "hate",
                        rng.randint(1, 4),
                        "Dozens of comments mocking a girl for her religion.",
                        "nl",
                        rng.random() < 0.3,
                        "[]",
                        3,
                        rng.choice(STATUSES),
                        reporter,
                        1,
                        created,
                        created,
                    )
                )
        first, last = connection.execute("SELECT min(id), max(id) FROM alert").fetchone() or (0, 0)
        with connection.cursor().copy(
            "COPY action (alert_id, member_id, type, status, anonymous, claimed_at, expires_at) "
            "FROM STDIN"
        ) as copy:
            taken: set[tuple[int, int, str]] = set()
            for _ in range(alerts):
                key = (rng.randint(first, last), rng.choice(volunteers), rng.choice(ACTIONS))
                # One member fills at most one public slot of an alert (uq_action_public_voice).
                slot = (*key[:2], "public") if key[2] in PUBLIC else key
                if slot in taken:
                    continue
                taken.add(slot)
                copy.write_row(
                    (
                        *key,
                        rng.choice(["claimed", "done", "released"]),
                        False,
                        now,
                        now + timedelta(hours=2),
                    )
                )


def run(topology: Topology, options: Options) -> list[Row]:
    topology.empty()
    [reader] = topology.add_members(1, prefix="reader")
    [reporter] = topology.add_members(1, trust_level=1, prefix="feed-reporter")
    volunteers = [member.id for member in topology.add_members(200, prefix="volunteer")]
    began = time.perf_counter()
    seed(topology, options.feed_alerts, reporter.id, volunteers)
    topology.analyze()
    print(f"  seeded {options.feed_alerts:,} alerts in {time.perf_counter() - began:.1f} s")

    if not topology.baseline_web:
        topology.start_baseline(len(topology.web))
    origin = urlsplit(topology.web[0])
    web = http.client.HTTPConnection(origin.hostname, origin.port, timeout=30)
    origin = urlsplit(topology.baseline_web[0])
    floor = http.client.HTTPConnection(origin.hostname, origin.port, timeout=30)
    headers = {"Authorization": f"Bearer {reader.token}"}
    raw = psycopg.connect(psycopg_url(topology.database_url), autocommit=True)
    digest = hashlib.sha256(reader.token.encode()).hexdigest()
    page_sql, page_fixed = page_statement()
    app_ms: list[float] = []
    floor_ms: list[float] = []
    list_ms: list[float] = []
    all_ms: list[float] = []
    before_ms: list[float] = []
    columns_ms: list[float] = []
    columns_sql = columns_statement()

    answers: list[tuple[int, bytes]] = []

    def first_page(connection: http.client.HTTPConnection) -> None:
        # Timed until the page has arrived; it is checked after the block (decoding its JSON is
        # the client's work, as the raw SQL side leaves the page's JSON text undecoded).
        connection.request("GET", "/api/v1/alerts", headers=headers)
        response = connection.getresponse()
        answers.append((response.status, response.read()))

    def check_pages() -> None:
        for status, body in answers:
            if status != 200 or len(json.loads(body)["items"]) != PAGE:
                raise RuntimeError(f"{status}: {body[:200]!r}")
        answers.clear()

    def request() -> None:
        first_page(web)

    def floor_request() -> None:
        first_page(floor)

    def list_query() -> list[int]:
        return [row[0] for row in raw.execute(LIST_QUERY, ("open", PAGE + 1)).fetchall()]

    def every_query() -> None:
        raw.execute(TOKEN_QUERY, (digest,)).fetchall()
        parameters = {**page_fixed, "status": "open", "member_id": reader.id}
        # One row: the items' JSON, whether more follow (a full page), the last position.
        if not raw.execute(page_sql, {**parameters, "now": datetime.now(UTC)}).fetchone()[1]:
            raise RuntimeError("the page statement did not find a full page")

    def every_query_as_rows() -> None:
        raw.execute(TOKEN_QUERY, (digest,)).fetchall()
        parameters = {"status": "open", "member_id": reader.id, "now": datetime.now(UTC)}
        if len(raw.execute(columns_sql, parameters).fetchall()) != PAGE + 1:
            raise RuntimeError("the page statement did not find a full page")

    def queries_before() -> None:
        raw.execute(TOKEN_QUERY, (digest,)).fetchall()
        ids = list_query()[:PAGE]
        raw.execute(REPORTED_QUERY, (reader.id, ids)).fetchall()
        raw.execute(COUNTS_QUERY, (ids, datetime.now(UTC))).fetchall()

    operations = (
        (request, app_ms),
        (floor_request, floor_ms),
        (every_query, all_ms),
        (list_query, list_ms),
        (queries_before, before_ms),
        (every_query_as_rows, columns_ms),
    )
    for warm, _samples in operations:
        for _ in range(10):
            warm()
    check_pages()
    # The CPU the serving processes spend on their blocks: the app's, the minimal endpoint's.
    servers = {request: topology.web_processes(), floor_request: topology.baseline_processes}
    cpu = dict.fromkeys(servers, 0.0)
    while len(app_ms) < options.feed_requests:
        for operation, samples in operations:
            before = cpu_seconds(servers[operation]) if operation in servers else 0.0
            for _ in range(BLOCK):
                started = time.perf_counter()
                operation()
                samples.append((time.perf_counter() - started) * 1000)
            if operation in servers:
                cpu[operation] += cpu_seconds(servers[operation]) - before
            check_pages()
    print(
        f"  serving-process CPU per first page: app {cpu[request] * 1000 / len(app_ms):.2f} ms,"
        f" minimal Flask endpoint {cpu[floor_request] * 1000 / len(floor_ms):.2f} ms"
    )
    raw.close()
    web.close()
    floor.close()
    alerts = f"{options.feed_alerts:,} alerts"
    rows = []
    # Issue 15: within 3x (p50) and 4x (p99) of the raw SQL of the statements the endpoint runs.
    for share, label, target in ((0.5, "p50", 3.0), (0.99, "p99", 4.0)):
        app = percentile(app_ms, share)
        rows.append(
            Row(
                "feed read",
                f"first page, {alerts}, {label}",
                app,
                percentile(all_ms, share),
                "raw SQL of both statements (token, page written as JSON)",
                "ms",
                target=target,
            )
        )
        rows.append(
            Row(
                "feed read",
                f"first page, {alerts}, {label}",
                app,
                percentile(floor_ms, share),
                "minimal Flask endpoint running both statements (same gunicorn config)",
                "ms",
            )
        )
        rows.append(
            Row(
                "feed read",
                f"first page, {alerts}, {label}: the minimal Flask endpoint's own figure",
                percentile(floor_ms, share),
                percentile(all_ms, share),
                "raw SQL of both statements (token, page written as JSON)",
                "ms",
            )
        )
        rows.append(
            Row(
                "feed read",
                f"first page, {alerts}, {label}",
                app,
                percentile(columns_ms, share),
                "raw SQL of both statements, the page as rows (before it wrote JSON)",
                "ms",
            )
        )
        rows.append(
            Row(
                "feed read",
                f"first page, {alerts}, {label}",
                app,
                percentile(list_ms, share),
                "raw SQL of the list query alone",
                "ms",
            )
        )
        rows.append(
            Row(
                "feed read",
                f"first page, {alerts}, {label}",
                app,
                percentile(before_ms, share),
                "raw SQL of the 4 queries before issue 15",
                "ms",
            )
        )
    return rows
