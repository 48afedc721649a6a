"""Norm-message experiments: stable balanced assignment, digests that record their arm and never
state a minority share, statistics that match statsmodels and scipy, and the organisers' page
and API."""

from __future__ import annotations

import hashlib
import math
import threading
from collections import Counter
from collections.abc import Callable
from datetime import date, timedelta
from typing import Any

import pytest
import sqlalchemy as sa
from flask import Flask
from scipy import stats as scipy_stats
from statsmodels.stats.proportion import proportion_confint

from network.db import utcnow
from network.digests import services
from network.digests.models import Digest, DigestStatus
from network.digests.periods import period_ending
from network.errors import Conflict
from network.extensions import db
from network.learning import experiments, stats
from network.learning.models import Experiment, ExperimentStatus
from network.moderation.models import AuditEntry
from tests.digests.conftest import digest_rows

AMSTERDAM = "Europe/Amsterdam"


def _running(app: Flask, arms: list[str], **fields: Any) -> int:
    with app.app_context():
        experiment = Experiment(
            name="Test",
            arms=arms,
            minimum_effect=fields.pop("minimum_effect", 0.05),
            status=fields.pop("status", ExperimentStatus.RUNNING),
            **fields,
        )
        db.session.add(experiment)
        db.session.commit()
        return experiment.id


# --- assignment -----------------------------------------------------------------------------------


@pytest.mark.parametrize("arms", [2, 3, 4])
def test_assignment_is_balanced_over_ten_thousand_members(arms: int) -> None:
    counts = Counter(experiments.arm_index(7, member_id, arms) for member_id in range(1, 10_001))
    observed = [counts[arm] for arm in range(arms)]
    assert sum(observed) == 10_000
    assert scipy_stats.chisquare(observed).pvalue > 0.001


def test_assignment_is_the_documented_hash_and_the_same_on_every_run() -> None:
    for experiment_id, member_id in [(1, 1), (3, 12_345), (41, 7)]:
        seed = f"upstander-experiment:{experiment_id}:member:{member_id}".encode()
        expected = int.from_bytes(hashlib.sha256(seed).digest()[:8], "big") % 4
        assert experiments.arm_index(experiment_id, member_id, 4) == expected
    first = [experiments.arm_index(5, member_id, 3) for member_id in range(500)]
    again = [experiments.arm_index(5, member_id, 3) for member_id in range(500)]
    assert first == again
    # Another experiment shuffles members anew.
    other = [experiments.arm_index(6, member_id, 3) for member_id in range(500)]
    assert first != other


# --- statistics -----------------------------------------------------------------------------------


def _wilson(acted: int, n: int) -> tuple[float, float]:
    z = scipy_stats.norm.ppf(0.975)
    p = acted / n
    centre = (p + z * z / (2 * n)) / (1 + z * z / n)
    half = z / (1 + z * z / n) * math.sqrt(p * (1 - p) / n + z * z / (4 * n * n))
    return centre - half, centre + half


def test_statistics_match_statsmodels_and_scipy_on_a_fixed_dataset() -> None:
    control = stats.share(120, 400)
    arm = stats.share(150, 410)

    # Wilson intervals, written out.
    assert (control.low, control.high) == pytest.approx(_wilson(120, 400), abs=1e-9)
    assert (arm.low, arm.high) == pytest.approx(_wilson(150, 410), abs=1e-9)
    assert (control.low, control.high) == pytest.approx(
        proportion_confint(120, 400, method="wilson"), abs=1e-12
    )

    # The pooled two-proportion z-test, with scipy's normal distribution.
    p1, p2 = 150 / 410, 120 / 400
    pooled = (150 + 120) / (410 + 400)
    z = (p1 - p2) / math.sqrt(pooled * (1 - pooled) * (1 / 410 + 1 / 400))
    p_value = 2 * scipy_stats.norm.sf(abs(z))
    difference = stats.difference(arm, control)
    assert difference.difference == pytest.approx(p1 - p2)
    assert difference.p_value == pytest.approx(p_value, rel=1e-9)

    # Newcombe's interval for the difference, from the two Wilson intervals.
    l1, u1 = _wilson(150, 410)
    l2, u2 = _wilson(120, 400)
    low = (p1 - p2) - math.sqrt((p1 - l1) ** 2 + (u2 - p2) ** 2)
    high = (p1 - p2) + math.sqrt((u1 - p1) ** 2 + (p2 - l2) ** 2)
    assert (difference.low, difference.high) == pytest.approx((low, high), abs=1e-9)

    # Members per arm for 5 points from a 30% baseline: Cohen's h and the normal approximation.
    h = 2 * math.asin(math.sqrt(0.35)) - 2 * math.asin(math.sqrt(0.30))
    # The arcsine of a share has variance 1/n; the difference of two, 2/n.
    n = 2 * ((scipy_stats.norm.ppf(0.975) + scipy_stats.norm.ppf(0.8)) / h) ** 2
    assert stats.members_needed(0.30, 0.05) == math.ceil(n)
    assert stats.more_members_needed(math.ceil(n), 410, 400) == 2 * math.ceil(n) - 810


