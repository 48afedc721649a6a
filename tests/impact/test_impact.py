"""Impact figures: exactly what happened, on the page and in the API, checked by independent SQL."""

from __future__ import annotations

import statistics
from collections.abc import Callable
from typing import Any

import sqlalchemy as sa
from flask import Flask
from flask.testing import FlaskClient

from network.extensions import db
from network.impact.queries import wilson

PUBLIC = "('counter_speech', 'support_target_public')"


def shown(n: int) -> int | None:
    """What a count looks like once small cells are suppressed."""
    return None if 0 < n < 5 else n


def scalar(app: Flask, sql: str) -> Any:
    with app.app_context():
        return db.session.execute(sa.text(sql)).scalar()


def rows(app: Flask, sql: str) -> list[Any]:
    with app.app_context():
        return list(db.session.execute(sa.text(sql)).all())


def expected(app: Flask) -> dict[str, Any]:
    """The figures by hand-written SQL over the whole (seeded, all recent) history."""
    reached = scalar(
        app,
        "SELECT count(*) FROM alert a WHERE a.live_at IS NOT NULL AND a.responder_goal <= "
        "(SELECT count(*) FROM action x WHERE x.alert_id = a.id AND x.status = 'done')",
    )
    with app.app_context():
        from network.alerts.models import Alert

        pairs = db.session.execute(
            sa.select(Alert.live_at, Alert.first_claim_at).where(Alert.first_claim_at.is_not(None))
        ).all()
    minutes = [(claim - live).total_seconds() / 60 for live, claim in pairs]
    deciles = statistics.quantiles(minutes, n=10, method="inclusive")
    visibility = {
        side: (int(removed or 0), int(answered))
        for side, removed, answered in rows(
            app,
            f"SELECT CASE WHEN x.type IN {PUBLIC} THEN 'public' ELSE 'private' END AS side, "
            "sum(CASE WHEN c.outcome = 'content_removed' THEN 1 ELSE 0 END), count(*) "
            "FROM check_in c JOIN action x ON x.id = c.action_id "
            "WHERE c.outcome IS NOT NULL AND x.status = 'done' GROUP BY side",
        )
    }
    return {
        "posted": scalar(app, "SELECT count(*) FROM alert"),
        "approved": scalar(app, "SELECT count(*) FROM alert WHERE live_at IS NOT NULL"),
        "rejected": scalar(app, "SELECT count(*) FROM alert WHERE status = 'rejected'"),
        "expired": scalar(app, "SELECT count(*) FROM alert WHERE status = 'expired'"),
        "reached": reached,
        "median": statistics.median(minutes),
        "p90": deciles[8],
        "claimed_alerts": len(minutes),
        "actions": {
            (kind, status): n
            for kind, status, n in rows(
                app, "SELECT type, status, count(*) FROM action GROUP BY type, status"
            )
        },
        "asks_sent": scalar(app, "SELECT count(*) FROM ask"),
        "asks_answered": scalar(
            app, "SELECT count(*) FROM ask WHERE answer IN ('accepted', 'declined')"
        ),
        "retaliation": scalar(
            app,
            "SELECT count(*) FROM check_in c JOIN action x ON x.id = c.action_id "
            "WHERE c.outcome = 'retaliation' AND x.status = 'done'",
        ),
        "active": scalar(app, "SELECT count(DISTINCT member_id) FROM action"),
        "visibility": visibility,
    }


def test_the_api_gives_exactly_the_figures_of_the_seeded_history(
    app: Flask,
    seed_history: Callable[..., dict[str, Any]],
    create_member: Callable[..., Any],
    api_as: Callable[..., Any],
) -> None:
    seed_history(3)
    organiser = create_member(role="organiser")
    want = expected(app)

    response = api_as(organiser, "GET", "/api/v1/impact?days=30")

    assert response.status_code == 200, response.get_json()
    got = response.get_json()
    assert got["alerts"]["posted"] == shown(want["posted"]) == 30
    assert got["alerts"]["approved"] == shown(want["approved"])
    assert got["alerts"]["rejected"] == shown(want["rejected"])
    assert got["alerts"]["expired"] == shown(want["expired"])
    assert got["alerts"]["goal_reached"] == shown(want["reached"])
    assert got["first_claim"]["alerts"] == want["claimed_alerts"]
    assert got["first_claim"]["median_minutes"] == round(want["median"], 2)
    assert got["first_claim"]["p90_minutes"] == round(want["p90"], 2)
    for (kind, status), n in want["actions"].items():
        assert got["actions"][kind][status] == shown(n)
    assert got["asks"]["sent"] == shown(want["asks_sent"])
    assert got["asks"]["answered"] == shown(want["asks_answered"])
    assert got["retaliation_reports"] == shown(want["retaliation"])
    assert got["members"]["active"] == shown(want["active"])
    sides = {group["key"]: group for group in got["what_works"]["by_visibility"]}
    for side, (removed, answered) in want["visibility"].items():
        assert sides[side]["answered"] == shown(answered)
        low, high = wilson(removed, answered)
        assert sides[side]["removal"]["share"] == round(removed / answered, 4)
        assert sides[side]["removal"]["low"] == round(low, 4)
        assert sides[side]["removal"]["high"] == round(high, 4)


