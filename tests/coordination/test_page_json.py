"""The list's answer written by PostgreSQL is byte for byte the answer built in Python.

Every shape of filter (status, category, platform, severity, campaign, team, mine), page sizes
and cursors, members and organisers, over alerts of every category and severity with wishes,
claims, reports, outcomes, hidden alerts, odd texts and timestamps with and without
microseconds. On SQLite both paths are the Python one; the test runs there as well."""

from __future__ import annotations

import random
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from typing import Any

import orjson
import pytest
import sqlalchemy as sa
from flask import Flask
from flask.testing import FlaskClient
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from network.accounts.models import Member
from network.alerts.models import Alert, AlertReport, AlertStatus, Category, Outcome
from network.alerts.queries import AlertFilters
from network.api.pagination import encode_cursor
from network.campaigns.models import Campaign
from network.coordination import page_json
from network.db import utcnow
from network.extensions import db
from network.guidance.rules import SEVERITIES
from network.teams.models import Team
from network.vocabulary import ActionType
from tests.coordination.test_page_needs import add_random_claims

WISHES = [
    [],
    ["support_target_private", "counter_speech"],
    [action.value for action in reversed(ActionType)],
    ["report_platform", "not_an_action", "report_platform"],
]
SUMMARIES = [
    "A pile-on.",
    'Quotes " and \\ backslashes, a tab\t, a new line\n and </script>',
    "Niet-ASCII: é, ß, 😀, \u2028, \x7f",
    "Control characters \x01 \x1f \b \f \r",
]
STATUSES = [
    AlertStatus.OPEN,
    AlertStatus.OPEN,
    AlertStatus.RESOLVED,
    AlertStatus.PENDING_REVIEW,
    AlertStatus.OPEN,
    AlertStatus.REJECTED,
    AlertStatus.EXPIRED,
]


def _seed(reader: int, reporter: int, volunteers: list[int]) -> tuple[int, int]:
    """Insert alerts of every category and severity in many states; return a campaign and team."""
    rng = random.Random(15)
    now = utcnow().replace(microsecond=0)
    campaign = Campaign(title="Campagne", starts_at=now, ends_at=now + timedelta(days=9), goal=5)
    team = Team(name="Kring", invite_code="page-json")
    db.session.add_all([campaign, team])
    db.session.flush()
    number = 0
    for category in Category:
        for severity in SEVERITIES:
            for wishes in WISHES:
                number += 1
                status = STATUSES[number % len(STATUSES)]
                resolved = status in (AlertStatus.RESOLVED, AlertStatus.EXPIRED)
                # Whole seconds, shared seconds (the id decides) and microseconds.
                created = now - timedelta(minutes=number % 5, microseconds=(number % 3) * 1_007)
                alert = Alert(
                    url=f"https://www.reddit.com/r/t/comments/json{number}/?q=\u00e9",
                    canonical_url=f"https://www.reddit.com/r/t/comments/json{number}/",
                    canonical_hash=f"{number:064d}",
                    platform="reddit" if number % 4 else "instagram",
                    category=category,
                    severity=severity,
                    summary=SUMMARIES[number % len(SUMMARIES)],
                    language="nl" if number % 2 else "en",
                    target_requested_help=bool(wishes) or number % 5 == 0,
                    wanted_actions=wishes,
                    responder_goal=rng.randint(1, 20),
                    status=status,
                    reporter_id=reporter,
                    reporter_count=rng.randint(1, 40),
                    hidden_at=now if number % 11 == 0 else None,
                    outcome=rng.choice(list(Outcome)) if resolved and number % 3 else None,
                    resolved_at=created + timedelta(hours=1, microseconds=number % 2)
                    if resolved
                    else None,
                    campaign_id=campaign.id if number % 4 == 1 else None,
                    team_id=team.id if number % 6 == 2 else None,
                    created_at=created,
                )
                db.session.add(alert)
                db.session.flush()
                if number % 3 == 0:
                    db.session.add(AlertReport(alert_id=alert.id, member_id=reader))
                add_random_claims(alert.id, volunteers, rng, now)
    db.session.commit()
    return campaign.id, team.id


def _answer(items: Any, position: dict[str, Any] | None) -> bytes:
    """Return the body the list view writes (alerts.api.list_alerts)."""
    cursor = encode_cursor(position) if position is not None else None
    return orjson.dumps(
        {"items": items, "next_cursor": cursor}, option=orjson.OPT_UTC_Z | orjson.OPT_SORT_KEYS
    )


def _compare_every_page(member: Member, filters: AlertFilters, limit: int) -> int:
    """Walk a list to its end by its cursors; return how many items both paths answered."""
    after: dict[str, Any] | None = None
    seen = 0
    for _page in range(200):
        written, position = page_json.api_page(member, filters, after=after, limit=limit)
        # PostgreSQL writes the JSON itself, unless the member may see nothing at all.
        postgresql = db.session.connection().dialect.name == "postgresql"
        assert isinstance(written, orjson.Fragment) == postgresql or written == []
        items, expected = page_json.python_page(member, filters, after=after, limit=limit)
        assert position == expected, (filters, limit, after)
        assert _answer(written, position) == _answer(items, expected), (filters, limit, after)
        seen += len(items)
        if position is None:
            return seen
        after = position
    raise AssertionError("the list did not end")


