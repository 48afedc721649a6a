"""Public voices are distinct people: one member fills at most one public slot per alert."""

from __future__ import annotations

import threading
from collections.abc import Callable
from datetime import timedelta
from typing import Any

import pytest
import sqlalchemy as sa
from flask import Flask
from flask.testing import FlaskClient

from network.coordination.models import Action, ActionStatus
from network.db import utcnow
from network.extensions import db
from tests.alerts.conftest import alert_body
from tests.coordination.test_feed_page import card_in, page_of, texts
from tests.harness import free_port, live_server, post_json, wait_until

Api = Callable[..., Any]
PUBLIC = ("counter_speech", "support_target_public")


def error_of(response: Any) -> dict[str, Any]:
    body: dict[str, Any] = response.get_json()["error"]
    return body


@pytest.mark.parametrize(("first", "second"), [PUBLIC, tuple(reversed(PUBLIC))])
def test_a_member_fills_one_public_slot_per_alert_whichever_form(
    api_as: Api, claim: Api, open_alert: Any, create_member: Any, first: str, second: str
) -> None:
    alert = open_alert(category="hate", severity=2, responder_goal=3)
    member = create_member()
    taken = claim(member, alert["id"], first)
    assert taken.status_code == 201
    refused = claim(member, alert["id"], second)
    assert refused.status_code == 409
    error = error_of(refused)
    assert error["code"] == "public_voice_taken" and error["fields"] == {}
    assert "different voices" in error["message"]
    # Other ways to help stay open, and the slot is still there for someone else.
    assert claim(member, alert["id"], "report_platform").status_code == 201
    assert claim(create_member(), alert["id"], second).status_code == 201
    needs = api_as(member, "GET", f"/api/v1/alerts/{alert['id']}").get_json()["needs"]
    assert needs[second]["open"] == 1
    # Done still counts as the member's voice; released frees it for the other form.
    done = api_as(member, "PATCH", f"/api/v1/actions/{taken.json['id']}", json={"status": "done"})
    assert done.status_code == 200
    assert error_of(claim(member, alert["id"], second))["code"] == "public_voice_taken"


def test_releasing_a_public_voice_lets_the_member_take_the_other_form(
    api_as: Api, claim: Api, open_alert: Any, create_member: Any
) -> None:
    alert = open_alert(severity=1)
    member = create_member()
    reply = claim(member, alert["id"], "counter_speech").get_json()
    released = api_as(
        member, "PATCH", f"/api/v1/actions/{reply['id']}", json={"status": "released"}
    )
    assert released.status_code == 200
    assert claim(member, alert["id"], "support_target_public").status_code == 201


def test_an_expired_public_claim_does_not_block_the_other_form(
    app: Flask, claim: Api, open_alert: Any, create_member: Any
) -> None:
    alert = open_alert(severity=1)
    member = create_member()
    late = claim(member, alert["id"], "counter_speech").get_json()
    with app.app_context():
        db.session.execute(
            sa.update(Action)
            .where(Action.id == late["id"])
            .values(expires_at=utcnow() - timedelta(minutes=1))
        )
        db.session.commit()
    # The expiry job has not run: the claim still says "claimed", but its time is up.
    assert claim(member, alert["id"], "support_target_public").status_code == 201
    with app.app_context():
        assert db.session.get(Action, late["id"]).status == ActionStatus.EXPIRED  # type: ignore[union-attr]


def test_the_feed_offers_no_second_public_form_and_explains_a_refusal(
    client: FlaskClient, submit: Any, create_member: Any, log_in: Any, open_alert: Any
) -> None:
    alert = open_alert(severity=2, responder_goal=3)
    log_in(create_member())
    response = submit(
        "/feed/",
        {"type": "counter_speech"},
        action=f"/feed/alerts/{alert['id']}/claim",
        follow_redirects=True,
    )
    card = texts(card_in(response.get_data(as_text=True), alert["id"]))
    assert "You took on: Respectful public reply" in card
    assert "Claim: Stand by the target in public" not in card
    assert "Claim: Report to the platform" in card
    response = submit(
        "/feed/",
        {"type": "support_target_public"},
        action=f"/feed/alerts/{alert['id']}/claim",
        follow_redirects=True,
    )
    page = response.get_data(as_text=True)
    assert 'class="flash flash-error">You already are one of this alert' in page
    assert "1 of 3 public voices reached" in texts(card_in(page_of(client), alert["id"]))


