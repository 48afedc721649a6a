"""Claiming actions over the API: caps, the target's wishes, done, released, expired."""

from __future__ import annotations

from collections.abc import Callable
from datetime import timedelta
from typing import Any

import sqlalchemy as sa
from flask import Flask

from network.coordination.models import Action, ActionStatus
from network.db import utcnow
from network.extensions import db
from network.realtime.models import FeedEvent

Api = Callable[..., Any]


def error_code(response: Any) -> str:
    return str(response.get_json()["error"]["code"])


def test_alert_json_says_what_it_still_needs(
    api_as: Api, open_alert: Any, create_member: Any
) -> None:
    alert = open_alert(severity=2, responder_goal=3)
    needs = alert["needs"]
    assert needs["counter_speech"] == {"wanted": 3, "claimed": 0, "done": 0, "open": 3}
    assert needs["report_platform"]["open"] == 2
    assert needs["report_authority"]["wanted"] == 0


def test_fourth_public_voice_on_a_goal_of_three_gets_409(
    api_as: Api, claim: Api, open_alert: Any, create_member: Any
) -> None:
    alert = open_alert(responder_goal=3)
    voices = [create_member() for _ in range(4)]
    assert claim(voices[0], alert["id"], "counter_speech").status_code == 201
    assert claim(voices[1], alert["id"], "support_target_public").status_code == 201
    assert claim(voices[2], alert["id"], "counter_speech").status_code == 201
    fourth = claim(voices[3], alert["id"], "counter_speech")
    assert fourth.status_code == 409 and error_code(fourth) == "cap_reached"
    assert "3 of 3" in fourth.get_json()["error"]["message"]
    after = api_as(voices[3], "GET", f"/api/v1/alerts/{alert['id']}").get_json()["needs"]
    assert after["counter_speech"]["open"] == 0 and after["counter_speech"]["claimed"] == 2
    assert claim(voices[3], alert["id"], "report_platform").status_code == 201


def test_unwelcome_unneeded_and_duplicate_claims_are_refused(
    claim: Api, open_alert: Any, create_member: Any
) -> None:
    wishes = open_alert(target_requested_help=True, wanted_actions=["support_target_private"])
    member = create_member()
    unwelcome = claim(member, wishes["id"], "counter_speech")
    assert unwelcome.status_code == 409 and error_code(unwelcome) == "not_welcome"
    mild = open_alert(severity=1)
    unneeded = claim(member, mild["id"], "report_platform")
    assert unneeded.status_code == 409 and error_code(unneeded) == "not_needed"
    advised_against = claim(member, mild["id"], "report_authority")
    assert advised_against.status_code == 409
    assert error_code(advised_against) == "against_guidance"
    assert claim(member, mild["id"], "enlist_help").status_code == 201
    again = claim(member, mild["id"], "enlist_help")
    assert again.status_code == 409 and error_code(again) == "already_claimed"
    bad = claim(member, mild["id"], "shout")
    assert bad.status_code == 422 and "type" in bad.get_json()["error"]["fields"]
    assert claim(member, 999999, "enlist_help").status_code == 404


def test_claims_on_pending_alerts_do_not_exist(claim: Api, api_as: Api, create_member: Any) -> None:
    from tests.alerts.conftest import alert_body

    pending = api_as(create_member(), "POST", "/api/v1/alerts", json=alert_body()).get_json()
    assert claim(create_member(), pending["id"], "report_platform").status_code == 404


