"""Flags: their reasons and notes reach reviewers; their weight follows the flagger's trust."""

from __future__ import annotations

from typing import Any

import pytest
from flask import Flask
from flask.testing import FlaskClient
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from network.accounts.models import Member
from network.alerts.models import Alert
from network.extensions import db
from network.moderation.trust import flag_weight

# Flaggers' trust levels → whether the alert is hidden (ABUSE_FLAGS_TO_HIDE = 3).
HIDING = [
    ([1, 1, 1], True),
    ([1, 1], False),
    ([2, 1], True),
    ([3, 1], True),
    ([2], False),
    ([2, 2], True),
    ([0, 0, 0, 0, 0], False),
    ([0, 0, 2], False),
    ([0, 2, 1], True),
    ([3, 0], False),
]


@pytest.mark.parametrize(("levels", "hidden"), HIDING)
def test_flags_weigh_by_the_flaggers_trust_level(
    api_as: Any, open_alert: Any, create_member: Any, flag: Any, levels: list[int], hidden: bool
) -> None:
    alert = open_alert()
    for level in levels:
        assert flag(create_member(trust_level=level), alert["id"]).status_code == 201
    seen = api_as(create_member(trust_level=1), "GET", f"/api/v1/alerts/{alert['id']}")
    assert (seen.status_code == 404) == hidden, levels


@settings(
    max_examples=25,
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.function_scoped_fixture],
)
@given(levels=st.lists(st.integers(min_value=0, max_value=3), max_size=6))
def test_an_alert_hides_exactly_when_the_flags_weigh_enough(
    app: Flask, open_alert: Any, create_member: Any, levels: list[int]
) -> None:
    from network.alerts.services import flag_alert

    alert = open_alert()
    flaggers = [create_member(trust_level=level) for level in levels]
    with app.test_request_context():
        for handle in flaggers:
            member = db.session.get(Member, handle.id)
            shown = db.session.get(Alert, alert["id"])
            assert member is not None and shown is not None
            if shown.hidden_at is not None:
                break  # hidden: members cannot see it, let alone flag it
            flag_alert(member, alert["id"], reason="misleading")
        hidden = db.session.get(Alert, alert["id"])
        assert hidden is not None
        weight = sum(flag_weight(level) for level in levels)
        assert (hidden.hidden_at is not None) == (weight >= app.config["ABUSE_FLAGS_TO_HIDE"])
        assert weight == sum({0: 0, 1: 1, 2: 2, 3: 2}[level] for level in levels)


def test_reviewers_see_reasons_and_notes_and_new_members_flags_marked(
    client: FlaskClient,
    open_alert: Any,
    create_member: Any,
    flag: Any,
    log_in: Any,
) -> None:
    alert = open_alert()
    flag(
        create_member(trust_level=0), alert["id"], "abusive", "Newcomer: this is a pile-on itself."
    )
    flag(create_member(trust_level=2), alert["id"], "misleading", "A joke between two friends.")
    flag(create_member(trust_level=1), alert["id"], "misleading", "")
    log_in(create_member(trust_level=3))
    page = client.get("/review/").get_data(as_text=True)
    assert "Newcomer: this is a pile-on itself." in page
    assert "A joke between two friends." in page
    assert "new member: does not count toward hiding" in page
    assert "weight 2 toward hiding" in page and "weight 1 toward hiding" in page
    assert "3 flags" in page


def test_review_api_lists_flags_without_naming_flaggers(
    app: Flask, api_as: Any, open_alert: Any, create_member: Any, flag: Any
) -> None:
    alert = open_alert()
    newcomer = create_member(trust_level=0, display_name="Newcomer Nel")
    flag(newcomer, alert["id"], "abusive", "Mocks the girl further.")
    for _ in range(2):
        flag(create_member(trust_level=2), alert["id"])
    reviewer = create_member(trust_level=3)
    answer = api_as(reviewer, "GET", "/api/v1/review/alerts")
    assert answer.status_code == 200
    [item] = [i for i in answer.get_json()["items"] if i["alert"]["id"] == alert["id"]]
    assert item["waiting"] == "hidden" and item["reporter_trust_level"] == 1
    flags = item["flags"]
    assert [(f["trust_level"], f["weight"], f["counts"]) for f in flags] == [
        (0, 0, False),
        (2, 2, True),
        (2, 2, True),
    ]
    assert flags[0]["note"] == "Mocks the girl further." and flags[0]["reason"] == "abusive"
    assert "Newcomer Nel" not in answer.get_data(as_text=True)
    assert set(flags[0]) == {"reason", "note", "trust_level", "weight", "counts", "created_at"}
    refused = api_as(create_member(trust_level=2), "GET", "/api/v1/review/alerts")
    assert refused.status_code == 403 and refused.get_json()["error"]["code"] == "forbidden"
