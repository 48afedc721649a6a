"""An approval's answer and its statements: the alert as members then see it, the thread's
reporters read once (refused as reviewers, told the outcome), the needs of an alert just put
live known without a query."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest
import sqlalchemy as sa
from flask import Flask

from network.extensions import db
from tests.alerts.conftest import alert_body
from tests.world import counting_statements

Api = Callable[..., Any]


def reported_thread(api_as: Api, create_member: Any, reporters: int, **changes: Any) -> int:
    """Post one thread by `reporters` members (the first a new member: it waits for review)."""
    body = alert_body(**changes)
    ids = set()
    for number in range(reporters):
        answer = api_as(create_member(trust_level=0), "POST", "/api/v1/alerts", json=body)
        assert answer.status_code == (201 if number == 0 else 200)
        ids.add(answer.get_json()["id"])
    [alert_id] = ids
    return alert_id


@pytest.mark.parametrize("changes", [{}, {"severity": 4, "category": "threat"}])
def test_an_approvals_answer_is_the_alert_as_members_then_see_it(
    api_as: Api, create_member: Any, review: Any, changes: dict[str, Any]
) -> None:
    alert_id = reported_thread(api_as, create_member, 2, **changes)
    reviewer = create_member(trust_level=3)
    approved = review(reviewer, alert_id, "approve")
    assert approved.status_code == 200
    shown = api_as(reviewer, "GET", f"/api/v1/alerts/{alert_id}")
    assert approved.get_json() == shown.get_json()
    assert approved.get_json()["status"] == "open" and not approved.get_json()["reported_by_me"]


def test_a_flagged_alert_approved_again_answers_with_its_claims(
    api_as: Api, open_alert: Any, create_member: Any, flag: Any, review: Any
) -> None:
    alert = open_alert(severity=2)
    claimed = api_as(
        create_member(),
        "POST",
        f"/api/v1/alerts/{alert['id']}/actions",
        json={"type": "counter_speech"},
    )
    assert claimed.status_code == 201
    flag(create_member(trust_level=1), alert["id"], "misleading")
    reviewer = create_member(trust_level=3)
    approved = review(reviewer, alert["id"], "approve")
    assert approved.status_code == 200
    assert approved.get_json()["needs"]["counter_speech"]["claimed"] == 1
    assert (
        approved.get_json() == api_as(reviewer, "GET", f"/api/v1/alerts/{alert['id']}").get_json()
    )


@pytest.mark.parametrize("which", [0, 1, 2])
def test_no_reporter_of_the_thread_reviews_it_first_or_later(
    api_as: Api, create_member: Any, flag: Any, review: Any, which: int
) -> None:
    # A thread reported by three members, the reviewer among them (first or later); it waits
    # for review (posted by a new member, or flagged when the reviewer's own post opened it).
    body = alert_body()
    members = [create_member(trust_level=3 if n == which else 0) for n in range(3)]
    ids = {
        api_as(member, "POST", "/api/v1/alerts", json=body).get_json()["id"] for member in members
    }
    [alert_id] = ids
    if which == 0:
        assert flag(create_member(trust_level=2), alert_id).status_code == 201
    refused = review(members[which], alert_id, "approve")
    assert refused.status_code == 409 and refused.get_json()["error"]["code"] == "own_alert"
    assert review(create_member(trust_level=3), alert_id, "approve").status_code == 200


def test_an_approval_reads_the_reporters_once_and_tells_each(
    app: Flask, api_as: Api, create_member: Any, review: Any
) -> None:
    def approval(reporters: int) -> list[str]:
        alert_id = reported_thread(api_as, create_member, reporters)
        with counting_statements(app) as sent:
            assert review(create_member(trust_level=3), alert_id, "approve").status_code == 200
        with app.app_context():
            told = db.session.execute(
                sa.text("SELECT count(*) FROM notice WHERE alert_id = :a"), {"a": alert_id}
            ).scalar()
        assert told == reporters
        return sent

    one, three = approval(1), approval(3)
    reads = [s for s in one if "alert_report" in s and s.lstrip().upper().startswith("SELECT")]
    assert len(reads) == 1, reads  # whether the reviewer reported it, and whom to tell
    # The needs of the alert just put live come without a query; the reporters' notices and
    # their unread counters are written together, however many reporters there are.
    assert not [
        s
        for s in one
        if s.lstrip().upper().startswith("SELECT")
        and "action" in s.split("FROM", 1)[-1].split("WHERE", 1)[0]
    ]
    assert len(three) == len(one)
