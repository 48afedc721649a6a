"""What happened after an action: asked once, at the right time in the member's zone."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
import sqlalchemy as sa
from flask import Flask

from network.coordination.models import Action, ActionStatus
from network.db import utcnow
from network.extensions import db
from network.learning import checkins
from network.learning.models import CheckIn
from network.notices.models import Notice
from network.reach.models import PushSubscription
from network.tasks.learning import push_check_in
from network.tasks.reach import PUSH_TRIES
from network.tasks.reach import notice as push_notice
from tests.conftest import run_job
from tests.harness import embedded_worker, wait_until
from tests.support.push import Browser, Server, subscribe
from tests.world import change_settings

Api = Callable[..., Any]


def done_action(api_as: Api, volunteer: Any, alert_id: int, kind: str) -> dict[str, Any]:
    claimed = api_as(volunteer, "POST", f"/api/v1/alerts/{alert_id}/actions", json={"type": kind})
    assert claimed.status_code == 201, claimed.get_json()
    done = api_as(
        volunteer, "PATCH", f"/api/v1/actions/{claimed.get_json()['id']}", json={"status": "done"}
    )
    assert done.status_code == 200, done.get_json()
    return done.get_json()  # type: ignore[no-any-return]


def check_in_of(app: Flask, action_id: int) -> CheckIn | None:
    with app.app_context():
        return db.session.scalar(sa.select(CheckIn).where(CheckIn.action_id == action_id))


def ask(app: Flask, now: datetime) -> list[int]:
    with app.app_context():
        return checkins.ask_due(now)


def test_a_done_action_is_asked_once_after_checkin_hours_in_the_members_morning(
    app: Flask, api_as: Api, create_member: Any, post_alert: Api
) -> None:
    reporter = create_member(trust_level=1)
    # Auckland: far from the server's UTC clock, so "night" is not the server's night.
    volunteer = create_member(trust_level=2, time_zone="Pacific/Auckland")
    alert = post_alert(reporter, language="en").get_json()
    action = done_action(api_as, volunteer, alert["id"], "report_platform")
    check_in = check_in_of(app, action["id"])
    assert check_in is not None and check_in.asked_at is None
    done_at = datetime.fromisoformat(action["done_at"])
    assert check_in.due_at == done_at + timedelta(hours=24)

    assert ask(app, check_in.due_at - timedelta(minutes=1)) == []
    # 03:00 in Auckland (quiet hours 22:00 to 08:00 by default): not now, the next morning.
    night = datetime(2030, 6, 10, 15, 0, tzinfo=UTC)  # 03:00 NZST (UTC+12) on 11 June
    with app.app_context():
        db.session.execute(sa.update(CheckIn).values(due_at=night - timedelta(hours=1)))
        db.session.commit()
    assert ask(app, night) == []
    assert api_as(volunteer, "GET", "/api/v1/me/check-ins").get_json()["items"] == []
    morning = datetime(2030, 6, 10, 21, 0, tzinfo=UTC)  # 09:00 in Auckland
    assert ask(app, morning) == [check_in.id]
    # Asked once: a second scheduler, or a later run, asks nothing again.
    assert ask(app, morning) == []
    assert ask(app, morning + timedelta(days=1)) == []
    [open_one] = api_as(volunteer, "GET", "/api/v1/me/check-ins").get_json()["items"]
    assert open_one["id"] == check_in.id and open_one["alert_id"] == alert["id"]
    assert open_one["asks_platform_decision"] and open_one["asks_statement_of_reasons"]


def test_released_and_expired_actions_are_never_asked(
    app: Flask, api_as: Api, create_member: Any, post_alert: Api
) -> None:
    reporter, volunteer = create_member(trust_level=1), create_member(trust_level=2)
    alert = post_alert(reporter, language="en").get_json()
    claimed = api_as(
        volunteer,
        "POST",
        f"/api/v1/alerts/{alert['id']}/actions",
        json={"type": "support_target_private"},
    ).get_json()
    api_as(volunteer, "PATCH", f"/api/v1/actions/{claimed['id']}", json={"status": "released"})
    assert check_in_of(app, claimed["id"]) is None
    # Even a check-in row left on an expired action (e.g. written by hand) is never asked.
    expired = api_as(
        volunteer, "POST", f"/api/v1/alerts/{alert['id']}/actions", json={"type": "report_platform"}
    ).get_json()
    with app.app_context():
        action = db.session.get(Action, expired["id"])
        assert action is not None
        action.status, action.ended_at = ActionStatus.EXPIRED, utcnow()
        db.session.add(
            CheckIn(action_id=action.id, member_id=volunteer.id, due_at=utcnow() - timedelta(1))
        )
        db.session.commit()
    noon = datetime(2030, 6, 10, 10, 0, tzinfo=UTC)  # noon in Amsterdam
    assert ask(app, noon) == []
    assert api_as(volunteer, "GET", "/api/v1/me/check-ins").get_json()["items"] == []


def test_the_volunteer_answers_once_with_one_tap(
    app: Flask, api_as: Api, create_member: Any, post_alert: Api
) -> None:
    reporter, volunteer = create_member(trust_level=1), create_member(trust_level=2)
    other = create_member(trust_level=2)
    alert = post_alert(reporter, language="en").get_json()
    action = done_action(api_as, volunteer, alert["id"], "support_target_private")
    check_in = check_in_of(app, action["id"])
    assert check_in is not None
    path = f"/api/v1/check-ins/{check_in.id}"

    assert api_as(other, "POST", path, json={"outcome": "dont_know"}).status_code == 404
    refused = api_as(volunteer, "POST", path, json={"platform_decision": "removed"})
    assert refused.status_code == 422  # not a report
    assert api_as(volunteer, "POST", path, json={"outcome": "shouted"}).status_code == 422
    answered = api_as(volunteer, "POST", path, json={"outcome": "target_positive"})
    assert answered.status_code == 200, answered.get_json()
    assert answered.get_json()["outcome"] == "target_positive"
    again = api_as(volunteer, "POST", path, json={"outcome": "nothing_visible"})
    assert again.status_code == 409 and again.get_json()["error"]["code"] == "answered"
    assert check_in_of(app, action["id"]).outcome == "target_positive"  # type: ignore[union-attr]
    # Answered before it was asked: it is never asked.
    assert ask(app, datetime(2030, 6, 10, 10, 0, tzinfo=UTC)) == []


def test_a_report_answers_the_platform_decision_and_the_statement_of_reasons(
    app: Flask, api_as: Api, create_member: Any, post_alert: Api
) -> None:
    reporter, volunteer = create_member(trust_level=1), create_member(trust_level=2)
    alert = post_alert(reporter, language="en").get_json()
    action = done_action(api_as, volunteer, alert["id"], "report_platform")
    check_in = check_in_of(app, action["id"])
    assert check_in is not None
    answered = api_as(
        volunteer,
        "POST",
        f"/api/v1/check-ins/{check_in.id}",
        json={
            "outcome": "content_removed",
            "platform_decision": "removed",
            "statement_of_reasons": True,
        },
    ).get_json()
    assert (answered["platform_decision"], answered["statement_of_reasons"]) == ("removed", True)


def test_targeted_in_return_reaches_every_organiser_at_once(
    app: Flask,
    api_as: Api,
    create_member: Any,
    post_alert: Api,
    push_service: Server,
    browser: Callable[[], Browser],
) -> None:
    reporter = create_member(trust_level=1)
    volunteer = create_member(trust_level=2, display_name="Quiet Helper")
    organisers = [create_member(role="organiser"), create_member(role="admin")]
    phone = browser()
    subscribed = subscribe(api_as, organisers[0], phone, f"{push_service.origin}/push/organiser")
    assert subscribed.status_code == 201
    alert = post_alert(reporter, language="en").get_json()
    # The alert's asks job pushed its asks (to members with push): only check-ins count here.
    push_service.forget()
    action = done_action(api_as, volunteer, alert["id"], "counter_speech")
    check_in = check_in_of(app, action["id"])
    assert check_in is not None
    answered = api_as(
        volunteer, "POST", f"/api/v1/check-ins/{check_in.id}", json={"outcome": "retaliation"}
    )
    assert answered.status_code == 200

    with app.app_context():
        notices = list(db.session.scalars(sa.select(Notice).where(Notice.kind == "retaliation")))
    assert sorted(n.member_id for n in notices) == sorted(o.id for o in organisers)
    assert {n.alert_id for n in notices} == {alert["id"]} and {n.body for n in notices} == {""}
    for organiser in organisers:
        [item] = api_as(organiser, "GET", "/api/v1/me/notices").get_json()["items"]
        assert item["kind"] == "retaliation" and item["alert_id"] == alert["id"]
    for notice in notices:
        run_job(push_notice, notice.id)
    [pushed] = push_service.requests()
    message = phone.read(pushed.body)
    assert message["path"] == f"/alerts/{alert['id']}"
    assert "targeted in return" in message["body"]
    assert "Quiet Helper" not in str(message) and volunteer.email not in str(message)
    # And on the review pages.
    with app.app_context():
        [report] = checkins.retaliation_reports()
    assert report.alert_id == alert["id"]


@dataclass
class Asked:
    """A volunteer with push whose action's check-in is due and asked (not pushed yet)."""

    volunteer: Any
    phone: Browser
    alert: dict[str, Any]
    check_in_id: int