def test_statistics_without_data_say_nothing_rather_than_guess() -> None:
    empty = stats.share(0, 0)
    assert empty.share is None and empty.low is None
    assert stats.difference(stats.share(3, 10), empty).p_value is None
    # Nobody acted in either arm: no variance, no p-value, but an interval.
    nobody = stats.difference(stats.share(0, 20), stats.share(0, 20))
    assert nobody.difference == 0 and nobody.p_value is None
    assert stats.members_needed(None, 0.05) is None


# --- digests --------------------------------------------------------------------------------------


def test_digests_record_their_arm_and_never_state_a_minority_share(
    app: Flask,
    add_members: Callable[..., list[int]],
    add_team: Callable[..., int],
    add_alert: Callable[..., int],
    add_action: Callable[..., int],
) -> None:
    week = period_ending("weekly", AMSTERDAM, date(2026, 11, 23), 8)
    readers = add_members(40) + add_members(20, locale="nl")
    add_team("Klas 4B", readers[:6])
    alert = add_alert(week.start - timedelta(days=7))
    # 3 of 60 acted this week: a small minority, and no rise (5 the week before).
    before = week.start - timedelta(days=1)
    for member_id in readers[10:15]:
        add_action(alert, member_id, "message_author", claimed_at=before, done_at=before)
    for member_id in readers[:3]:
        add_action(alert, member_id, "report_platform", claimed_at=week.start, done_at=week.start)
    arms = ["invitation", "descriptive", "dynamic", "team"]
    experiment_id = _running(app, arms)

    with app.app_context():
        services.build_batch(services.Batch(readers, "weekly", AMSTERDAM, week.key), "job")
        experiment = db.session.get(Experiment, experiment_id)
        assert experiment is not None
        expected = {member_id: experiments.arm_for(experiment, member_id) for member_id in readers}
    rows = digest_rows(app)

    assert {row["experiment_id"] for row in rows} == {experiment_id}
    assert {row["member_id"]: row["experiment_arm"] for row in rows} == expected
    assert set(expected.values()) == set(arms)
    for row in rows:
        arm = row["experiment_arm"]
        shown = row["numbers"]["experiment"]
        assert shown["arm"] == arm
        # Never a share below half: "in 10" only belongs to the descriptive message.
        assert "in 10" not in row["norm_message"]
        assert "%" not in row["norm_message"]
        if arm in ("descriptive", "dynamic"):
            # Not true this week: the invitation, recorded as a fallback.
            assert row["norm_kind"] == "injunctive" and shown["fallback"] is True
        elif arm == "team" and row["member_id"] in readers[:6]:
            assert row["norm_kind"] == "team" and shown["fallback"] is False
            assert "Klas 4B" in row["norm_message"]
        elif arm == "team":
            assert row["norm_kind"] == "injunctive" and shown["fallback"] is True
        else:
            assert row["norm_kind"] == "injunctive" and shown["fallback"] is False


def test_a_majority_shows_the_descriptive_arm_and_a_stopped_experiment_shows_none(
    app: Flask,
    add_members: Callable[..., list[int]],
    add_alert: Callable[..., int],
    add_action: Callable[..., int],
) -> None:
    week = period_ending("weekly", AMSTERDAM, date(2026, 11, 23), 8)
    readers = add_members(30)
    alert = add_alert(week.start - timedelta(days=7))
    for member_id in readers[:21]:  # 7 in 10
        add_action(alert, member_id, "report_platform", claimed_at=week.start, done_at=week.start)
    experiment_id = _running(app, ["invitation", "descriptive"])
    with app.app_context():
        services.build_batch(services.Batch(readers, "weekly", AMSTERDAM, week.key), "job")
    rows = digest_rows(app)
    descriptive = [row for row in rows if row["experiment_arm"] == "descriptive"]
    invitation = [row for row in rows if row["experiment_arm"] == "invitation"]
    assert descriptive and invitation
    assert {row["norm_message"] for row in descriptive} == {"7 in 10 members acted this week."}
    assert {row["norm_kind"] for row in invitation} == {"injunctive"}

    with app.app_context():
        experiment = db.session.get(Experiment, experiment_id)
        assert experiment is not None
        experiment.status = ExperimentStatus.STOPPED
        db.session.commit()
        next_week = period_ending("weekly", AMSTERDAM, date(2026, 11, 30), 8)
        services.build_batch(services.Batch(readers, "weekly", AMSTERDAM, next_week.key), "job")
    later = [row for row in digest_rows(app) if row["period_key"] == next_week.key]
    assert later and all(row["experiment_id"] is None for row in later)
    assert all(row["experiment_arm"] is None for row in later)