def test_done_with_a_private_note_and_release_free_or_fill_slots(
    app: Flask, api_as: Api, claim: Api, open_alert: Any, create_member: Any
) -> None:
    alert = open_alert(severity=1)  # one private message to the target wanted
    first, second = create_member(), create_member()
    action = claim(first, alert["id"], "support_target_private").get_json()
    assert action["status"] == "claimed" and action["expires_at"] > action["claimed_at"]
    assert claim(second, alert["id"], "support_target_private").status_code == 409
    released = api_as(
        first, "PATCH", f"/api/v1/actions/{action['id']}", json={"status": "released"}
    )
    assert released.status_code == 200 and released.get_json()["status"] == "released"
    taken = claim(second, alert["id"], "support_target_private").get_json()
    done = api_as(
        second,
        "PATCH",
        f"/api/v1/actions/{taken['id']}",
        json={"status": "done", "note": "She thanked me."},
    )
    assert done.status_code == 200
    assert done.get_json()["note"] == "She thanked me." and done.get_json()["done_at"]
    needs = api_as(first, "GET", f"/api/v1/alerts/{alert['id']}").get_json()["needs"]
    assert needs["support_target_private"] == {"wanted": 1, "claimed": 0, "done": 1, "open": 0}
    assert (
        api_as(
            first, "PATCH", f"/api/v1/actions/{taken['id']}", json={"status": "done"}
        ).status_code
        == 404
    ), "not your action"
    closed = api_as(second, "PATCH", f"/api/v1/actions/{taken['id']}", json={"status": "released"})
    assert closed.status_code == 409
    listing = api_as(first, "GET", f"/api/v1/alerts/{alert['id']}/actions").get_json()
    assert [item["status"] for item in listing["items"]] == ["done"]
    assert "She thanked me." not in str(listing), "notes stay private"


def test_anonymous_volunteers_stay_a_member_everywhere(
    app: Flask, api_as: Api, claim: Api, open_alert: Any, create_member: Any
) -> None:
    alert = open_alert()
    shy = create_member(display_name="Shy Volunteer")
    claim(shy, alert["id"], "report_platform", anonymous=True)
    listing = api_as(create_member(), "GET", f"/api/v1/alerts/{alert['id']}/actions").get_json()
    assert listing["items"][0]["volunteer"] is None
    with app.app_context():
        events = db.session.scalars(sa.select(FeedEvent)).all()
    assert events and all("Shy Volunteer" not in str(event.payload) for event in events)


def test_expired_claims_free_their_slot_and_the_feed_is_told(
    app: Flask, api_as: Api, claim: Api, open_alert: Any, create_member: Any
) -> None:
    from network.tasks.coordination import expire_claims

    alert = open_alert(severity=1)
    late, next_one = create_member(), create_member()
    action = claim(late, alert["id"], "support_target_private").get_json()
    with app.app_context():
        row = db.session.get(Action, action["id"])
        assert row is not None
        row.expires_at = utcnow() - timedelta(minutes=1)
        db.session.commit()
        before = db.session.scalar(sa.select(sa.func.max(FeedEvent.id))) or 0
    with app.test_request_context():
        assert expire_claims.run() == 1
    with app.app_context():
        assert db.session.get(Action, action["id"]).status == ActionStatus.EXPIRED  # type: ignore[union-attr]
        told = db.session.scalars(
            sa.select(FeedEvent).where(FeedEvent.id > before).order_by(FeedEvent.id)
        ).all()
    assert [event.event for event in told] == ["action.updated", "alert.updated"]
    assert told[0].payload["action"]["status"] == "expired"
    assert told[1].payload["alert"]["needs"]["support_target_private"]["open"] == 1
    assert claim(next_one, alert["id"], "support_target_private").status_code == 201
    late_done = api_as(late, "PATCH", f"/api/v1/actions/{action['id']}", json={"status": "done"})
    assert late_done.status_code == 409


def test_a_claims_answer_is_the_action_as_the_schema_writes_it(
    app: Flask, claim: Api, open_alert: Any, create_member: Any
) -> None:
    from network.coordination.schemas import ActionOut

    alert = open_alert(severity=2)
    answer = claim(create_member(), alert["id"], "report_platform", anonymous=True)
    assert answer.status_code == 201 and answer.mimetype == "application/json"
    with app.app_context():
        row = db.session.get(Action, answer.get_json()["id"])
        assert row is not None
        assert answer.get_json() == ActionOut.of(row).model_dump(mode="json")
    assert answer.get_json()["anonymous"] is True and answer.get_json()["status"] == "claimed"


