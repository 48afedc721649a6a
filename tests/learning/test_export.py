"""The research export: only what researchers need, nothing that names a person or a page."""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable
from typing import Any

import sqlalchemy as sa
from flask import Flask
from flask.testing import FlaskClient

from network.extensions import db
from network.moderation.models import AuditEntry
from tests.learning.conftest import History, assert_names_nobody, download_csv


def test_the_export_has_the_expected_rows_and_nothing_that_names_anyone(
    app: Flask,
    client: FlaskClient,
    research_history: Callable[..., History],
    log_in: Any,
    organiser: Any,
) -> None:
    research_history(answered=True)
    log_in(organiser)
    rows = download_csv(client)

    # The expected figures, by SQL written independently of the export.
    with app.app_context():
        expected = Counter(
            tuple(str(value or "") for value in row)
            for row in db.session.execute(
                sa.text(
                    "SELECT a.type, a.status, al.category, c.outcome, c.platform_decision,"
                    " a.template_tone FROM action a JOIN alert al ON al.id = a.alert_id"
                    " LEFT JOIN check_in c ON c.action_id = a.id"
                )
            )
        )
        per_member = sorted(
            n
            for (n,) in db.session.execute(
                sa.text("SELECT count(*) FROM action GROUP BY member_id")
            )
        )
        retaliations = db.session.scalar(
            sa.text("SELECT count(*) FROM check_in WHERE outcome = 'retaliation'")
        )
    found = Counter(
        (
            row["action_type"],
            row["action_status"],
            row["alert_category"],
            row["checkin_outcome"],
            row["platform_decision"],
            row["template_tone"],
        )
        for row in rows
    )
    assert found == expected
    assert len(rows) == 4
    assert sorted(Counter(row["member_hash"] for row in rows).values()) == per_member
    assert sum(row["retaliation"] == "true" for row in rows) == retaliations == 1
    assert {row["team_size_band"] for row in rows} == {"none"}
    assert_names_nobody(app, rows)

    with app.app_context():
        audited = db.session.scalars(
            sa.select(AuditEntry).where(AuditEntry.action == "research.exported")
        ).all()
    assert [entry.details for entry in audited] == [{"format": "csv"}]


def test_two_exports_hash_the_same_member_differently(
    app: Flask,
    client: FlaskClient,
    research_history: Callable[..., History],
    log_in: Any,
    organiser: Any,
) -> None:
    research_history()
    log_in(organiser)
    first, second = download_csv(client), download_csv(client)
    # The same rows in the same order: the same actions, with different hashes.
    assert [row["action_type"] for row in first] == [row["action_type"] for row in second]
    for one, two in zip(first, second, strict=True):
        assert one["member_hash"] != two["member_hash"]
        assert one["alert_hash"] != two["alert_hash"]
    # Within one export, one member and one alert keep one hash.
    assert len({row["alert_hash"] for row in first}) == 2
    assert len({row["member_hash"] for row in first}) == 3


def test_members_cannot_export(client: FlaskClient, create_member: Any, log_in: Any) -> None:
    log_in(create_member(trust_level=3))
    assert client.get("/impact/export.csv").status_code == 403
