"""Practice: made-up scenarios, answers stored and compared with the guide, agreement on profile."""

from __future__ import annotations

from typing import Any

import sqlalchemy as sa
from flask import Flask
from flask.testing import FlaskClient

from network.accounts.models import Member
from network.extensions import db
from network.guidance import queries, services
from network.guidance.models import PracticeAnswer
from network.guidance.scenarios import scenario, scenarios
from network.vocabulary import ActionType
from tests.conftest import MemberHandle


def answers_of(app: Flask, member: MemberHandle) -> list[PracticeAnswer]:
    with app.app_context():
        return list(
            db.session.scalars(
                sa.select(PracticeAnswer)
                .where(PracticeAnswer.member_id == member.id)
                .order_by(PracticeAnswer.id)
            )
        )


def answer(app: Flask, member: MemberHandle, code: str, *, agree: bool) -> None:
    """Answer a scenario directly through the service, agreeing with the guide or not."""
    with app.test_request_context():
        found = scenario(code)
        assert found is not None
        severity = found.severity if agree else found.severity % 4 + 1
        services.answer_scenario(
            db.session.get_one(Member, member.id),
            code,
            severity=severity,
            action_type=found.actions[0].value,
        )


def test_there_are_at_least_six_made_up_scenarios_covering_every_severity(app: Flask) -> None:
    with app.test_request_context():
        found = scenarios()
    assert len(found) >= 6
    assert len({item.code for item in found}) == len(found)
    assert {item.severity for item in found} == {1, 2, 3, 4}
    for item in found:
        assert len(item.code) <= 40 and item.situation and item.why_actions and item.avoid
        assert item.actions and 1 <= item.severity <= 4


def test_practice_pages_need_login(client: FlaskClient) -> None:
    code = "food-vlog-remark"
    for path in ("/practice/", f"/practice/{code}", f"/practice/{code}/answers/1"):
        response = client.get(path)
        assert response.status_code == 302 and "/login" in response.headers["Location"]


def test_an_answer_is_stored_compared_and_explained(
    app: Flask, client: FlaskClient, create_member: Any, log_in: Any, submit: Any
) -> None:
    member = create_member()
    log_in(member)
    response = submit(
        "/practice/address-posted", {"severity": "4", "action_type": "report_authority"}
    )
    assert response.status_code == 302
    [stored] = answers_of(app, member)
    assert (stored.scenario_code, stored.severity, stored.action_type, stored.agreed) == (
        "address-posted",
        4,
        ActionType.REPORT_AUTHORITY,
        True,
    )
    assert stored.created_at is not None
    result = client.get(response.headers["Location"]).get_data(as_text=True)
    assert "You agreed with the guide" in result
    assert "Dangerous (4): private details shared with a call to act on them." in result


def test_a_different_judgement_is_stored_as_not_agreed(
    app: Flask, client: FlaskClient, create_member: Any, log_in: Any, submit: Any
) -> None:
    member = create_member()
    log_in(member)
    response = submit(
        "/practice/address-posted", {"severity": "4", "action_type": "counter_speech"}
    )
    [stored] = answers_of(app, member)
    assert stored.agreed is False
    result = client.get(response.headers["Location"]).get_data(as_text=True)
    assert "The guide sees it differently" in result
    assert "every reply spreads the address further" in result


def test_an_answer_without_a_choice_is_refused(
    app: Flask, create_member: Any, log_in: Any, submit: Any
) -> None:
    member = create_member()
    log_in(member)
    response = submit("/practice/address-posted", {"severity": "4"})
    assert response.status_code == 200
    assert "Choose what you would do." in response.get_data(as_text=True)
    assert answers_of(app, member) == []


def test_unknown_scenarios_and_other_members_answers_do_not_exist(
    app: Flask, client: FlaskClient, create_member: Any, log_in: Any
) -> None:
    someone = create_member()
    answer(app, someone, "stream-chat-threat", agree=True)
    [theirs] = answers_of(app, someone)
    log_in(create_member())
    assert client.get("/practice/no-such-scenario").status_code == 404
    assert client.get(f"/practice/stream-chat-threat/answers/{theirs.id}").status_code == 404


def test_agreement_is_counted_overall_and_over_the_last_five(
    app: Flask, create_member: Any
) -> None:
    member = create_member()
    codes = [item.code for item in scenarios_in(app)]
    # Two early disagreements, then five agreements: the member is learning.
    answer(app, member, codes[0], agree=False)
    answer(app, member, codes[1], agree=False)
    for code in codes[:5]:
        answer(app, member, code, agree=True)
    with app.test_request_context():
        record = queries.practice_record(db.session.get_one(Member, member.id))
    assert record == queries.PracticeRecord(total=7, agreed=5, recent=5, recent_agreed=5)


def scenarios_in(app: Flask) -> list[Any]:
    with app.test_request_context():
        return scenarios()


def test_profile_shows_the_agreement_with_the_guide(
    app: Flask, client: FlaskClient, create_member: Any, log_in: Any
) -> None:
    member = create_member()
    log_in(member)
    assert "You have not practised yet." in client.get("/profile").get_data(as_text=True)
    codes = [item.code for item in scenarios_in(app)]
    for number, code in enumerate(codes[:7]):
        answer(app, member, code, agree=number != 0)
    profile = client.get("/profile").get_data(as_text=True)
    assert "You agreed with the guide on 6 of 7 practice answers." in profile
    assert "In your last 5 answers: 5 of 5." in profile


def test_practice_index_shows_the_latest_answer_per_scenario(
    app: Flask, client: FlaskClient, create_member: Any, log_in: Any
) -> None:
    member = create_member()
    log_in(member)
    answer(app, member, "food-vlog-remark", agree=False)
    answer(app, member, "food-vlog-remark", agree=True)
    html = client.get("/practice/").get_data(as_text=True)
    assert "Last time you agreed with the guide." in html
    assert "You agreed with the guide on 1 of 2 practice answers." in html
