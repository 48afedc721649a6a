"""Honest numbers: every figure of a digest from the database, and a fixed number of queries."""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable
from datetime import date, timedelta
from typing import Any

import sqlalchemy as sa
from flask import Flask

from network.accounts.models import Member
from network.alerts.models import Alert
from network.campaigns.models import CampaignMember
from network.coordination.models import Action
from network.digests import services
from network.digests.periods import period_ending
from network.extensions import db
from tests.digests.conftest import LONG_AGO, digest_rows
from tests.world import counting_statements

WEEK = period_ending("weekly", "Europe/Amsterdam", date(2026, 11, 23), 8)
START, END = WEEK.start, WEEK.end
MIN, HOUR, DAY = timedelta(minutes=1), timedelta(hours=1), timedelta(days=1)


def build(
    app: Flask, member_ids: list[int], claimed_by: str = "job-1"
) -> dict[int, dict[str, Any]]:
    batch = services.Batch(member_ids, "weekly", "Europe/Amsterdam", WEEK.key)
    with app.app_context():
        services.build_batch(batch, claimed_by)
    return {row["member_id"]: row for row in digest_rows(app, member_ids)}


def test_digest_numbers_count_exactly_what_happened_in_the_period(
    app: Flask,
    add_campaign: Callable[..., int],
    add_members: Callable[..., list[int]],
    add_team: Callable[..., int],
    add_alert: Callable[..., int],
    add_action: Callable[..., int],
) -> None:
    ann, bob, cat, dan, eve, fay = add_members(6)
    (late_joiner,) = add_members(1, created_at=END + HOUR)
    (suspended,) = add_members(1, status="suspended")
    add_team("Class 4B", [ann, bob, cat, dan, suspended])
    add_team("Chess club", [eve, fay])

    # x1: two public voices of three; a claim released after two minutes is no help given.
    x1 = add_alert(START + HOUR)
    add_action(x1, eve, "counter_speech", claimed_at=START + HOUR + 2 * MIN, status="released")
    add_action(x1, ann, "counter_speech", claimed_at=START + HOUR, done_at=START + HOUR + 30 * MIN)
    add_action(x1, bob, "support_target_public", claimed_at=START + HOUR, done_at=START + 2 * HOUR)
    add_action(x1, cat, "report_platform", claimed_at=START + HOUR, done_at=START + 3 * HOUR)
    # x2: reached its goal of three public voices; the content was removed in the period.
    x2 = add_alert(START + 2 * DAY, status="resolved", outcome="content_removed")
    with app.app_context():
        db.session.execute(
            sa.update(Alert).where(Alert.id == x2).values(resolved_at=START + 3 * DAY)
        )
        db.session.commit()
    t2 = START + 2 * DAY
    add_action(x2, ann, "report_platform", claimed_at=t2, done_at=t2 + 10 * MIN)
    add_action(x2, eve, "counter_speech", claimed_at=t2, done_at=t2 + HOUR)
    add_action(x2, fay, "counter_speech", claimed_at=t2, done_at=t2 + 2 * HOUR)
    add_action(x2, bob, "support_target_public", claimed_at=t2, done_at=t2 + 3 * HOUR)
    # x3: posted the week before; one action in this week, one the week before.
    x3 = add_alert(START - 2 * DAY)
    add_action(x3, bob, "message_author", claimed_at=START + 4 * DAY, done_at=START + 4 * DAY)
    add_action(x3, dan, "report_platform", claimed_at=START - 2 * HOUR, done_at=START - HOUR)
    # x4: a suspended member's report counts as an action, not as a member who acted;
    # an action done after the period ended belongs to the next digest.
    x4 = add_alert(START + 5 * DAY)
    add_action(
        x4, suspended, "report_platform", claimed_at=START + 5 * DAY, done_at=START + 5 * DAY + HOUR
    )
    add_action(x4, cat, "support_target_private", claimed_at=END - MIN, done_at=END + HOUR)
    # No voices goal: the target asked for private support only; rejected; still in review.
    add_alert(
        START + 6 * DAY, target_requested_help=True, wanted_actions=["support_target_private"]
    )
    add_alert(START + DAY, status="rejected")
    add_alert(START + DAY, status="pending_review")
    # Outcomes told in the period count, others not.
    add_alert(
        START - 10 * DAY, status="resolved", outcome="content_removed", resolved_at=START - DAY
    )
    add_alert(START - 10 * DAY, status="resolved", outcome="thread_calmed", resolved_at=START + DAY)

    # Campaigns ann joined: one ran in the period (x1 and x2 are its alerts), a draft, an old one.
    running = add_campaign("Week against hate", goal=10, starts_at=START - DAY, ends_at=END + DAY)
    draft = add_campaign("Not launched", goal=5, starts_at=START, ends_at=END, status="draft")
    over = add_campaign("Last month", goal=5, starts_at=START - 30 * DAY, ends_at=START - DAY)
    with app.app_context():
        db.session.execute(
            sa.update(Alert).where(Alert.id.in_([x1, x2])).values(campaign_id=running)
        )
        db.session.add_all(
            CampaignMember(campaign_id=campaign, member_id=ann, joined_at=START - 2 * DAY)
            for campaign in (running, draft, over)
        )
        db.session.commit()

    rows = build(app, [ann, bob, dan, eve, late_joiner])

    assert sorted(rows) == [ann, bob, dan, eve, late_joiner]
    network = rows[ann]["numbers"]["network"]
    assert network == {
        "active_members": 6,  # not the late joiner, not the suspended member
        "members_acted": 5,  # everyone but dan, whose report was the week before
        "share": round(5 / 6, 4),
        "alerts_handled": 4,  # x1, x2, x3, x4
        "actions_by_type": {
            "counter_speech": 3,
            "support_target_public": 2,
            "report_platform": 3,
            "message_author": 1,
        },
        # First completed action of alerts posted in the period: 30, 10 and 60 minutes.
        "median_minutes_to_first_action": 30.0,
        # x1 (2 of 3 voices), x2 (3 of 3), x4 (0 of 3); no goal for the others.
        "goal_reached_share": round(1 / 3, 4),
        "goal_reached": 1,
        "outcomes": {"content_removed": 1, "thread_calmed": 1},
        "content_removed": 1,
    }
    assert all(row["numbers"]["network"] == network for row in rows.values())
    assert rows[ann]["numbers"]["previous_share"] == round(1 / 6, 4)  # dan, the week before

    # "N of M teammates acted": the member's own team without the member; only active members.
    assert rows[ann]["numbers"]["teams"] == [{"name": "Class 4B", "members": 3, "acted": 2}]
    assert rows[dan]["numbers"]["teams"] == [{"name": "Class 4B", "members": 3, "acted": 3}]
    assert rows[eve]["numbers"]["teams"] == [{"name": "Chess club", "members": 1, "acted": 1}]
    assert rows[late_joiner]["numbers"]["teams"] == []

    # Progress as the campaign page counts it: x1's three and x2's four completed actions.
    assert rows[ann]["numbers"]["campaigns"] == [
        {"title": "Week against hate", "goal": 10, "done": 7}
    ]
    assert rows[bob]["numbers"]["campaigns"] == []

    assert rows[ann]["numbers"]["own_actions"] == {"counter_speech": 1, "report_platform": 1}
    assert rows[bob]["numbers"]["own_actions"] == {"support_target_public": 2, "message_author": 1}
    assert rows[dan]["numbers"]["own_actions"] == {}

    for row in rows.values():
        assert (row["period_start"], row["period_end"]) == (START, END)
        assert row["norm_kind"] == "descriptive"
        assert row["norm_message"] == "8 in 10 members acted this week."


