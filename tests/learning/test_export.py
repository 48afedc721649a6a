"""The research export: only what researchers need, nothing that names a person or a page."""

from __future__ import annotations

import csv
import io
from collections import Counter
from collections.abc import Callable
from typing import Any

import sqlalchemy as sa
from flask import Flask
from flask.testing import FlaskClient

from network.extensions import db
from network.learning.export import COLUMNS
from network.moderation.models import AuditEntry

Api = Callable[..., Any]


def seed(api_as: Api, create_member: Any, open_alert: Any) -> dict[str, Any]:
    """A small history: three volunteers, two alerts, every status, answered check-ins."""
    people = [
        create_member(trust_level=2, display_name=f"Volunteer {name}", email=f"{name}@example.org")
        for name in ("ada", "bram", "chloe")
    ]
    alerts = [
        open_alert(category="hate", summary="Comments mocking a girl for her religion."),
        open_alert(category="shaming", severity=3, language="en", summary="A shaming pile-on."),
    ]

    def claim(member: Any, alert: Any, kind: str) -> int:
        answer = api_as(
            member, "POST", f"/api/v1/alerts/{alert['id']}/actions", json={"type": kind}
        )
        assert answer.status_code == 201, answer.get_json()
        return int(answer.get_json()["id"])

    def finish(member: Any, action_id: int, status: str = "done") -> None:
        answer = api_as(member, "PATCH", f"/api/v1/actions/{action_id}", json={"status": status})
        assert answer.status_code == 200, answer.get_json()

    ada, bram, chloe = people
    reported = claim(ada, alerts[0], "report_platform")
    finish(ada, reported)
    spoken = claim(bram, alerts[0], "counter_speech")
    api_as(
        bram,
        "PUT",
        f"/api/v1/actions/{spoken}/template",
        json={"template_id": "hate-counter_speech-1", "tone": "empathy"},
    )
    finish(bram, spoken)
    released = claim(chloe, alerts[1], "support_target_private")
    finish(chloe, released, "released")
    claim(chloe, alerts[1], "report_platform")  # still claimed
    with_app_answers = {reported: {"outcome": "content_removed", "platform_decision": "removed"}}
    with_app_answers[spoken] = {"outcome": "retaliation"}
    return {"people": people, "alerts": alerts, "answers": with_app_answers}


def answer_check_ins(app: Flask, api_as: Api, people: list[Any], answers: dict[int, Any]) -> None:
    from network.learning.models import CheckIn

    with app.app_context():
        rows = db.session.execute(sa.select(CheckIn.id, CheckIn.action_id)).all()
    by_action = dict((action_id, check_in_id) for check_in_id, action_id in rows)
    for action_id, body in answers.items():
        for member in people:
            answer = api_as(member, "POST", f"/api/v1/check-ins/{by_action[action_id]}", json=body)
            if answer.status_code == 200:
                break
        else:
            raise AssertionError(f"nobody could answer the check-in of action {action_id}")


def assert_names_nobody(app: Flask, rows: list[dict[str, str]]) -> None:
    """Scan every cell: no email, name, URL, summary, and no plain ids."""
    with app.app_context():
        secrets = [
            value
            for row in db.session.execute(
                sa.text(
                    "SELECT email, display_name FROM member UNION ALL "
                    "SELECT url, summary FROM alert UNION ALL "
                    "SELECT canonical_url, canonical_hash FROM alert"
                )
            )
            for value in row
        ]
    assert secrets
    for row in rows:
        for column, cell in row.items():
            assert "@" not in cell and "http" not in cell and "instagram.com" not in cell
            for secret in secrets:
                assert not secret or secret.lower() not in cell.lower(), (column, cell)
            if column.endswith("_hash") and cell:
                assert len(cell) == 16 and int(cell, 16) >= 0


def download(client: FlaskClient) -> list[dict[str, str]]:
    answer = client.get("/impact/export.csv")
    assert answer.status_code == 200
    assert answer.mimetype == "text/csv" and answer.is_streamed
    text = answer.get_data(as_text=True)
    reader = csv.DictReader(io.StringIO(text))
    assert tuple(reader.fieldnames or ()) == COLUMNS
    return list(reader)


def test_the_export_has_the_expected_rows_and_nothing_that_names_anyone(
    app: Flask,
    client: FlaskClient,
    api_as: Api,
    create_member: Any,
    open_alert: Any,
    log_in: Any,
    organiser: Any,
) -> None:
    history = seed(api_as, create_member, open_alert)
    answer_check_ins(app, api_as, history["people"], history["answers"])
    log_in(organiser)
    rows = download(client)

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
    api_as: Api,
    create_member: Any,
    open_alert: Any,
    log_in: Any,
    organiser: Any,
) -> None:
    seed(api_as, create_member, open_alert)
    log_in(organiser)
    first, second = download(client), download(client)
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
