"""Personal asks: the right members are asked by name, at most as often as they allow."""

from __future__ import annotations

from collections.abc import Callable
from datetime import timedelta
from typing import Any

import pytest
import sqlalchemy as sa
from flask import Flask

from network.coordination.models import Ask, AskAnswer
from network.db import utcnow
from network.extensions import db
from network.settings import replace_settings
from tests.alerts.conftest import alert_body
from tests.conftest import ask_members_job

Api = Callable[..., Any]


@pytest.fixture(autouse=True)
def one_ask_per_alert(app: Flask) -> Any:
    replace_settings(app, asks_per_alert=1)
    yield
    replace_settings(app, asks_per_alert=3)


def asked(app: Flask, alert_id: int) -> list[tuple[int, str]]:
    with app.app_context():
        return [
            (ask.member_id, ask.answer.value)
            for ask in db.session.scalars(
                sa.select(Ask).where(Ask.alert_id == alert_id).order_by(Ask.id)
            )
        ]


def post_open(api_as: Api, create_member: Any, **changes: Any) -> dict[str, Any]:
    changes.setdefault("language", "en")  # members help in their own language by default
    response = api_as(
        create_member(trust_level=1), "POST", "/api/v1/alerts", json=alert_body(**changes)
    )
    assert response.status_code == 201
    alert: dict[str, Any] = response.get_json()
    ask_members_job(alert["id"])
    return alert


def test_members_are_chosen_by_platform_language_and_comfort(
    app: Flask, api_as: Api, create_member: Any
) -> None:
    create_member(platforms=["tiktok"], languages=["nl"])  # wrong platform
    create_member(platforms=["instagram"], languages=["en"])  # wrong language
    create_member(
        platforms=["instagram"], languages=["nl"], comfortable_actions=["report_authority"]
    )  # not needed here
    fit = create_member(
        platforms=["instagram"], languages=["nl"], comfortable_actions=["report_platform"]
    )
    alert = post_open(api_as, create_member, severity=2, language="nl")
    assert asked(app, alert["id"]) == [(fit.id, "pending")]
    mine = api_as(fit, "GET", "/api/v1/me/asks").get_json()["items"]
    assert [ask["alert_id"] for ask in mine] == [alert["id"]]


def test_the_alerts_team_is_asked_first(app: Flask, api_as: Api, create_member: Any) -> None:
    create_member()  # older member, would come first without the team
    reporter = create_member(trust_level=1)
    team = api_as(reporter, "POST", "/api/v1/teams", json={"name": "4B"}).get_json()
    classmates = [create_member(), create_member()]  # team alerts need three members
    for classmate in classmates:
        api_as(
            classmate,
            "POST",
            f"/api/v1/teams/{team['id']}/members",
            json={"invite_code": team["invite_code"]},
        )
    alert = api_as(
        reporter, "POST", "/api/v1/alerts", json=alert_body(team_id=team["id"], language="en")
    ).get_json()
    ask_members_job(alert["id"])
    first, *_rest = asked(app, alert["id"])
    assert first[0] in {classmate.id for classmate in classmates} and first[1] == "pending"


def test_members_who_allow_no_asks_are_never_asked(
    app: Flask, api_as: Api, create_member: Any
) -> None:
    quiet = create_member(asks_per_week=0)
    alert = post_open(api_as, create_member)
    assert quiet.id not in [member for member, _ in asked(app, alert["id"])]


def test_the_weekly_cap_is_respected(app: Flask, api_as: Api, create_member: Any) -> None:
    once = create_member(asks_per_week=1)
    first = post_open(api_as, create_member)
    assert asked(app, first["id"])[0][0] == once.id
    second = post_open(api_as, create_member)
    assert once.id not in [member for member, _ in asked(app, second["id"])]