def test_a_refused_claim_leaves_the_members_expired_claim_ask_and_the_alert_alone(
    app: Flask, claim: Api, open_alert: Any, create_member: Any
) -> None:
    from network.alerts.models import Alert
    from network.coordination.models import Ask, AskAnswer

    alert = open_alert(severity=2)  # wants two platform reports
    late, first, second = create_member(), create_member(), create_member()
    old = claim(late, alert["id"], "report_platform").get_json()
    _expire_and_ask(app, old["id"], alert["id"], late.id)
    assert claim(first, alert["id"], "report_platform").status_code == 201
    assert claim(second, alert["id"], "report_platform").status_code == 201
    with app.app_context():
        before = db.session.scalar(sa.select(sa.func.max(FeedEvent.id)))
        touched = db.session.get(Alert, alert["id"]).last_activity_at  # type: ignore[union-attr]
    refused = claim(late, alert["id"], "report_platform")
    assert refused.status_code == 409 and error_code(refused) == "cap_reached"
    with app.app_context():
        assert db.session.get(Action, old["id"]).status == ActionStatus.CLAIMED  # type: ignore[union-attr]
        ask = db.session.scalar(sa.select(Ask).where(Ask.member_id == late.id))
        assert ask is not None and ask.answer == AskAnswer.PENDING
        assert db.session.get(Alert, alert["id"]).last_activity_at == touched  # type: ignore[union-attr]
        assert db.session.scalar(sa.select(sa.func.max(FeedEvent.id))) == before


def test_a_claim_retires_the_members_expired_claim_and_accepts_their_ask(
    app: Flask, claim: Api, open_alert: Any, create_member: Any
) -> None:
    from network.alerts.models import Alert
    from network.coordination.models import Ask, AskAnswer

    alert = open_alert(severity=2)
    member = create_member()
    old = claim(member, alert["id"], "report_platform").get_json()
    _expire_and_ask(app, old["id"], alert["id"], member.id)
    again = claim(member, alert["id"], "report_platform")
    assert again.status_code == 201
    with app.app_context():
        assert db.session.get(Action, old["id"]).status == ActionStatus.EXPIRED  # type: ignore[union-attr]
        ask = db.session.scalar(sa.select(Ask).where(Ask.member_id == member.id))
        assert ask is not None and ask.answer == AskAnswer.ACCEPTED
        fresh = db.session.get(Alert, alert["id"])
        assert fresh is not None and fresh.first_claim_at is not None
        assert fresh.last_activity_at.isoformat().startswith(again.get_json()["claimed_at"][:19])


def test_a_claims_statements_do_not_grow_and_a_refusal_never_writes(
    app: Flask, client: Any, open_alert: Any, create_member_with_token: Any
) -> None:
    def statements_of(alert_id: int, expected: int) -> list[str]:
        _member, token = create_member_with_token()
        seen: list[str] = []

        def record(_conn: Any, _cursor: Any, statement: str, *_args: Any) -> None:
            verb = statement.split(None, 1)[0].upper()
            if "FOR UPDATE" in statement.upper():
                verb = "LOCK"
            if verb not in {"SAVEPOINT", "RELEASE", "ROLLBACK"}:  # the test's own transaction
                seen.append(verb)

        engine = db.engine_for(app)
        sa.event.listen(engine, "before_cursor_execute", record)
        try:
            answer = client.post(
                f"/api/v1/alerts/{alert_id}/actions",
                json={"type": "counter_speech"},
                headers={"Authorization": f"Bearer {token}"},
            )
            assert answer.status_code == expected
        finally:
            sa.event.remove(engine, "before_cursor_execute", record)
        return seen

    quiet, busy = open_alert(responder_goal=10), open_alert(responder_goal=3)
    first = statements_of(quiet["id"], 201)
    for _ in range(8):
        statements_of(quiet["id"], 201)
    for _ in range(3):
        statements_of(busy["id"], 201)
    assert statements_of(quiet["id"], 201) == first
    # A claim the rules refuse reads, and neither locks nor writes anything.
    refused = statements_of(busy["id"], 409)
    assert refused and set(refused) == {"SELECT"}, refused


def _expire_and_ask(app: Flask, action_id: int, alert_id: int, member_id: int) -> None:
    """Let the member's claim expire and leave them the alert's one pending ask."""
    from network.coordination.models import Ask

    with app.app_context():
        row = db.session.get(Action, action_id)
        assert row is not None
        row.expires_at = utcnow() - timedelta(minutes=1)
        db.session.execute(sa.delete(Ask).where(Ask.alert_id == alert_id))
        db.session.add(
            Ask(alert_id=alert_id, member_id=member_id, expires_at=utcnow() + timedelta(hours=1))
        )
        db.session.commit()