@pytest.mark.live
def test_simultaneous_claims_give_each_member_one_public_slot(
    app: Flask, create_member: Callable[..., Any], create_token: Callable[..., str]
) -> None:
    reporter = create_member(trust_level=1)
    members = [create_member() for _ in range(4)]
    tokens = {member.id: create_token(member) for member in members}
    attempts = [(member.id, kind) for member in members for kind in PUBLIC * 3]
    start = threading.Barrier(len(attempts))
    answers: list[tuple[int, int, Any]] = []
    lock = threading.Lock()

    with live_server(app, free_port()) as origin:
        status, alert = post_json(
            origin, "/api/v1/alerts", create_token(reporter), alert_body(responder_goal=10)
        )
        assert status == 201, alert

        def claim(member_id: int, kind: str) -> None:
            start.wait()
            status, body = post_json(
                origin, f"/api/v1/alerts/{alert['id']}/actions", tokens[member_id], {"type": kind}
            )
            with lock:
                answers.append((member_id, status, body))

        threads = [threading.Thread(target=claim, args=attempt) for attempt in attempts]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join(timeout=120)

    assert len(answers) == len(attempts)
    for member in members:
        mine = [(status, body) for member_id, status, body in answers if member_id == member.id]
        assert sorted(status for status, _ in mine) == [201] + [409] * 5, mine
        codes = {body["error"]["code"] for status, body in mine if status == 409}
        assert codes <= {"already_claimed", "public_voice_taken"}, codes
        assert "public_voice_taken" in codes
    with app.app_context():
        voices = db.session.execute(
            sa.select(Action.member_id, sa.func.count())
            .where(Action.alert_id == alert["id"], Action.status == ActionStatus.CLAIMED)
            .group_by(Action.member_id)
        ).all()
    assert sorted(voices) == sorted((member.id, 1) for member in members)


@pytest.mark.live
def test_a_claim_that_races_past_the_checks_is_refused_by_the_index_with_a_clear_error(
    app: Flask,
    backend: str,
    create_member: Callable[..., Any],
    create_token: Callable[..., str],
) -> None:
    """Another writer's public voice for the same member, not yet committed when the claim is
    checked: the unique index decides, and the member gets the same clear refusal."""
    if backend != "postgresql":
        pytest.skip("SQLite has one writer at a time: a claim never runs beside another write")
    reporter, member = create_member(trust_level=1), create_member()
    token = create_token(member)
    engine = db.engine_for(app)
    answers: list[tuple[int, Any]] = []

    with live_server(app, free_port()) as origin:
        status, alert = post_json(origin, "/api/v1/alerts", create_token(reporter), alert_body())
        assert status == 201, alert
        with engine.connect() as other:
            writer = other.begin()
            # Without the foreign-key trigger the other writer holds no lock on the alert, so
            # the claim passes the alert lock and its checks, and meets the row at the index.
            other.exec_driver_sql("SET LOCAL session_replication_role = replica")
            now = utcnow()
            other.execute(
                sa.insert(Action).values(
                    alert_id=alert["id"],
                    member_id=member.id,
                    type="counter_speech",
                    status="claimed",
                    anonymous=False,
                    claimed_at=now,
                    expires_at=now + timedelta(hours=1),
                )
            )

            def claim() -> None:
                answers.append(
                    post_json(
                        origin,
                        f"/api/v1/alerts/{alert['id']}/actions",
                        token,
                        {"type": "support_target_public"},
                    )
                )

            thread = threading.Thread(target=claim)
            thread.start()

            def claim_waits_at_the_index() -> bool:
                with engine.connect() as probe:
                    waiting = probe.exec_driver_sql(
                        "SELECT count(*) FROM pg_stat_activity "
                        "WHERE wait_event_type = 'Lock' AND query ILIKE 'INSERT INTO action%%'"
                    ).scalar()
                return bool(waiting)

            wait_until(claim_waits_at_the_index, what="the claim to wait at the unique index")
            writer.commit()
            thread.join(timeout=60)

    [(status, body)] = answers
    assert status == 409, body
    assert body["error"]["code"] == "public_voice_taken"
    with app.app_context():
        kinds = db.session.scalars(
            sa.select(Action.type).where(Action.alert_id == alert["id"])
        ).all()
    assert kinds == ["counter_speech"]