# --- results --------------------------------------------------------------------------------------


def _history(
    app: Flask,
    add_members: Callable[..., list[int]],
    add_alert: Callable[..., int],
    add_action: Callable[..., int],
) -> int:
    """A stopped experiment with known outcomes: control 4 of 10 acted, descriptive 7 of 10."""
    now = utcnow()
    started = now - timedelta(days=30)
    experiment_id = _running(
        app,
        ["invitation", "descriptive"],
        status=ExperimentStatus.STOPPED,
        started_at=started,
        stopped_at=now - timedelta(days=1),
    )
    control, arm = add_members(10), add_members(10)
    alert = add_alert(started)
    sent = started + timedelta(days=1)

    def digest(member_id: int, arm_code: str, at: Any, kind: str) -> Digest:
        return Digest(
            member_id=member_id,
            period_key=f"weekly:{at:%Y-%m-%dT%H%M}",
            period_start=at - timedelta(days=7),
            period_end=at,
            status=DigestStatus.SENT,
            claimed_by="test",
            attempts=1,
            numbers={},
            norm_kind=kind,
            experiment_id=experiment_id,
            experiment_arm=arm_code,
            sent_at=at,
        )

    with app.app_context():
        rows = [digest(m, "invitation", sent, "injunctive") for m in control]
        rows += [digest(m, "descriptive", sent, "descriptive") for m in arm[:8]]
        # Two digests of the arm fell back to the invitation: they still count for the arm.
        rows += [digest(m, "descriptive", sent, "injunctive") for m in arm[8:]]
        # A second digest for one control member, and one still inside its 7 days.
        rows.append(digest(control[0], "invitation", sent + timedelta(days=7), "injunctive"))
        rows.append(digest(control[1], "invitation", now - timedelta(days=2), "injunctive"))
        db.session.add_all(rows)
        db.session.commit()
    # Control: 4 act within 7 days (one after the second digest), one after 8 days, one before.
    for member_id in control[2:5]:
        add_action(
            alert, member_id, "report_platform", claimed_at=sent, done_at=sent + timedelta(days=3)
        )
    add_action(
        alert, control[0], "report_platform", claimed_at=sent, done_at=sent + timedelta(days=9)
    )
    add_action(
        alert,
        control[5],
        "counter_speech",
        claimed_at=sent,
        done_at=sent + timedelta(days=8, hours=1),
    )
    add_action(
        alert, control[6], "counter_speech", claimed_at=sent, done_at=sent - timedelta(hours=1)
    )
    # Descriptive: 7 act; one more only claimed, one released.
    for member_id in arm[:7]:
        add_action(
            alert, member_id, "report_platform", claimed_at=sent, done_at=sent + timedelta(days=6)
        )
    add_action(alert, arm[7], "report_platform", claimed_at=sent + timedelta(days=1))
    add_action(alert, arm[8], "counter_speech", claimed_at=sent, status="released")
    return experiment_id