def test_the_page_shows_the_same_figures_in_tables_and_charts(
    app: Flask,
    client: FlaskClient,
    seed_history: Callable[..., dict[str, Any]],
    create_member: Callable[..., Any],
    log_in: Callable[..., Any],
) -> None:
    seed_history(3)
    want = expected(app)
    log_in(create_member(role="organiser"))

    page = client.get("/impact/?days=30")

    assert page.status_code == 200
    html = page.get_data(as_text=True)
    assert f'<th scope="row">Posted</th><td>{want["posted"]}</td>' in html
    assert f'<th scope="row">Rejected</th><td>{want["rejected"]}</td>' in html
    assert f"<title>Posted: {want['posted']}</title>" in html
    assert 'role="img"' in html
    assert "What works" in html
    assert "Public actions" in html

    csv = client.get("/impact/figures.csv?days=30")
    assert csv.status_code == 200
    assert f"Alerts,Posted,Number,{want['posted']}" in csv.get_data(as_text=True)


def test_small_cells_are_suppressed_on_the_page_and_in_the_api(
    app: Flask,
    client: FlaskClient,
    seed_history: Callable[..., dict[str, Any]],
    create_member: Callable[..., Any],
    log_in: Callable[..., Any],
    api_as: Callable[..., Any],
) -> None:
    seed_history(1)
    organiser = create_member(role="organiser")
    # Two doxxing alerts, one rejected and one expired: too few to show.
    assert scalar(app, "SELECT count(*) FROM alert WHERE category = 'doxxing'") == 2

    got = api_as(organiser, "GET", "/api/v1/impact?days=30&category=doxxing").get_json()
    assert got["alerts"]["posted"] is None
    assert got["alerts"]["rejected"] is None

    log_in(organiser)
    html = client.get("/impact/?category=doxxing").get_data(as_text=True)
    assert '<th scope="row">Posted</th><td>fewer than 5</td>' in html
    assert "<title>Posted: fewer than 5</title>" in html


def test_members_get_403_and_bad_periods_get_422(
    client: FlaskClient,
    create_member: Callable[..., Any],
    log_in: Callable[..., Any],
    api_as: Callable[..., Any],
) -> None:
    member = create_member(trust_level=3)
    organiser = create_member(role="organiser")
    assert api_as(member, "GET", "/api/v1/impact").status_code == 403
    for query in (
        "days=12",
        "start=2026-05-02&end=2026-05-01",
        "start=2019-12-31",
        "end=2999-01-01",
        "start=2024-01-01&end=2025-06-01",
        "platform=myspace",
        "start=yesterday",
    ):
        assert api_as(organiser, "GET", f"/api/v1/impact?{query}").status_code == 422, query
    log_in(organiser)
    assert client.get("/impact/?days=12").status_code == 422
    assert client.get("/impact/?start=2026-05-02&end=2026-05-01").status_code == 422
    client.post("/logout")
    log_in(member)
    assert client.get("/impact/").status_code == 403


def test_the_page_needs_the_same_number_of_queries_whatever_the_data(
    app: Flask,
    client: FlaskClient,
    seed_history: Callable[..., dict[str, Any]],
    create_member: Callable[..., Any],
    log_in: Callable[..., Any],
) -> None:
    log_in(create_member(role="organiser"))

    def queries_of_the_page() -> int:
        statements: list[str] = []

        def record(_conn: Any, _cursor: Any, statement: str, *_args: Any) -> None:
            statements.append(statement)

        engine = db.engine_for(app)
        sa.event.listen(engine, "before_cursor_execute", record)
        try:
            assert client.get("/impact/?days=90").status_code == 200
        finally:
            sa.event.remove(engine, "before_cursor_execute", record)
        return len(statements)

    seed_history(1, team_name="First")
    small = queries_of_the_page()
    seed_history(4, team_name="Second")
    assert queries_of_the_page() == small


def test_the_demo_history_gives_the_impact_page_meaningful_numbers(
    app: Flask, client: FlaskClient, log_in: Callable[..., Any]
) -> None:
    from network.demo import DEMO_PASSWORD, seed_demo_data
    from tests.conftest import MemberHandle

    with app.test_request_context():
        list(seed_demo_data())
    history = (
        scalar(app, "SELECT count(*) FROM alert"),
        scalar(app, "SELECT count(*) FROM action"),
    )
    with app.test_request_context():
        list(seed_demo_data())
    again = (scalar(app, "SELECT count(*) FROM alert"), scalar(app, "SELECT count(*) FROM action"))
    assert again == history, "seeded once"
    organiser_id = scalar(app, "SELECT id FROM member WHERE email = 'organiser@example.org'")
    log_in(MemberHandle(organiser_id, "organiser@example.org", DEMO_PASSWORD, "Olga (organiser)"))

    html = client.get("/impact/?days=90").get_data(as_text=True)

    assert scalar(app, "SELECT count(*) FROM check_in WHERE outcome IS NOT NULL") >= 50
    posted = scalar(app, "SELECT count(*) FROM alert")
    assert f'<th scope="row">Posted</th><td>{posted}</td>' in html
    assert "Public actions" in html and "Private actions" in html
    assert html.count("fewer than 5 answers") < 10


def test_wilson_intervals_and_percentiles_match_the_textbook_values() -> None:
    from network.impact.queries import percentile

    # 6 of 20: the Wilson 95% interval as statsmodels' proportion_confint(method="wilson") gives.
    low, high = wilson(6, 20)
    assert (round(low, 4), round(high, 4)) == (0.1455, 0.519)
    assert wilson(0, 10)[0] == 0.0 and round(wilson(0, 10)[1], 4) == 0.2775
    # Linear interpolation, as PostgreSQL's percentile_cont.
    assert percentile([1.0, 2.0, 3.0, 4.0], 0.5) == 2.5
    assert percentile([10.0, 20.0, 30.0, 40.0, 50.0], 0.9) == 46.0
