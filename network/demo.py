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
    seed_experiment()
    seed_impact_history(DEMO_PASSWORD, team)  # once: a second seed finds it there
    yield "Three months of history (volunteer1..16@example.org) for the impact pages."
    yield f"Demo logins (password for all: {DEMO_PASSWORD}):"
    for email, name, role, _locale in DEMO_PEOPLE:
        yield f"  {email:<24} {role.value:<10} {name}"
    yield f"Demo team 'Class 4B' invite code: {team.invite_code}"
    yield "Demo alerts (one waiting in the review queue) and a live campaign are in place."
    yield "A stopped norm-message experiment with results: /impact/experiments"


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


DEMO_EXPERIMENT = "Share or invitation (demo)"
DEMO_READERS = 360
# The share of each arm's members who act after a digest, so the results show a difference.
DEMO_RATES = {"invitation": 0.25, "descriptive": 0.45, "team": 0.32}


def seed_experiment() -> bool:
    """Add a stopped norm-message experiment with digests and outcomes, once.

    Demo readers (unconfirmed addresses, so they get no mail) each got three weekly digests in
    their arm; some completed an action within 7 days after one, at the arm's demo rate."""
    import hashlib
    import random
    from datetime import timedelta

    from network.accounts.models import MemberStatus
    from network.accounts.passwords import hasher
    from network.alerts.models import Alert, AlertStatus, Category
    from network.coordination.models import Action, ActionStatus
    from network.db import utcnow
    from network.digests.models import Digest, DigestStatus
    from network.learning.experiments import CATALOGUE, arm_for
    from network.learning.models import Experiment, ExperimentStatus
    from network.vocabulary import ActionType, Platform

    if db.session.scalar(sa.select(Experiment.id).where(Experiment.name == DEMO_EXPERIMENT)):
        return False
    organiser = db.session.scalar(sa.select(Member).where(Member.role == Role.ORGANISER).limit(1))
    now = utcnow()
    started = now - timedelta(days=36)
    experiment = Experiment(
        name=DEMO_EXPERIMENT,
        arms=list(DEMO_RATES),
        minimum_effect=0.05,
        status=ExperimentStatus.STOPPED,
        created_by_id=organiser.id if organiser else None,
        started_at=started,
        stopped_at=now - timedelta(days=10),
        details={"demo": True},
    )
    db.session.add(experiment)
    password_hash = hasher().hash(DEMO_PASSWORD)
    readers = [
        Member(
            email=f"reader-{number:03}@example.org",
            password_hash=password_hash,
            display_name=f"Demo reader {number}",
            status=MemberStatus.ACTIVE,
            locale="nl" if number % 3 == 0 else "en",
            pledge_accepted_at=started - timedelta(days=30),
            created_at=started - timedelta(days=30),
        )
        for number in range(1, DEMO_READERS + 1)
    ]
    weeks = [started + timedelta(days=1 + 7 * week) for week in range(3)]
    alerts = []
    for week, sent_at in enumerate(weeks):
        url = f"https://www.instagram.com/p/demo-experiment-{week + 1}/"
        alerts.append(
            Alert(
                url=url,
                canonical_url=url,
                canonical_hash=hashlib.sha256(url.encode()).hexdigest(),
                platform=Platform.INSTAGRAM,
                category=Category.HATE,
                severity=2,
                summary="Demo: hateful comments under a post, for the experiment's history.",
                language="en",
                status=AlertStatus.RESOLVED,
                reporter_id=organiser.id if organiser else None,
                created_at=sent_at,
                live_at=sent_at,
                last_activity_at=sent_at + timedelta(days=3),
                resolved_at=sent_at + timedelta(days=6),
            )
        )
    db.session.add_all([*readers, *alerts])
    db.session.flush()
    chance = random.Random(14)  # noqa: S311 (demo numbers, not security)
    digests, actions = [], []
    for reader in readers:
        arm = arm_for(experiment, reader.id)
        for week, sent_at in enumerate(weeks):
            digests.append(
                Digest(
                    member_id=reader.id,
                    period_key=f"weekly:demo-{week + 1}",
                    period_start=sent_at - timedelta(days=7),
                    period_end=sent_at,
                    status=DigestStatus.SENT,
                    claimed_by="demo",
                    claimed_at=sent_at,
                    attempts=1,
                    numbers={"experiment": {"arm": arm, "fallback": False}},
                    norm_kind=CATALOGUE[arm],
                    norm_message=None,
                    experiment_id=experiment.id,
                    experiment_arm=arm,
                    sent_at=sent_at,
                )
            )
            # Over three weeks about the arm's rate acts at least once.
            if chance.random() < DEMO_RATES[arm] / 2.5:
                done_at = sent_at + timedelta(days=chance.randint(0, 6), hours=2)
                actions.append(
                    Action(
                        alert_id=alerts[week].id,
                        member_id=reader.id,
                        type=ActionType.REPORT_PLATFORM,
                        status=ActionStatus.DONE,
                        claimed_at=done_at - timedelta(hours=1),
                        expires_at=done_at + timedelta(hours=23),
                        done_at=done_at,
                    )
                )
    db.session.add_all([*digests, *actions])
    db.session.commit()
    return True