def test_results_per_arm_have_the_expected_figures(
    app: Flask,
    add_members: Callable[..., list[int]],
    add_alert: Callable[..., int],
    add_action: Callable[..., int],
) -> None:
    experiment_id = _history(app, add_members, add_alert, add_action)
    with app.app_context():
        experiment = db.session.get(Experiment, experiment_id)
        assert experiment is not None
        found = experiments.results(experiment)
    control, arm = found.arms
    assert (control.arm, control.control, arm.arm, arm.control) == (
        "invitation",
        True,
        "descriptive",
        False,
    )
    assert (control.members, control.digests, control.waiting, control.acted.acted) == (
        10,
        11,
        1,
        4,
    )
    assert (arm.members, arm.digests, arm.waiting, arm.acted.acted, arm.fallbacks) == (
        10,
        10,
        0,
        7,
        2,
    )
    assert control.acted.share == pytest.approx(0.4) and arm.acted.share == pytest.approx(0.7)
    assert (arm.acted.low, arm.acted.high) == pytest.approx(_wilson(7, 10), abs=1e-9)
    assert arm.versus_control is not None
    assert arm.versus_control.difference == pytest.approx(0.3)
    pooled = 11 / 20
    z = 0.3 / math.sqrt(pooled * (1 - pooled) * (2 / 10))
    assert arm.versus_control.p_value == pytest.approx(2 * scipy_stats.norm.sf(z), rel=1e-9)
    h = 2 * math.asin(math.sqrt(0.45)) - 2 * math.asin(math.sqrt(0.40))
    needed = math.ceil(2 * ((scipy_stats.norm.ppf(0.975) + scipy_stats.norm.ppf(0.8)) / h) ** 2)
    assert arm.members_needed == needed
    assert arm.more_members_needed == 2 * (needed - 10)


def test_the_api_and_the_page_show_the_results(
    app: Flask,
    add_members: Callable[..., list[int]],
    add_alert: Callable[..., int],
    add_action: Callable[..., int],
    create_member: Any,
    api_as: Any,
    log_in: Any,
    client: Any,
) -> None:
    experiment_id = _history(app, add_members, add_alert, add_action)
    organiser = create_member(role="organiser")
    member = create_member()

    answer = api_as(organiser, "GET", f"/api/v1/experiments/{experiment_id}")
    assert answer.status_code == 200, answer.get_json()
    body = answer.get_json()
    assert body["status"] == "stopped" and body["arms"] == ["invitation", "descriptive"]
    control, arm = body["results"]
    assert control["versus_control"] is None and control["acted"]["acted"] == 4
    assert arm["members"] == 10 and arm["acted"]["share"] == pytest.approx(0.7)
    assert arm["versus_control"]["difference"] == pytest.approx(0.3)
    assert arm["fallbacks"] == 2
    listed = api_as(organiser, "GET", "/api/v1/experiments").get_json()
    assert [item["id"] for item in listed["items"]] == [experiment_id]

    for path in (f"/api/v1/experiments/{experiment_id}", "/api/v1/experiments"):
        refused = api_as(member, "GET", path)
        assert refused.status_code == 403
        assert refused.get_json()["error"]["code"] == "forbidden"

    log_in(member)
    assert client.get(f"/impact/experiments/{experiment_id}").status_code == 403
    assert client.get("/impact/experiments/").status_code == 403
    client.post("/logout")
    client.delete_cookie(app.config["SESSION_COOKIE_NAME"])

    log_in(organiser)
    page = client.get(f"/impact/experiments/{experiment_id}").get_data(as_text=True)
    assert "40.0%" in page and "70.0%" in page and "+30.0" in page
    assert f"{arm['versus_control']['p_value']:.3f}" in page
    assert "2 digests showed the invitation instead" in page
    assert "1 digest still inside its 7 days" in page


def test_the_results_page_speaks_dutch(
    app: Flask,
    add_members: Callable[..., list[int]],
    add_alert: Callable[..., int],
    add_action: Callable[..., int],
    create_member: Any,
    log_in: Any,
    client: Any,
) -> None:
    experiment_id = _history(app, add_members, add_alert, add_action)
    log_in(create_member(role="organiser", locale="nl"))
    page = client.get(f"/impact/experiments/{experiment_id}")
    assert page.status_code == 200
    text = page.get_data(as_text=True)
    # Dutch number format: a decimal comma.
    assert "40,0%" in text and "70,0%" in text


# --- starting and stopping ------------------------------------------------------------------------


def test_one_experiment_runs_at_a_time_and_start_and_stop_are_audited(
    app: Flask, create_member: Any, api_as: Any
) -> None:
    organiser = create_member(role="organiser")
    body = {"name": "Share or invitation", "arms": ["invitation", "descriptive"]}
    started = api_as(organiser, "POST", "/api/v1/experiments", json=body)
    assert started.status_code == 201, started.get_json()
    experiment_id = started.get_json()["id"]
    assert started.get_json()["status"] == "running"

    second = api_as(
        organiser, "POST", "/api/v1/experiments", json=body | {"arms": ["team", "dynamic"]}
    )
    assert second.status_code == 409
    assert second.get_json() == {
        "error": {
            "code": "experiment_running",
            "message": "An experiment is already running: stop it before starting another.",
            "fields": {},
        }
    }

    stopped = api_as(organiser, "POST", f"/api/v1/experiments/{experiment_id}/stop")
    assert stopped.status_code == 200 and stopped.get_json()["status"] == "stopped"
    again = api_as(organiser, "POST", f"/api/v1/experiments/{experiment_id}/stop")
    assert again.status_code == 409 and again.get_json()["error"]["code"] == "not_running"
    assert api_as(organiser, "POST", "/api/v1/experiments", json=body).status_code == 201

    with app.app_context():
        audited = db.session.execute(
            sa.select(AuditEntry.action, AuditEntry.subject_id).order_by(AuditEntry.id)
        ).all()
    assert [(a, s) for a, s in audited if s == experiment_id] == [
        ("experiment.started", experiment_id),
        ("experiment.stopped", experiment_id),
    ]


