"""Check-ins and research data: the real push service and browsers' keys (tests/support/push.py),
and the small history the research export tests (CSV and Parquet) read."""

from __future__ import annotations

import csv
import io
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import pytest
import sqlalchemy as sa
from flask import Flask
from flask.testing import FlaskClient

from network.extensions import db
from network.learning.export import COLUMNS
from tests.alerts.conftest import organiser, post_alert
from tests.support.push import browser, push_service

__all__ = ["browser", "organiser", "post_alert", "push_service"]
Api = Callable[..., Any]


@dataclass
class History:
    """What `research_history` made: three volunteers and two alerts."""

    people: list[Any]
    alerts: list[Any]


@pytest.fixture
def research_history(
    app: Flask, api_as: Api, create_member: Any, open_alert: Any
) -> Callable[..., History]:
    """Make a small history: three volunteers, two alerts, every action status; with
    `answered=True`, two check-ins answered (one outcome a retaliation)."""

    def claim(member: Any, alert: Any, kind: str) -> int:
        answer = api_as(
            member, "POST", f"/api/v1/alerts/{alert['id']}/actions", json={"type": kind}
        )
        assert answer.status_code == 201, answer.get_json()
        return int(answer.get_json()["id"])

    def finish(member: Any, action_id: int, status: str = "done") -> None:
        answer = api_as(member, "PATCH", f"/api/v1/actions/{action_id}", json={"status": status})
        assert answer.status_code == 200, answer.get_json()

    def make(*, answered: bool = False) -> History:
        people = [
            create_member(
                trust_level=2, display_name=f"Volunteer {name}", email=f"{name}@example.org"
            )
            for name in ("ada", "bram", "chloe")
        ]
        alerts = [
            open_alert(category="hate", summary="Comments mocking a girl for her religion."),
            open_alert(category="shaming", severity=3, language="en", summary="A shaming pile-on."),
        ]
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
        if answered:
            answers = {
                reported: {"outcome": "content_removed", "platform_decision": "removed"},
                spoken: {"outcome": "retaliation"},
            }
            answer_check_ins(app, api_as, people, answers)
        return History(people, alerts)

    return make


def answer_check_ins(app: Flask, api_as: Api, people: list[Any], answers: dict[int, Any]) -> None:
    """Answer each action's check-in (by whichever of `people` it asked) with its body."""
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


def download_csv(client: FlaskClient) -> list[dict[str, str]]:
    """Download the research export as CSV (streamed), checking its columns; return its rows."""
    answer = client.get("/impact/export.csv")
    assert answer.status_code == 200
    assert answer.mimetype == "text/csv" and answer.is_streamed
    text = answer.get_data(as_text=True)
    reader = csv.DictReader(io.StringIO(text))
    assert tuple(reader.fieldnames or ()) == COLUMNS
    return list(reader)