@pytest.fixture
def asked_with_push(
    app: Flask,
    api_as: Api,
    create_member: Any,
    post_alert: Api,
    push_service: Server,
    browser: Callable[[], Browser],
) -> Callable[[str], Asked]:
    def make(action_type: str) -> Asked:
        reporter, volunteer = create_member(trust_level=1), create_member(trust_level=2)
        phone = browser()
        subscribe(api_as, volunteer, phone, f"{push_service.origin}/push/volunteer")
        alert = post_alert(reporter, language="en").get_json()
        # The alert's asks job pushed its asks (to members with push): only check-ins count here.
        push_service.forget()
        action = done_action(api_as, volunteer, alert["id"], action_type)
        check_in = check_in_of(app, action["id"])
        assert check_in is not None
        assert ask(app, datetime(2030, 6, 10, 10, 0, tzinfo=UTC)) == [check_in.id]
        return Asked(volunteer, phone, alert, check_in.id)

    return make


def test_the_question_is_pushed_to_a_volunteer_with_push(
    push_service: Server, asked_with_push: Callable[[str], Asked]
) -> None:
    asked = asked_with_push("report_platform")
    assert run_job(push_check_in, asked.check_in_id) == [asked.volunteer.id]
    message = asked.phone.read(push_service.requests()[0].body)
    assert message["kind"] == "check_in"
    assert message["path"].startswith(f"/alerts/{asked.alert['id']}")