@pytest.mark.parametrize("role", ["member", "organiser"])
def test_the_written_page_is_the_python_page_for_every_filter_and_cursor(
    app: Flask, create_member: Callable[..., Any], role: str
) -> None:
    reader = create_member(role=role)
    reporter = create_member(trust_level=1)
    volunteers = [reader.id, *(create_member().id for _ in range(5))]
    with app.test_request_context():
        campaign_id, team_id = _seed(reader.id, reporter.id, volunteers)
        member = db.session.get(Member, reader.id)
        assert member is not None
        cases = [AlertFilters(status=status) for status in AlertStatus]
        cases += [
            AlertFilters(),
            AlertFilters(mine=True),
            AlertFilters(mine=True, status=AlertStatus.RESOLVED),
            AlertFilters(category="threat"),
            AlertFilters(category="hate", min_severity=3),
            AlertFilters(platform="instagram"),
            AlertFilters(platform="reddit", min_severity=2, status=AlertStatus.RESOLVED),
            AlertFilters(campaign_id=campaign_id),
            AlertFilters(team_id=team_id, mine=True),
            AlertFilters(campaign_id=campaign_id + 1),
            AlertFilters(category="doxxing", platform="tiktok"),
        ]
        shown = 0
        for filters in cases:
            for limit in (1, 7, 25, 100):
                shown += _compare_every_page(member, filters, limit)
        assert shown > 300


@settings(
    max_examples=60,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(
    summary=st.text(
        st.characters(blacklist_categories=("Cs",), blacklist_characters="\x00"), max_size=40
    ),
    created=st.datetimes(
        min_value=datetime(2000, 1, 1), max_value=datetime(2099, 12, 31), timezones=st.just(UTC)
    ),
    whole=st.booleans(),
)
def test_any_text_and_moment_is_written_as_orjson_writes_it(
    app: Flask, create_member: Callable[..., Any], summary: str, created: datetime, whole: bool
) -> None:
    if whole:
        created = created.replace(microsecond=0)
    reader = create_member(role="organiser")
    with app.test_request_context():
        member = db.session.get(Member, reader.id)
        assert member is not None
        savepoint = db.session.begin_nested()
        db.session.add(
            Alert(
                url="https://www.reddit.com/r/t/comments/any/",
                canonical_url="https://www.reddit.com/r/t/comments/any/",
                canonical_hash="a" * 64,
                platform="reddit",
                category="hate",
                severity=2,
                summary=summary,
                language="nl",
                status=AlertStatus.RESOLVED,
                resolved_at=created + timedelta(microseconds=1),
                created_at=created,
            )
        )
        db.session.flush()
        filters = AlertFilters(status=AlertStatus.RESOLVED)
        written = page_json.api_page(member, filters, after=None, limit=5)
        expected = page_json.python_page(member, filters, after=None, limit=5)
        assert _answer(*written) == _answer(*expected)
        assert orjson.loads(_answer(*written))["items"][0]["summary"] == summary
        savepoint.rollback()


def test_the_list_answers_the_same_over_http(
    app: Flask, create_member: Callable[..., Any], api_as: Callable[..., Any]
) -> None:
    reader = create_member()
    reporter = create_member(trust_level=1)
    with app.test_request_context():
        _seed(reader.id, reporter.id, [reader.id])
        member = db.session.get(Member, reader.id)
        assert member is not None
        items, position = page_json.python_page(member, AlertFilters(), after=None, limit=4)
        expected = _answer(items, position)
    response = api_as(reader, "GET", "/api/v1/alerts?limit=4")
    assert response.status_code == 200
    assert response.data == expected
    cursor = orjson.loads(response.data)["next_cursor"]
    second = api_as(reader, "GET", f"/api/v1/alerts?limit=4&cursor={cursor}")
    assert [item["id"] for item in orjson.loads(second.data)["items"]] != [
        item["id"] for item in orjson.loads(response.data)["items"]
    ]


def test_the_first_page_takes_two_statements_the_token_and_the_page(
    app: Flask,
    client: FlaskClient,
    create_member: Callable[..., Any],
    create_token: Callable[..., str],
) -> None:
    reader = create_member()
    reporter = create_member(trust_level=1)
    with app.test_request_context():
        _seed(reader.id, reporter.id, [reader.id])
    headers = {"Authorization": f"Bearer {create_token(reader)}"}
    assert client.get("/api/v1/alerts", headers=headers).status_code == 200
    sent: list[str] = []

    def record(_conn: Any, _cursor: Any, statement: str, *_args: Any) -> None:
        # The test's own transaction adds savepoints around the request.
        if not statement.startswith(("SAVEPOINT", "RELEASE", "ROLLBACK TO")):
            sent.append(statement)

    engine = db.engine_for(app)
    sa.event.listen(engine, "after_cursor_execute", record)
    try:
        response = client.get("/api/v1/alerts?limit=3", headers=headers)
    finally:
        sa.event.remove(engine, "after_cursor_execute", record)
    assert response.status_code == 200
    assert len(orjson.loads(response.data)["items"]) == 3
    assert len(sent) == 2, [statement[:80] for statement in sent]
