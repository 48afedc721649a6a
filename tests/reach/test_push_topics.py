"""What else is pushed: review outcomes to the reporter, reviews waiting to organisers who chose
them, campaign launches to members who chose them, team alerts to the team."""

from __future__ import annotations

from collections.abc import Callable
from datetime import timedelta
from typing import Any

import pytest
from flask import Flask

from network.db import utcnow
from network.tasks.reach import campaign_launched, notice, review_waiting
from tests.conftest import run_job
from tests.support.push import Browser, Server, subscribe
from tests.world import change_settings

Api = Callable[..., Any]


def test_a_reporter_hears_the_review_and_organisers_who_chose_it_hear_of_the_wait(
    app: Flask,
    api_as: Api,
    create_member: Any,
    organiser: Any,
    post_alert: Api,
    push_service: Server,
    browser: Callable[[], Browser],
) -> None:
    newcomer = create_member(trust_level=0)
    newcomer_phone, organiser_phone = browser(), browser()
    assert (
        subscribe(
            api_as, newcomer, newcomer_phone, f"{push_service.origin}/push/newcomer"
        ).status_code
        == 201
    )
    assert (
        subscribe(
            api_as, organiser, organiser_phone, f"{push_service.origin}/push/organiser"
        ).status_code
        == 201
    )
    api_as(organiser, "PATCH", "/api/v1/me/reach-settings", json={"reviews": True})

    pending = post_alert(newcomer, language="en").get_json()
    run_job(review_waiting, pending["id"])
    [waiting] = push_service.requests()
    assert waiting.path == "/push/organiser"
    assert organiser_phone.read(waiting.body)["body"] == "An alert is waiting for review."

    api_as(
        organiser,
        "POST",
        f"/api/v1/alerts/{pending['id']}/review",
        json={"decision": "reject", "reason": "Not about a person."},
    )
    [told] = api_as(newcomer, "GET", "/api/v1/me/notices").get_json()["items"]
    run_job(notice, told["id"])
    outcome = push_service.requests()[-1]
    assert outcome.path == "/push/newcomer"
    message = newcomer_phone.read(outcome.body)
    assert message["body"] == "Your alert was not approved: Not about a person."


def test_team_alerts_reach_the_team_and_launches_reach_who_chose_them(
    app: Flask,
    api_as: Api,
    create_member: Any,
    organiser: Any,
    post_alert: Api,
    push_service: Server,
    browser: Callable[[], Browser],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    change_settings(monkeypatch, app, asks_per_alert=0)
    founder, mate, reporter = (create_member(trust_level=1) for _ in range(3))
    team = api_as(founder, "POST", "/api/v1/teams", json={"name": "Class 4B"}).get_json()
    for member in (mate, reporter):
        api_as(
            member,
            "POST",
            f"/api/v1/teams/{team['id']}/members",
            json={"invite_code": team["invite_code"]},
        )
    mate_phone, reporter_phone = browser(), browser()
    assert (
        subscribe(api_as, mate, mate_phone, f"{push_service.origin}/push/mate").status_code == 201
    )
    assert (
        subscribe(
            api_as, reporter, reporter_phone, f"{push_service.origin}/push/reporter"
        ).status_code
        == 201
    )
    post_alert(reporter, team_id=team["id"], language="en")  # the asks job pushes it
    # The team hears of it; its reporter does not.
    assert [request.path for request in push_service.requests()] == ["/push/mate"]
    assert mate_phone.read(push_service.requests()[0].body)["kind"] == "alert"

    api_as(mate, "PATCH", "/api/v1/me/reach-settings", json={"campaign_launches": True})
    now = utcnow()
    campaign = api_as(
        organiser,
        "POST",
        "/api/v1/campaigns",
        json={
            "title": "Kindness week",
            "starts_at": now.isoformat(),
            "ends_at": (now + timedelta(days=7)).isoformat(),
            "goal": 10,
        },
    ).get_json()
    api_as(organiser, "POST", f"/api/v1/campaigns/{campaign['id']}/launch")
    run_job(campaign_launched, campaign["id"])
    launched = push_service.requests()[-1]
    assert launched.path == "/push/mate"
    assert mate_phone.read(launched.body)["body"] == "A new campaign has started: Kindness week"
    assert len(push_service.requests()) == 2
