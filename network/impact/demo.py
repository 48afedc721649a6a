"""Demo history for the impact pages: three months of alerts, actions, asks and check-ins.

Written straight to the tables (no mail, no live events): the history is in the past, and every
alert in it is closed, so the feed stays as the rest of the demo leaves it.
"""

from __future__ import annotations

import random
from datetime import timedelta

import sqlalchemy as sa

from network.accounts.models import DigestFrequency, Member
from network.accounts.passwords import hash_password
from network.alerts.models import Alert, AlertStatus, Category, Outcome
from network.coordination.models import Action, ActionStatus, Ask, AskAnswer
from network.db import utcnow
from network.extensions import db
from network.guidance.template_texts import ASK, EMPATHY, OPINION, SUPPORT
from network.learning.models import CheckIn, CheckInOutcome, PlatformDecision
from network.teams.models import Team, TeamMembership
from network.vocabulary import ActionType, Platform

HISTORY_URL = "https://www.tiktok.com/@history-demo/video/"
VOLUNTEERS = 16
ALERTS = 90
DAYS = 85
TONES = {
    ActionType.COUNTER_SPEECH: (EMPATHY, OPINION),
    ActionType.SUPPORT_TARGET_PUBLIC: (SUPPORT,),
    ActionType.SUPPORT_TARGET_PRIVATE: (SUPPORT,),
    ActionType.MESSAGE_AUTHOR: (EMPATHY, OPINION),
    ActionType.ENLIST_HELP: (ASK,),
}
# What volunteers tend to see after each kind of action (weights of the check-in answers).
LIKELY = {
    "public": [2, 3, 4, 5, 1, 4, 2],
    "private": [1, 1, 6, 1, 0, 4, 3],
    "report": [8, 0, 1, 0, 0, 4, 3],
}


