"""Demo data for `make run`: an organiser, a few members and a team, with printed logins."""

from __future__ import annotations

from collections.abc import Iterator

import sqlalchemy as sa

from network.accounts import services as accounts
from network.accounts.models import Member, Role
from network.extensions import db
from network.teams import services as teams
from network.teams.models import Team

DEMO_PASSWORD = "upstander-demo-2026"  # noqa: S105 (printed demo login)
DEMO_PEOPLE = [
    ("organiser@example.org", "Olga (organiser)", Role.ORGANISER, "en"),
    ("admin@example.org", "Ad (admin)", Role.ADMIN, "nl"),
    ("sam@example.org", "Sam", Role.MEMBER, "en"),
    ("noor@example.org", "Noor", Role.MEMBER, "nl"),
    ("kai@example.org", "Kai", Role.MEMBER, "en"),
]


def seed_demo_data() -> Iterator[str]:
    """Create the demo accounts and team if missing; yield what to print."""
    members: dict[str, Member] = {}
    for email, name, role, locale in DEMO_PEOPLE:
        member = db.session.scalar(sa.select(Member).where(Member.email == email))
        if member is None:
            member = accounts.sign_up(
                email=email,
                password=DEMO_PASSWORD,
                display_name=name,
                locale=locale,
                time_zone="Europe/Amsterdam",
                pledge_accepted=True,
                role=role,
            )
            accounts.update_preferences(
                member,
                platforms=["instagram", "tiktok", "x"],
                languages=["nl", "en"],
                comfortable_actions=["report_platform", "support_target_private", "counter_speech"],
            )
        members[email] = member
    # Only the demo's own team: a member's team of the same name keeps its invite code secret.
    team = db.session.scalar(
        sa.select(Team).where(
            Team.name == "Class 4B", Team.created_by_id == members["sam@example.org"].id
        )
    )
    if team is None:
        team = teams.create_team(
            members["sam@example.org"],
            name="Class 4B",
            description="Demo team: a school class looking out for each other.",
        )
        teams.join_team(members["noor@example.org"], invite_code=team.invite_code)
    yield f"Demo logins (password for all: {DEMO_PASSWORD}):"
    for email, name, role, _locale in DEMO_PEOPLE:
        yield f"  {email:<24} {role.value:<10} {name}"
    yield f"Demo team 'Class 4B' invite code: {team.invite_code}"
