"""Team alerts need three members: in a smaller team the others would know who posted."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest
from flask.testing import FlaskClient

Api = Callable[..., Any]


def team_of(api_as: Api, create_member: Any, size: int) -> tuple[Any, dict[str, Any]]:
    """Create a team of `size` members; return its founder and the team."""
    founder = create_member(trust_level=1)
    team = api_as(founder, "POST", "/api/v1/teams", json={"name": f"Team of {size}"}).get_json()
    for _ in range(size - 1):
        joined = api_as(
            create_member(),
            "POST",
            f"/api/v1/teams/{team['id']}/members",
            json={"invite_code": team["invite_code"]},
        )
        assert joined.status_code in (200, 201)
    return founder, team


@pytest.mark.parametrize(("size", "allowed"), [(1, False), (2, False), (3, True), (5, True)])
def test_team_alerts_need_a_team_of_three(
    api_as: Api, post_alert: Api, create_member: Any, size: int, allowed: bool
) -> None:
    founder, team = team_of(api_as, create_member, size)
    answer = post_alert(founder, team_id=team["id"])
    if allowed:
        assert answer.status_code == 201 and answer.get_json()["team_id"] == team["id"]
    else:
        assert answer.status_code == 422
        problem = answer.get_json()["error"]["fields"]["team_id"]
        assert "at least 3 members" in problem


def test_the_form_says_so_before_posting(
    client: FlaskClient, api_as: Api, create_member: Any, log_in: Any, submit: Any
) -> None:
    founder, team = team_of(api_as, create_member, 2)
    log_in(founder)
    form = client.get("/alerts/new").get_data(as_text=True)
    assert "Team of 2 (too small for team alerts)" in form
    assert "Only teams of at least three members can have team alerts" in form
    answer = submit(
        "/alerts/new",
        {
            "url": "https://www.instagram.com/p/small-team/",
            "category": "hate",
            "severity": "2",
            "summary": "Comments mocking a boy for his accent.",
            "language": "en",
            "responder_goal": "3",
            "team_id": str(team["id"]),
        },
    )
    assert answer.status_code == 200
    assert "at least 3 members" in answer.get_data(as_text=True)


def test_the_form_counts_every_teams_members_in_one_query(
    app: Any, client: FlaskClient, api_as: Api, create_member: Any, log_in: Any
) -> None:
    import sqlalchemy as sa

    from network.extensions import db

    member = create_member(trust_level=1)

    def join(size: int) -> None:
        _founder, team = team_of(api_as, create_member, size)
        joined = api_as(
            member,
            "POST",
            f"/api/v1/teams/{team['id']}/members",
            json={"invite_code": team["invite_code"]},
        )
        assert joined.status_code in (200, 201)

    def statements_of_the_form() -> tuple[int, str]:
        sent: list[str] = []

        def record(_conn: Any, _cursor: Any, statement: str, *_args: Any) -> None:
            sent.append(statement)

        engine = db.engine_for(app)
        sa.event.listen(engine, "before_cursor_execute", record)
        try:
            form = client.get("/alerts/new").get_data(as_text=True)
        finally:
            sa.event.remove(engine, "before_cursor_execute", record)
        return len(sent), form

    join(1)
    log_in(member)
    statements_of_the_form()  # the first page of a session loads what every page needs
    with_one_team, _form = statements_of_the_form()
    for size in (1, 2, 3, 4, 5):
        join(size)
    with_six_teams, form = statements_of_the_form()

    assert with_six_teams == with_one_team
    # Sizes counted right: the member makes each team one bigger.
    assert form.count("(too small for team alerts)") == 2  # the two teams of two