def test_digest_numbers_match_the_actions_the_feed_shows(
    app: Flask,
    create_member: Callable[..., Any],
    api_as: Callable[..., Any],
    open_alert: Callable[..., Any],
) -> None:
    alert = open_alert()
    volunteers = [create_member() for _ in range(3)]
    done = []
    for volunteer, kind in zip(
        volunteers, ["counter_speech", "report_platform", "support_target_private"], strict=True
    ):
        claimed = api_as(
            volunteer, "POST", f"/api/v1/alerts/{alert['id']}/actions", json={"type": kind}
        )
        assert claimed.status_code == 201, claimed.get_data(as_text=True)
        done.append(claimed.get_json()["id"])
    finished = api_as(volunteers[0], "PATCH", f"/api/v1/actions/{done[0]}", json={"status": "done"})
    assert finished.status_code == 200
    assert api_as(volunteers[1], "PATCH", f"/api/v1/actions/{done[1]}", json={"status": "done"})
    released = api_as(
        volunteers[2], "PATCH", f"/api/v1/actions/{done[2]}", json={"status": "released"}
    )
    assert released.status_code == 200
    # Move that history, as it happened, into last week.
    with app.app_context():
        moved = db.session.get(Alert, alert["id"])
        assert moved is not None
        shift = moved.created_at - (START + DAY)
        moved.created_at -= shift
        for action in db.session.scalars(sa.select(Action).where(Action.alert_id == moved.id)):
            action.claimed_at -= shift
            action.done_at = action.done_at - shift if action.done_at else None
        db.session.execute(sa.update(Member).values(created_at=LONG_AGO))
        db.session.commit()
        members = list(db.session.scalars(sa.select(Member.id)))
    feed = api_as(volunteers[0], "GET", f"/api/v1/alerts/{alert['id']}/actions").get_json()["items"]
    shown_done = [item for item in feed if item["status"] == "done"]

    network = build(app, members)[volunteers[0].id]["numbers"]["network"]

    assert network["actions_by_type"] == dict(Counter(item["type"] for item in shown_done))
    assert network["members_acted"] == len({item["volunteer"] for item in shown_done}) == 2
    assert network["active_members"] == len(members)
    assert network["alerts_handled"] == 1


def test_building_a_batch_takes_as_many_queries_for_60_members_as_for_10(
    app: Flask,
    add_campaign: Callable[..., int],
    add_members: Callable[..., list[int]],
    add_team: Callable[..., int],
    add_alert: Callable[..., int],
    add_action: Callable[..., int],
) -> None:
    members = add_members(70) + add_members(2, locale="nl")
    for first in range(0, len(members), 6):
        add_team(f"Team {first}", members[first : first + 6])
    alert = add_alert(START + HOUR)
    campaign = add_campaign("Week against hate", goal=50, starts_at=START, ends_at=END)
    with app.app_context():
        db.session.execute(sa.update(Alert).where(Alert.id == alert).values(campaign_id=campaign))
        db.session.add_all(
            CampaignMember(campaign_id=campaign, member_id=m, joined_at=START) for m in members[::2]
        )
        db.session.commit()
    kinds = ["report_platform", "support_target_private", "enlist_help", "message_author"]
    for number, member_id in enumerate(members[::3]):
        moment = START + HOUR + number * MIN
        add_action(alert, member_id, kinds[number % 4], claimed_at=moment, done_at=moment)
    small, large = members[:10], members[10:]

    with counting_statements(app) as for_small:
        build(app, small, "job-small")
    with counting_statements(app) as for_large:
        build(app, large, "job-large")

    assert len(digest_rows(app, large)) == 62
    assert len(for_small) == len(for_large), "\n".join(for_large)
    assert len(for_small) <= 30
