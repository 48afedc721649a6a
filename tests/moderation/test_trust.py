"""Trust levels change in a daily batch, never next to the review that caused the change."""

from __future__ import annotations

import threading
from collections.abc import Callable
from datetime import timedelta
from typing import Any

import pytest
import sqlalchemy as sa
from flask import Flask

from network.accounts.models import Member
from network.alerts.models import Alert
from network.db import utcnow
from network.extensions import db
from network.moderation.trust import apply_trust_changes
from network.tasks import beat_schedule
from tests.world import change_settings

Api = Callable[..., Any]


def trust_of(app: Flask, member: Any) -> int:
    with app.app_context():
        row = db.session.get(Member, member.id)
        assert row is not None
        return row.trust_level


def run_batch(app: Flask, **kwargs: Any) -> dict[str, int]:
    with app.app_context():
        return apply_trust_changes(**kwargs)


def reviewed_alerts(
    post_alert: Api, review: Api, member: Any, reviewer: Any, decision: str, n: int
) -> list[int]:
    ids = []
    for _ in range(n):
        alert = post_alert(member).get_json()
        answer = review(reviewer, alert["id"], decision, "Not a hurtful thread.")
        assert answer.status_code == 200, answer.get_data(as_text=True)
        ids.append(alert["id"])
    return ids


def age_reviews(app: Flask, alert_ids: list[int], days: int) -> None:
    """Move reviews (and the alerts) into the past, as if they happened days ago."""
    with app.app_context():
        db.session.execute(
            sa.update(Alert)
            .where(Alert.id.in_(alert_ids))
            .values(reviewed_at=utcnow() - timedelta(days=days))
        )
        db.session.commit()


def test_approval_is_not_followed_by_a_trust_entry_that_names_the_reporter(
    app: Flask, post_alert: Api, review: Api, create_member: Any, organiser: Any, audit_entries: Any
) -> None:
    newcomer = create_member()
    reviewed_alerts(post_alert, review, newcomer, organiser, "approve", 3)
    assert trust_of(app, newcomer) == 0
    assert audit_entries("member.trust_changed") == []
    assert run_batch(app) == {"promoted": 1, "demoted": 0}
    assert trust_of(app, newcomer) == 1
    [entry] = audit_entries("member.trust_changed")
    assert entry.actor_id is None and entry.subject_type == "member"
    assert entry.details == {"old": 0, "new": 1, "reason": "approved alerts"}


def test_a_recent_rejection_holds_a_promotion_back(
    app: Flask,
    post_alert: Api,
    review: Api,
    create_member: Any,
    organiser: Any,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    change_settings(monkeypatch, app, trust_promotion_approved_alerts=2)
    newcomer = create_member()
    reviewed_alerts(post_alert, review, newcomer, organiser, "approve", 2)
    reviewed_alerts(post_alert, review, newcomer, organiser, "reject", 1)
    assert run_batch(app) == {"promoted": 0, "demoted": 0}
    assert trust_of(app, newcomer) == 0


def test_rejections_lower_trust_once_a_level_and_never_below_zero(
    app: Flask, post_alert: Api, review: Api, create_member: Any, organiser: Any, audit_entries: Any
) -> None:
    member = create_member(trust_level=2)
    for _ in range(2):
        alert = post_alert(member).get_json()
        # A trusted member's alert is open; flags hide it, then a reviewer rejects it.
        for _flagger in range(2):
            flagger = create_member(trust_level=2)
            assert _flag(app, flagger, alert["id"], {"reason": "misleading", "note": ""})
        assert review(organiser, alert["id"], "reject", "Made up.").status_code == 200
    assert run_batch(app) == {"promoted": 0, "demoted": 1}
    assert trust_of(app, member) == 1
    assert run_batch(app) == {"promoted": 0, "demoted": 0}, "the same rejections count once"
    assert trust_of(app, member) == 1
    [entry] = audit_entries("member.trust_changed")
    assert entry.details == {"old": 2, "new": 1, "reason": "rejected alerts"}
    assert entry.actor_id is None


def _flag(app: Flask, member: Any, alert_id: int, body: dict[str, str]) -> bool:
    from network.alerts.services import flag_alert

    with app.test_request_context():
        row = db.session.get(Member, member.id)
        assert row is not None
        _alert, created = flag_alert(row, alert_id, reason=body["reason"], note=body["note"])
        return created


# (rejections, days ago, starting level) → level after the batch
DEMOTIONS = [
    (2, 1, 1, 0),
    (2, 29, 2, 1),
    (2, 31, 2, 2),  # outside the 30-day window
    (1, 1, 1, 1),  # one rejection is not enough
    (3, 1, 0, 0),  # never below zero
]


@pytest.mark.parametrize(("rejections", "days", "level", "after"), DEMOTIONS)
def test_demotion_counts_rejections_within_the_window(
    app: Flask,
    post_alert: Api,
    review: Api,
    create_member: Any,
    organiser: Any,
    rejections: int,
    days: int,
    level: int,
    after: int,
) -> None:
    member = create_member(trust_level=0)
    ids = reviewed_alerts(post_alert, review, member, organiser, "reject", rejections)
    with app.app_context():
        row = db.session.get(Member, member.id)
        assert row is not None
        row.trust_level = level
        row.created_at = utcnow() - timedelta(days=60)
        db.session.commit()
    age_reviews(app, ids, days)
    run_batch(app)
    assert trust_of(app, member) == after


def test_an_organisers_change_resets_what_the_batch_counts(
    app: Flask, api_as: Api, post_alert: Api, review: Api, create_member: Any, organiser: Any
) -> None:
    member = create_member()
    reviewed_alerts(post_alert, review, member, organiser, "reject", 2)
    answer = api_as(
        organiser,
        "PUT",
        f"/api/v1/members/{member.id}/trust",
        json={"trust_level": 1, "reason": "Talked it through"},
    )
    assert answer.status_code == 200
    run_batch(app)
    assert trust_of(app, member) == 1, "rejections before the organiser's decision do not count"
    lowered = api_as(
        organiser, "PUT", f"/api/v1/members/{member.id}/trust", json={"trust_level": 0}
    )
    assert lowered.status_code == 200 and trust_of(app, member) == 0, "organisers lower trust too"


def test_the_batch_runs_daily_from_beat() -> None:
    entry = beat_schedule(4)["apply-trust-changes"]
    assert entry["task"] == "network.moderation.apply_trust_changes"
    assert entry["schedule"].hour == {4}
    assert len(entry["schedule"].minute) == 1


@pytest.mark.live
def test_two_schedulers_at_once_change_trust_once(
    app: Flask, create_member: Any, audit_entries: Any
) -> None:
    members = [create_member() for _ in range(3)]
    with app.app_context():
        for handle in members:
            for n in range(3):
                db.session.add(
                    Alert(
                        url=f"https://example.org/{handle.id}/{n}",
                        canonical_url=f"https://example.org/{handle.id}/{n}",
                        canonical_hash=f"{handle.id}-{n}",
                        platform="other",
                        category="hate",
                        severity=2,
                        summary="A hurtful thread.",
                        language="en",
                        status="resolved",
                        reporter_id=handle.id,
                        reviewed_at=utcnow(),
                    )
                )
        db.session.commit()
    start = threading.Barrier(2)
    results: list[dict[str, int]] = []

    def batch() -> None:
        with app.app_context():
            start.wait()
            results.append(apply_trust_changes())

    threads = [threading.Thread(target=batch) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    assert sum(result["promoted"] for result in results) == 3, results
    assert len(audit_entries("member.trust_changed")) == 3
    assert all(trust_of(app, handle) == 1 for handle in members)
