"""Demo data for `make run`: an organiser, a few members and a team, with printed logins."""

from __future__ import annotations

from collections.abc import Iterator

import sqlalchemy as sa

from network.accounts import services as accounts
from network.accounts.models import Member, Role
from network.extensions import db
from network.impact.demo import seed_impact_history
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
                verified=True,  # demo addresses receive no real mail; digests go to the outbox
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
        # Three members: team alerts need three, or the others would know who posted one.
        for email in ("noor@example.org", "kai@example.org"):
            teams.join_team(members[email], invite_code=team.invite_code)
    _demo_alerts_and_campaign(members, team)
    if seed_impact_history(DEMO_PASSWORD, team):
        yield "Three months of history (volunteer1..16@example.org) for the impact pages."
    yield f"Demo logins (password for all: {DEMO_PASSWORD}):"
    for email, name, role, _locale in DEMO_PEOPLE:
        yield f"  {email:<24} {role.value:<10} {name}"
    yield f"Demo team 'Class 4B' invite code: {team.invite_code}"
    yield "Demo alerts (one waiting in the review queue) and a live campaign are in place."


def _demo_alerts_and_campaign(members: dict[str, Member], team: Team) -> bool:
    """Add a live campaign and a few alerts, once (skipped when any alert exists)."""
    from datetime import timedelta

    from network.alerts import services as alerts
    from network.alerts.models import Alert
    from network.campaigns import services as campaigns
    from network.db import utcnow

    if db.session.scalar(sa.select(Alert.id).limit(1)) is not None:
        return False
    organiser, sam, noor = (
        members["organiser@example.org"],
        members["sam@example.org"],
        members["noor@example.org"],
    )
    for trusted in (sam, noor):
        trusted.trust_level = 1
    db.session.commit()
    campaign = campaigns.create_campaign(
        organiser,
        campaigns.CampaignDraft(
            title="Not OK (demo)",
            hashtag="DatMeenJeNiet",
            goal=20,
            description="A demo campaign: stand by people who are shamed for how they look.",
            starts_at=utcnow() - timedelta(days=1),
            ends_at=utcnow() + timedelta(days=13),
            focus_categories=["shaming"],
            focus_platforms=["instagram", "tiktok"],
            recommended_actions=["report_platform", "support_target_private"],
        ),
    )
    campaigns.launch_campaign(organiser, campaign.id)
    demo = [
        (
            sam,
            "https://www.instagram.com/p/demo-shaming/",
            "shaming",
            2,
            "Comments mocking a girl's body under her dance video.",
            campaign.id,
            None,
            False,
        ),
        (
            noor,
            "https://www.tiktok.com/@demo/video/1",
            "hate",
            3,
            "A video with racist jokes about a classmate; replies pile on.",
            None,
            team.id,
            True,
        ),
        (
            sam,
            "https://x.com/demo/status/1",
            "threat",
            4,
            "Someone threatens to find a streamer at home.",
            None,
            None,
            False,
        ),
        (
            members["kai@example.org"],
            "https://www.reddit.com/r/demo/comments/1/",
            "exclusion",
            1,
            "A thread shutting one kid out of a group chat.",
            None,
            None,
            False,
        ),
    ]
    for reporter, url, category, severity, summary, campaign_id, team_id, asked in demo:
        alerts.post_alert(
            reporter,
            alerts.AlertDraft(
                url=url,
                category=category,
                severity=severity,
                summary=summary,
                language="en",
                target_requested_help=asked,
                campaign_id=campaign_id,
                team_id=team_id,
            ),
        )
    return True