def seed_impact_history(password: str, team: Team | None = None) -> bool:
    """Add the history once (skipped when it exists); return whether it was added."""
    exists = db.session.scalar(sa.select(Alert.id).where(Alert.url.startswith(HISTORY_URL)))
    if exists is not None:
        return False
    chance = random.Random(14)  # noqa: S311 (demo data, not security)
    now = utcnow()
    digest = hash_password(password)
    volunteers = [
        Member(
            email=f"volunteer{n}@example.org",
            password_hash=digest,
            display_name=f"Volunteer {n}",
            locale="nl" if n % 2 else "en",
            digest_frequency=DigestFrequency.OFF,
            pledge_accepted_at=now - timedelta(days=5 + n * 7),
            created_at=now - timedelta(days=5 + n * 7),
            email_verified_at=now - timedelta(days=5 + n * 7),
            trust_level=1,
            platforms=["instagram", "tiktok"],
            languages=["nl", "en"],
            comfortable_actions=[],
        )
        for n in range(1, VOLUNTEERS + 1)
    ]
    db.session.add_all(volunteers)
    db.session.flush()
    if team is not None:
        db.session.add_all(TeamMembership(team_id=team.id, member_id=v.id) for v in volunteers[:6])
    categories = [Category.HATE, Category.SHAMING, Category.EXCLUSION, Category.THREAT]
    platforms = [Platform.TIKTOK, Platform.INSTAGRAM, Platform.X, Platform.YOUTUBE]
    kinds = [
        ActionType.REPORT_PLATFORM,
        ActionType.COUNTER_SPEECH,
        ActionType.SUPPORT_TARGET_PRIVATE,
        ActionType.SUPPORT_TARGET_PUBLIC,
        ActionType.MESSAGE_AUTHOR,
    ]
    for n in range(ALERTS):
        posted = now - timedelta(days=DAYS * n / ALERTS + 1, minutes=chance.randint(0, 600))
        roll = chance.random()
        status = (
            AlertStatus.REJECTED
            if roll < 0.12
            else AlertStatus.EXPIRED
            if roll < 0.3
            else AlertStatus.RESOLVED
        )
        live = status != AlertStatus.REJECTED
        live_at = posted + timedelta(minutes=chance.randint(1, 90)) if live else None
        helpers = chance.sample(volunteers, chance.randint(1, 4)) if live else []
        first_claim = (
            live_at + timedelta(minutes=chance.lognormvariate(3.0, 1.0))
            if live_at and helpers
            else None
        )
        alert = Alert(
            url=f"{HISTORY_URL}{n}",
            canonical_url=f"{HISTORY_URL}{n}",
            canonical_hash=f"history-demo-{n}".ljust(64, "0"),
            platform=platforms[n % len(platforms)],
            category=categories[chance.randrange(len(categories))],
            severity=chance.randint(1, 3),
            summary="Demo history: a hurtful thread from earlier months.",
            language="nl",
            wanted_actions=[],
            responder_goal=chance.randint(2, 3),
            status=status,
            reporter_id=chance.choice(volunteers).id,
            team_id=team.id if team is not None and n % 4 == 0 else None,
            created_at=posted,
            last_activity_at=posted,
            reviewed_at=posted + timedelta(minutes=30) if status == AlertStatus.REJECTED else None,
            live_at=live_at,
            first_claim_at=first_claim,
            outcome=chance.choice(list(Outcome)) if status == AlertStatus.RESOLVED else None,
            resolved_at=posted + timedelta(days=1) if status == AlertStatus.RESOLVED else None,
        )
        db.session.add(alert)
        db.session.flush()
        for index, helper in enumerate(helpers):
            kind = kinds[(n + index) % len(kinds)]
            if kind in (ActionType.COUNTER_SPEECH, ActionType.SUPPORT_TARGET_PUBLIC) and any(
                kinds[(n + i) % len(kinds)]
                in (ActionType.COUNTER_SPEECH, ActionType.SUPPORT_TARGET_PUBLIC)
                for i in range(index)
            ):
                kind = ActionType.SUPPORT_TARGET_PRIVATE
            assert first_claim is not None
            claimed = first_claim + timedelta(minutes=index * 20)
            done = chance.random() < 0.8
            tones = TONES.get(kind)
            action = Action(
                alert_id=alert.id,
                member_id=helper.id,
                type=kind,
                status=ActionStatus.DONE if done else ActionStatus.EXPIRED,
                claimed_at=claimed,
                expires_at=claimed + timedelta(hours=2),
                done_at=claimed + timedelta(minutes=chance.randint(5, 90)) if done else None,
                ended_at=None if done else claimed + timedelta(hours=2),
                template_id=f"demo-{kind.value}" if tones else None,
                template_tone=chance.choice(tones) if tones and chance.random() < 0.7 else None,
            )
            db.session.add(action)
            db.session.flush()
            if not done:
                continue
            answered = chance.random() < 0.7
            report = kind == ActionType.REPORT_PLATFORM
            group = (
                "report"
                if report
                else "public"
                if kind in (ActionType.COUNTER_SPEECH, ActionType.SUPPORT_TARGET_PUBLIC)
                else "private"
            )
            outcome = chance.choices(list(CheckInOutcome), LIKELY[group])[0]
            asked = claimed + timedelta(days=1)
            db.session.add(
                CheckIn(
                    action_id=action.id,
                    member_id=helper.id,
                    due_at=asked,
                    asked_at=asked,
                    answered_at=asked + timedelta(hours=2) if answered else None,
                    outcome=outcome if answered else None,
                    platform_decision=(
                        PlatformDecision.REMOVED
                        if outcome == CheckInOutcome.CONTENT_REMOVED
                        else chance.choice(list(PlatformDecision))
                    )
                    if answered and report
                    else None,
                )
            )
        if live:
            for asked_member in chance.sample(volunteers, 2):
                answer = chance.choice(list(AskAnswer))
                db.session.add(
                    Ask(
                        alert_id=alert.id,
                        member_id=asked_member.id,
                        asked_at=posted + timedelta(minutes=5),
                        expires_at=posted + timedelta(hours=4),
                        delivered_at=posted + timedelta(minutes=6),
                        answer=answer,
                        answered_at=posted + timedelta(hours=1)
                        if answer in (AskAnswer.ACCEPTED, AskAnswer.DECLINED)
                        else None,
                    )
                )
    db.session.commit()
    return True