def test_declining_moves_the_ask_on(app: Flask, api_as: Api, create_member: Any) -> None:
    first, second = create_member(), create_member()
    alert = post_open(api_as, create_member)
    [(member_id, _)] = asked(app, alert["id"])
    assert member_id == first.id
    ask_id = api_as(first, "GET", "/api/v1/me/asks").get_json()["items"][0]["id"]
    declined = api_as(first, "POST", f"/api/v1/asks/{ask_id}/decline")
    assert declined.status_code == 200 and declined.get_json()["answer"] == "declined"
    assert asked(app, alert["id"]) == [(first.id, "declined"), (second.id, "pending")]
    assert api_as(first, "POST", f"/api/v1/asks/{ask_id}/decline").status_code == 409
    assert api_as(second, "POST", f"/api/v1/asks/{ask_id}/decline").status_code == 404


def test_accepting_claims_an_action(app: Flask, api_as: Api, create_member: Any) -> None:
    helper = create_member()
    alert = post_open(api_as, create_member)
    ask_id = api_as(helper, "GET", "/api/v1/me/asks").get_json()["items"][0]["id"]
    accepted = api_as(
        helper, "POST", f"/api/v1/asks/{ask_id}/accept", json={"type": "support_target_private"}
    )
    assert accepted.status_code == 201 and accepted.get_json()["status"] == "claimed"
    assert asked(app, alert["id"]) == [(helper.id, AskAnswer.ACCEPTED.value)]
    assert api_as(helper, "GET", "/api/v1/me/asks").get_json()["items"] == []


def test_unanswered_asks_expire_and_the_next_member_is_asked(
    app: Flask, api_as: Api, create_member: Any
) -> None:
    from network.tasks.coordination import expire_asks

    first, second = create_member(), create_member()
    alert = post_open(api_as, create_member)
    with app.app_context():
        db.session.execute(sa.update(Ask).values(expires_at=utcnow() - timedelta(minutes=1)))
        db.session.commit()
    with app.test_request_context():
        assert expire_asks.run() == 1
    assert asked(app, alert["id"]) == [(first.id, "expired"), (second.id, "pending")]


def test_the_cap_is_a_preference(api_as: Api, create_member: Any) -> None:
    member = create_member()
    changed = api_as(member, "PATCH", "/api/v1/me", json={"asks_per_week": 1})
    assert changed.status_code == 200 and changed.get_json()["asks_per_week"] == 1
    bad = api_as(member, "PATCH", "/api/v1/me", json={"asks_per_week": -1})
    assert bad.status_code == 422 and "asks_per_week" in bad.get_json()["error"]["fields"]


def test_an_answered_ask_cannot_be_accepted(app: Flask, api_as: Api, create_member: Any) -> None:
    helper = create_member()
    post_open(api_as, create_member)
    ask_id = api_as(helper, "GET", "/api/v1/me/asks").get_json()["items"][0]["id"]
    api_as(helper, "POST", f"/api/v1/asks/{ask_id}/decline")
    late = api_as(
        helper, "POST", f"/api/v1/asks/{ask_id}/accept", json={"type": "support_target_private"}
    )
    assert late.status_code == 409 and late.get_json()["error"]["code"] == "ask_answered"


def test_members_past_the_first_page_are_found_in_order_and_none_is_skipped(
    app: Flask, api_as: Api, create_member: Any
) -> None:
    # The first page holds 10 members, the next ones 50: a member chosen on the first page must
    # not shift the second (the 11th member is suitable too).
    replace_settings(app, asks_per_alert=4)
    fits = [create_member(platforms=["instagram"]).id]
    for _ in range(9):
        create_member(platforms=["tiktok"])
    fits.append(create_member(platforms=["instagram"]).id)
    for _ in range(3):
        create_member(platforms=["tiktok"])
    fits += [create_member(platforms=["instagram"]).id for _ in range(2)]
    alert = post_open(api_as, create_member)
    assert [member for member, _answer in asked(app, alert["id"])] == fits