def test_the_claim_records_the_copied_template_never_its_text(
    app: Flask, api_as: Api, create_member: Any, post_alert: Api
) -> None:
    reporter, volunteer = create_member(trust_level=1), create_member(trust_level=2)
    other = create_member(trust_level=2)
    alert = post_alert(reporter, language="en", category="hate").get_json()
    claimed = api_as(
        volunteer,
        "POST",
        f"/api/v1/alerts/{alert['id']}/actions",
        json={"type": "counter_speech"},
    ).get_json()
    path = f"/api/v1/actions/{claimed['id']}/template"
    chosen = {"template_id": "hate-counter_speech-2", "tone": "opinion"}

    assert api_as(other, "PUT", path, json=chosen).status_code == 404
    wrong = api_as(volunteer, "PUT", path, json={**chosen, "tone": "empathy"})
    assert wrong.status_code == 422
    assert api_as(volunteer, "PUT", path, json={**chosen, "text": "hi"}).status_code == 422
    recorded = api_as(volunteer, "PUT", path, json=chosen)
    assert recorded.status_code == 200, recorded.get_json()
    with app.app_context():
        action = db.session.get(Action, claimed["id"])
        assert action is not None
        assert (action.template_id, action.template_tone) == ("hate-counter_speech-2", "opinion")
    api_as(volunteer, "PATCH", f"/api/v1/actions/{claimed['id']}", json={"status": "released"})
    assert api_as(volunteer, "PUT", path, json=chosen).status_code == 409