@pytest.mark.parametrize(
    ("arms", "field"),
    [
        (["invitation"], "arms"),
        (["invitation", "descriptive", "dynamic", "team", "invitation"], "arms"),
        (["invitation", "invitation"], "arms"),
        (["invitation", "minority"], "arms"),
    ],
)
def test_only_two_to_four_different_approved_messages(
    create_member: Any, api_as: Any, arms: list[str], field: str
) -> None:
    organiser = create_member(role="organiser")
    answer = api_as(organiser, "POST", "/api/v1/experiments", json={"name": "X", "arms": arms})
    assert answer.status_code == 422
    assert any(key.startswith(field) for key in answer.get_json()["error"]["fields"])


def test_members_cannot_start_or_stop_experiments(
    app: Flask, create_member: Any, api_as: Any
) -> None:
    member = create_member(trust_level=3)
    experiment_id = _running(app, ["invitation", "team"])
    body = {"name": "Mine", "arms": ["invitation", "team"]}
    assert api_as(member, "POST", "/api/v1/experiments", json=body).status_code == 403
    assert api_as(member, "POST", f"/api/v1/experiments/{experiment_id}/stop").status_code == 403
    with app.app_context():
        assert db.session.scalar(sa.select(sa.func.count(Experiment.id))) == 1


def test_the_organiser_starts_and_stops_one_on_the_page(
    app: Flask, create_member: Any, log_in: Any, submit: Any, client: Any
) -> None:
    log_in(create_member(role="organiser"))
    form = {
        "name": "Team or invitation",
        "control": "invitation",
        "arm2": "team",
        "arm3": "descriptive",
        "arm4": "",
        "minimum_effect": "4",
    }
    answer = submit("/impact/experiments/", form)
    assert answer.status_code == 302, answer.get_data(as_text=True)
    with app.app_context():
        experiment = db.session.scalar(sa.select(Experiment))
        assert experiment is not None
        assert experiment.arms == ["invitation", "team", "descriptive"]
        assert experiment.minimum_effect == pytest.approx(0.04)
        experiment_id = experiment.id
    page = client.get(answer.location).get_data(as_text=True)
    assert "Team or invitation" in page and "(control)" in page

    twice = submit("/impact/experiments/", form | {"name": "Another"})
    assert twice.status_code == 200
    assert "already running" in twice.get_data(as_text=True)

    stopped = submit(
        f"/impact/experiments/{experiment_id}",
        {},
        action=f"/impact/experiments/{experiment_id}/stop",
    )
    assert stopped.status_code == 302
    with app.app_context():
        assert db.session.get(Experiment, experiment_id).status == ExperimentStatus.STOPPED  # type: ignore[union-attr]


@pytest.mark.live
def test_two_organisers_starting_at_once_start_one_experiment(
    app: Flask, backend: str, create_member: Any
) -> None:
    if backend != "postgresql":
        pytest.skip("two connections racing: PostgreSQL only")
    from network.accounts.models import Member

    organisers = [create_member(role="organiser") for _ in range(2)]
    barrier = threading.Barrier(2)
    outcomes: list[str] = []

    def start(member_id: int) -> None:
        with app.app_context():
            actor = db.session.get(Member, member_id)
            assert actor is not None
            barrier.wait()
            try:
                experiments.start_experiment(
                    actor, name="Race", arms=["invitation", "team"], minimum_effect=0.05
                )
                outcomes.append("started")
            except Conflict:
                outcomes.append("conflict")
            finally:
                db.session.remove()

    threads = [threading.Thread(target=start, args=(o.id,)) for o in organisers]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert sorted(outcomes) == ["conflict", "started"]
    with app.app_context():
        assert db.session.scalar(sa.select(sa.func.count(Experiment.id))) == 1
