"""The API and the feed advertise only what the guide allows: wishes and public voices."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest
from flask import Flask

from network.alerts.models import Category
from network.guidance.rules import SEVERITIES, allowed_actions
from network.vocabulary import ActionType
from tests.coordination.test_feed_replay import about, replay  # noqa: F401

CELLS = [(category.value, severity) for category in Category for severity in SEVERITIES]
PUBLIC = {ActionType.COUNTER_SPEECH.value, ActionType.SUPPORT_TARGET_PUBLIC.value}
EVERYTHING = [action.value for action in ActionType]


def expected(category: str, severity: int) -> tuple[list[str], int]:
    allowed = {action.value for action in allowed_actions(category, severity)}
    wanted = [code for code in EVERYTHING if code in allowed]
    return wanted, 3 if allowed & PUBLIC else 0


def assert_advertises_only_the_allowed(alert: dict[str, Any], category: str, severity: int) -> None:
    wanted, goal = expected(category, severity)
    assert sorted(alert["wanted_actions"]) == sorted(wanted), (category, severity)
    assert alert["responder_goal"] == goal, (category, severity)


@pytest.mark.parametrize(("category", "severity"), CELLS)
def test_the_api_lists_only_allowed_wishes_and_public_voices(
    api_as: Callable[..., Any],
    open_alert: Any,
    create_member: Any,
    category: str,
    severity: int,
) -> None:
    posted = open_alert(
        category=category,
        severity=severity,
        responder_goal=3,
        target_requested_help=True,
        wanted_actions=EVERYTHING,
    )
    reader = create_member()
    seen = api_as(reader, "GET", f"/api/v1/alerts/{posted['id']}").get_json()
    listed = api_as(reader, "GET", "/api/v1/alerts?status=open").get_json()["items"]
    [in_list] = [item for item in listed if item["id"] == posted["id"]]
    for alert in (posted, seen, in_list):
        assert_advertises_only_the_allowed(alert, category, severity)


def test_the_feed_events_list_only_allowed_wishes_and_public_voices(
    app: Flask,
    open_alert: Any,
    create_member: Any,
    replay: Callable[..., Any],  # noqa: F811
) -> None:
    watcher = create_member()
    posted = {
        (category, severity): open_alert(
            category=category,
            severity=severity,
            responder_goal=3,
            target_requested_help=True,
            wanted_actions=EVERYTHING,
            url=f"https://www.reddit.com/r/test/comments/{category[:4]}{severity}x/",
        )
        for category, severity in CELLS
    }
    replayed = replay(watcher)
    for (category, severity), alert in posted.items():
        [(event, message)] = about(replayed, alert["id"])
        assert event == "alert.created"
        assert_advertises_only_the_allowed(message["alert"], category, severity)