@pytest.mark.parametrize(
    ("answers", "tries", "arrives", "kept"),
    [
        ([500], 2, True, True),  # fails for now, arrives at the second try
        ([503, 429, 502], 4, True, True),
        ([500] * (PUSH_TRIES + 3), 1 + PUSH_TRIES, False, True),  # given up after a bound
        ([410], 1, False, False),  # the service forgot the browser: removed, not tried again
        ([404], 1, False, False),
        ([403], 1, False, True),  # refused (not for now): not tried again, kept
    ],
)
def test_a_question_whose_push_fails_for_now_is_tried_again_with_backoff(
    app: Flask,
    push_service: Server,
    asked_with_push: Callable[[str], Asked],
    monkeypatch: pytest.MonkeyPatch,
    answers: list[int],
    tries: int,
    arrives: bool,
    kept: bool,
) -> None:
    asked = asked_with_push("counter_speech")
    push_service.answers = list(answers)
    with app.app_context():  # when the subscription last took a push (the alert's ask)
        before = db.session.scalar(
            sa.select(PushSubscription.last_sent_at).where(
                PushSubscription.member_id == asked.volunteer.id
            )
        )
    # The jobs the task queues run at once, in this process (Celery's eager mode): Celery's own
    # retries run too, without their pauses.
    monkeypatch.setitem(app.extensions["celery"].conf, "task_always_eager", True)

    # The first push failed, so nobody was reached by it; the retries are the worker's.
    assert run_job(push_check_in, asked.check_in_id) == []

    pushed = push_service.requests()
    assert len(pushed) == tries
    # Every try is the same question, sent afresh (encrypted anew).
    messages = [asked.phone.read(request.body) for request in pushed]
    assert {message["tag"] for message in messages} == {f"check-in-{asked.check_in_id}"}
    assert {message["kind"] for message in messages} == {"check_in"}
    with app.app_context():
        subscription = db.session.scalar(
            sa.select(PushSubscription).where(PushSubscription.member_id == asked.volunteer.id)
        )
        assert (subscription is not None) == kept
        if subscription is not None:
            assert (subscription.last_sent_at != before) == arrives


def test_pushes_back_off_exponentially(app: Flask, monkeypatch: pytest.MonkeyPatch) -> None:
    from network.tasks.reach import backoff

    with app.app_context():
        assert [backoff(tries) for tries in range(PUSH_TRIES)] == [30, 60, 120, 240, 480]
        change_settings(monkeypatch, app, push_retry_seconds=2)
        assert [backoff(tries) for tries in range(PUSH_TRIES)] == [2, 4, 8, 16, 32]


@pytest.mark.live
def test_a_worker_tries_a_failed_question_push_again_after_a_pause(
    app: Flask,
    api_as: Api,
    create_member: Any,
    post_alert: Api,
    push_service: Server,
    browser: Callable[[], Browser],
    monkeypatch: pytest.MonkeyPatch,
    tmp_path: Path,
) -> None:
    reporter, volunteer = create_member(trust_level=1), create_member(trust_level=2)
    phone = browser()
    subscribe(api_as, volunteer, phone, f"{push_service.origin}/push/volunteer")
    alert = post_alert(reporter, language="en").get_json()
    # The alert's asks job pushed its asks (to members with push): only check-ins count here.
    push_service.forget()
    action = done_action(api_as, volunteer, alert["id"], "report_platform")
    check_in = check_in_of(app, action["id"])
    assert check_in is not None
    push_service.answers = [500]
    change_settings(monkeypatch, app, push_retry_seconds=1)  # the first pause: one second

    with embedded_worker(app, tmp_path):
        # Asking queues the push after the commit; the worker sends it, meets the 500, and
        # Celery tries again after the pause.
        assert ask(app, datetime(2030, 6, 10, 10, 0, tzinfo=UTC)) == [check_in.id]
        first, second = wait_until(
            lambda: push_service.requests()[1:] and push_service.requests(),
            what="the push and its second try",
        )

        def delivered() -> bool:
            with app.app_context():
                db.session.expire_all()
                sent_at = db.session.scalar(
                    sa.select(PushSubscription.last_sent_at).where(
                        PushSubscription.member_id == volunteer.id
                    )
                )
            return sent_at is not None

        wait_until(delivered, what="the subscription marked as sent to")
    assert phone.read(first.body) == phone.read(second.body)
    assert phone.read(second.body)["tag"] == f"check-in-{check_in.id}"
    assert len(push_service.requests()) == 2
