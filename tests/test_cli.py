"""The command line: create organisers and admins, seed the demo data."""

from __future__ import annotations

from typing import Any

import pytest
import sqlalchemy as sa
from flask import Flask
from flask.testing import FlaskClient

from network.accounts.models import Member, Role
from network.demo import DEMO_PASSWORD, DEMO_PEOPLE, DEMO_READERS
from network.extensions import db
from network.impact.demo import VOLUNTEERS
from network.settings import replace_settings
from network.teams.models import Team, TeamMembership


def run(app: Flask, *args: str, **kwargs: Any) -> Any:
    return app.test_cli_runner().invoke(args=list(args), **kwargs)


def stored(app: Flask, email: str) -> Member | None:
    with app.app_context():
        member = db.session.scalar(sa.select(Member).where(Member.email == email))
        if member is not None:
            db.session.expunge(member)
        return member


def counts(app: Flask) -> tuple[int, int, int]:
    with app.app_context():
        return tuple(  # type: ignore[return-value]
            db.session.scalar(sa.select(sa.func.count()).select_from(model)) or 0
            for model in (Member, Team, TeamMembership)
        )


@pytest.mark.parametrize("role", ["organiser", "admin"])
def test_create_staff_makes_a_trusted_staff_account_that_can_log_in(
    app: Flask, submit: Any, client: FlaskClient, role: str
) -> None:
    result = run(
        app,
        "create-staff",
        "--email",
        "Olga@Example.org",
        "--name",
        "Olga",
        "--role",
        role,
        "--password",
        "organise the upstanders",
    )
    assert result.exit_code == 0, result.output
    assert f"Created {role} olga@example.org" in result.output
    member = stored(app, "olga@example.org")
    assert member is not None
    assert member.role == Role(role) and member.is_organiser
    assert member.display_name == "Olga"
    assert member.trust_level == 3, "staff start fully trusted"
    assert member.pledge_accepted_at is not None
    login = submit("/login", {"email": "olga@example.org", "password": "organise the upstanders"})
    assert login.status_code == 302


def test_create_staff_is_an_organiser_by_default_and_asks_for_the_password_twice(
    app: Flask,
) -> None:
    result = run(
        app,
        "create-staff",
        "--email",
        "ad@example.org",
        "--name",
        "Ad",
        input="organise the upstanders\norganise the upstanders\n",
    )
    assert result.exit_code == 0, result.output
    assert "Repeat for confirmation" in result.output
    member = stored(app, "ad@example.org")
    assert member is not None and member.role == Role.ORGANISER


@pytest.mark.parametrize(
    ("password", "problem"),
    [("qwertyuiop", "too common"), ("short", "at least 10 characters")],
)
def test_create_staff_refuses_a_weak_password_with_a_clear_message(
    app: Flask, password: str, problem: str
) -> None:
    result = run(
        app, "create-staff", "--email", "olga@example.org", "--name", "Olga", "--password", password
    )
    assert result.exit_code != 0
    assert "Error:" in result.output and "password" in result.output
    assert problem in result.output.lower()
    assert "Traceback" not in result.output
    assert stored(app, "olga@example.org") is None


def test_create_staff_refuses_a_taken_email(app: Flask, create_member: Any) -> None:
    create_member(email="sam@example.org")
    result = run(
        app,
        "create-staff",
        "--email",
        "SAM@example.org",
        "--name",
        "Sam",
        "--password",
        "organise the upstanders",
    )
    assert result.exit_code != 0
    assert "already" in result.output and "Traceback" not in result.output
    member = stored(app, "sam@example.org")
    assert member is not None and member.role == Role.MEMBER, "the member was not promoted"


def test_create_staff_refuses_an_unknown_role(app: Flask) -> None:
    result = run(
        app,
        "create-staff",
        "--email",
        "x@example.org",
        "--name",
        "X",
        "--role",
        "member",
        "--password",
        "organise the upstanders",
    )
    assert result.exit_code == 2
    assert stored(app, "x@example.org") is None


def test_seed_prints_the_demo_logins_that_work(app: Flask, submit: Any) -> None:
    result = run(app, "seed")
    assert result.exit_code == 0, result.output
    assert DEMO_PASSWORD in result.output
    for email, name, role, _locale in DEMO_PEOPLE:
        line = next(line for line in result.output.splitlines() if email in line)
        assert role.value in line and name in line
    with app.app_context():
        team = db.session.scalar(sa.select(Team).where(Team.name == "Class 4B"))
        assert team is not None
        assert f"invite code: {team.invite_code}" in result.output
        members = db.session.scalars(
            sa.select(Member.email)
            .join(TeamMembership, TeamMembership.member_id == Member.id)
            .where(TeamMembership.team_id == team.id)
        ).all()
    # The demo people, and six of the impact pages' history volunteers.
    people = sorted(email for email in members if not email.startswith("volunteer"))
    assert people == ["kai@example.org", "noor@example.org", "sam@example.org"]
    assert len(members) == 3 + 6
    organiser = stored(app, "organiser@example.org")
    assert organiser is not None and organiser.is_organiser and organiser.trust_level == 3
    login = submit("/login", {"email": "sam@example.org", "password": DEMO_PASSWORD})
    assert login.status_code == 302


def test_seed_twice_changes_nothing_and_prints_the_same(app: Flask) -> None:
    first = run(app, "seed")
    after_first = counts(app)
    second = run(app, "seed")
    assert second.exit_code == 0, second.output
    assert counts(app) == after_first == (len(DEMO_PEOPLE) + DEMO_READERS + VOLUNTEERS, 1, 3 + 6)
    assert second.output == first.output


def test_seed_leaves_a_members_team_of_the_same_name_alone(
    app: Flask, api_as: Any, create_member: Any
) -> None:
    stranger = create_member()
    theirs = api_as(stranger, "POST", "/api/v1/teams", json={"name": "Class 4B"}).get_json()
    result = run(app, "seed")
    assert result.exit_code == 0, result.output
    assert theirs["invite_code"] not in result.output, "a real team's code is never printed"
    with app.app_context():
        same_name = sa.select(sa.func.count()).select_from(Team).where(Team.name == "Class 4B")
        assert db.session.scalar(same_name) == 2


def test_seed_refuses_to_publish_demo_logins_in_production(app: Flask) -> None:
    replace_settings(app, environment="production")
    try:
        result = run(app, "seed")
    finally:
        replace_settings(app, environment="test")
    assert result.exit_code != 0
    assert "production" in result.output
    assert counts(app) == (0, 0, 0)
