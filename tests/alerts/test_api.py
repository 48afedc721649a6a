"""Alerts over the API: posting, merging, review, visibility, flags, closing and bad input."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest
import sqlalchemy as sa
from flask import Flask

from network.alerts.models import Alert
from network.extensions import db
from network.moderation.models import AuditEntry
from network.settings import replace_settings

Api = Callable[..., Any]


def alert_count(app: Flask) -> int:
    with app.app_context():
        return db.session.scalar(sa.select(sa.func.count()).select_from(Alert)) or 0


def audit_actions(app: Flask, alert_id: int) -> list[str]:
    with app.app_context():
        return list(
            db.session.scalars(
                sa.select(AuditEntry.action)
                .where(AuditEntry.subject_type == "alert", AuditEntry.subject_id == alert_id)
                .order_by(AuditEntry.id)
            )
        )


def feed_ids(api_as: Api, member: Any, **params: Any) -> list[int]:
    response = api_as(member, "GET", "/api/v1/alerts", query_string=params)
    assert response.status_code == 200, response.get_data(as_text=True)
    return [alert["id"] for alert in response.get_json()["items"]]


def test_new_members_alert_waits_for_review_until_an_organiser_approves(
    app: Flask, api_as: Api, post_alert: Api, create_member: Callable[..., Any], organiser: Any
) -> None:
    newcomer, bystander = create_member(), create_member(trust_level=2)
    posted = post_alert(newcomer)
    assert posted.status_code == 201
    alert = posted.get_json()
    assert alert["status"] == "pending_review"
    assert alert["reported_by_me"] is True
    assert alert["canonical_url"].startswith("https://instagram.com/p/thread")
    assert alert["platform"] == "instagram"

    assert alert["id"] not in feed_ids(api_as, bystander)
    assert api_as(bystander, "GET", f"/api/v1/alerts/{alert['id']}").status_code == 404
    assert api_as(newcomer, "GET", f"/api/v1/alerts/{alert['id']}").status_code == 200
    pending = feed_ids(api_as, organiser, status="pending_review")
    assert alert["id"] in pending

    approved = api_as(
        organiser,
        "POST",
        f"/api/v1/alerts/{alert['id']}/review",
        json={"decision": "approve", "reason": "clear case"},
    )
    assert approved.status_code == 200
    assert approved.get_json()["status"] == "open"
    assert alert["id"] in feed_ids(api_as, bystander)
    assert audit_actions(app, alert["id"]) == ["alert.approved"]


def test_trusted_members_alert_opens_at_once(post_alert: Api, create_member: Any) -> None:
    assert post_alert(create_member(trust_level=1)).get_json()["status"] == "open"


def test_rejected_alert_disappears_for_members_and_is_audited(
    app: Flask, api_as: Api, post_alert: Api, create_member: Any, organiser: Any
) -> None:
    newcomer, other = create_member(), create_member(trust_level=2)
    alert = post_alert(newcomer).get_json()
    no_reason = api_as(
        organiser, "POST", f"/api/v1/alerts/{alert['id']}/review", json={"decision": "reject"}
    )
    assert no_reason.status_code == 422 and "reason" in no_reason.get_json()["error"]["fields"]
    rejected = api_as(
        organiser,
        "POST",
        f"/api/v1/alerts/{alert['id']}/review",
        json={"decision": "reject", "reason": "not hurtful"},
    )
    assert rejected.get_json()["status"] == "rejected"
    assert api_as(other, "GET", f"/api/v1/alerts/{alert['id']}").status_code == 404
    assert api_as(other, "GET", "/api/v1/alerts?status=rejected").get_json()["items"] == []
    again = api_as(
        organiser, "POST", f"/api/v1/alerts/{alert['id']}/review", json={"decision": "approve"}
    )
    assert again.status_code == 409
    assert audit_actions(app, alert["id"]) == ["alert.rejected"]


def test_only_reviewers_review(api_as: Api, post_alert: Api, create_member: Any) -> None:
    alert = post_alert(create_member()).get_json()
    member = create_member(trust_level=2)
    response = api_as(
        member, "POST", f"/api/v1/alerts/{alert['id']}/review", json={"decision": "approve"}
    )
    assert response.status_code in (403, 404)
    assert response.get_json()["error"]["code"] in {"forbidden", "not_found"}
    reviewer = create_member(trust_level=3)
    response = api_as(
        reviewer, "POST", f"/api/v1/alerts/{alert['id']}/review", json={"decision": "approve"}
    )
    assert response.status_code == 200 and response.get_json()["status"] == "open"


def test_trust_rises_after_enough_approved_alerts_in_the_daily_batch(
    app: Flask, api_as: Api, post_alert: Api, create_member: Any, organiser: Any
) -> None:
    from network.moderation.trust import apply_trust_changes

    replace_settings(app, trust_promotion_approved_alerts=2)
    try:
        newcomer = create_member()
        for _ in range(2):
            alert = post_alert(newcomer).get_json()
            assert alert["status"] == "pending_review"
            api_as(
                organiser,
                "POST",
                f"/api/v1/alerts/{alert['id']}/review",
                json={"decision": "approve"},
            )
        # Not at the review: an audit entry beside the approval would name the reporter.
        assert api_as(newcomer, "GET", "/api/v1/me").get_json()["trust_level"] == 0
        with app.app_context():
            apply_trust_changes()
        assert api_as(newcomer, "GET", "/api/v1/me").get_json()["trust_level"] == 1
        assert post_alert(newcomer).get_json()["status"] == "open"
    finally:
        replace_settings(app, trust_promotion_approved_alerts=3)
    with app.app_context():
        changes = db.session.scalars(
            sa.select(AuditEntry).where(
                AuditEntry.action == "member.trust_changed", AuditEntry.subject_id == newcomer.id
            )
        ).all()
    assert [(c.details["old"], c.details["new"], c.actor_id) for c in changes] == [(0, 1, None)]


def test_organiser_sets_trust_and_it_is_audited(
    app: Flask, api_as: Api, create_member: Any, organiser: Any
) -> None:
    member = create_member()
    response = api_as(
        organiser,
        "PUT",
        f"/api/v1/members/{member.id}/trust",
        json={"trust_level": 2, "reason": "known volunteer"},
    )
    assert response.status_code == 200 and response.get_json()["trust_level"] == 2
    refused = api_as(
        member, "PUT", f"/api/v1/members/{organiser.id}/trust", json={"trust_level": 0}
    )
    assert refused.status_code == 403
    with app.app_context():
        entry = db.session.scalar(
            sa.select(AuditEntry).where(
                AuditEntry.action == "member.trust_changed", AuditEntry.subject_id == member.id
            )
        )
    assert entry is not None and entry.actor_id == organiser.id
    assert entry.details == {"old": 0, "new": 2, "reason": "known volunteer"}


def test_same_thread_from_another_variant_merges(
    app: Flask, api_as: Api, post_alert: Api, create_member: Any
) -> None:
    first, second = create_member(trust_level=1), create_member(trust_level=1)
    created = post_alert(first, url="https://www.instagram.com/p/Cxyz/?igshid=a1")
    assert created.status_code == 201
    merged = post_alert(second, url="http://m.instagram.com/p/Cxyz?utm_source=share#top")
    assert merged.status_code == 200
    assert merged.get_json()["id"] == created.get_json()["id"]
    assert merged.get_json()["reporter_count"] == 2
    twice = post_alert(second, url="https://instagram.com/p/Cxyz")
    assert twice.status_code == 200 and twice.get_json()["reporter_count"] == 2, "once per member"
    # The old name stays for one release, with the same number.
    assert twice.get_json()["flag_count"] == 2
    assert alert_count(app) == 1


def test_a_closed_alert_does_not_swallow_a_new_report(
    api_as: Api, post_alert: Api, open_alert: Callable[..., Any]
) -> None:
    alert = open_alert(url="https://x.com/a/status/99")
    reporter = alert.reporter
    api_as(
        reporter, "POST", f"/api/v1/alerts/{alert['id']}/resolve", json={"outcome": "thread_calmed"}
    )
    again = post_alert(reporter, url="https://twitter.com/a/status/99")
    assert again.status_code == 201 and again.get_json()["id"] != alert["id"]


@pytest.mark.parametrize(
    ("change", "field"),
    [
        ({"url": "javascript:alert(document.cookie)"}, "url"),
        ({"url": "https://example.org/" + "a" * 5000}, "url"),
        ({"url": "https://user:pass@example.org/"}, "url"),
        ({"severity": 7}, "severity"),
        ({"severity": 0}, "severity"),
        ({"category": "gossip"}, "category"),
        ({"summary": "Write to her at jane.doe@example.org to tell her"}, "summary"),
        ({"summary": "Her number is +31 6 1234 5678, they post it everywhere"}, "summary"),
        ({"summary": ""}, "summary"),
        ({"summary": "x" * 501}, "summary"),
        ({"responder_goal": 50}, "responder_goal"),
        ({"language": "xx"}, "language"),
        ({"wanted_actions": ["revenge"]}, "wanted_actions.0"),
        ({"team_id": 424242}, "team_id"),
        ({"campaign_id": 1}, "campaign_id"),
    ],
)
def test_bad_alert_is_refused_naming_the_field_and_nothing_is_stored(
    app: Flask, post_alert: Api, create_member: Any, change: dict[str, Any], field: str
) -> None:
    response = post_alert(create_member(trust_level=1), **change)
    assert response.status_code == 422, response.get_data(as_text=True)
    error = response.get_json()["error"]
    assert error["code"] == "validation_failed"
    assert field in error["fields"], error
    assert alert_count(app) == 0


def test_privacy_guard_says_why(post_alert: Api, create_member: Any) -> None:
    response = post_alert(create_member(), summary="Mail her: target@example.org")
    assert "personal data" in response.get_json()["error"]["fields"]["summary"]


def test_target_chooses_the_help_they_welcome(post_alert: Api, create_member: Any) -> None:
    alert = post_alert(
        create_member(trust_level=1),
        target_requested_help=True,
        wanted_actions=["report_platform", "support_target_private"],
    ).get_json()
    assert alert["target_requested_help"] is True
    assert alert["wanted_actions"] == ["support_target_private", "report_platform"]
    everything = post_alert(create_member(trust_level=1), target_requested_help=True).get_json()
    assert len(everything["wanted_actions"]) == 7
    bystander = post_alert(
        create_member(trust_level=1), wanted_actions=["report_platform"]
    ).get_json()
    assert bystander["wanted_actions"] == [], "only targets choose the help"


def test_alert_can_belong_to_the_reporters_team(
    api_as: Api, post_alert: Api, create_member: Any
) -> None:
    member = create_member(trust_level=1)
    team = api_as(member, "POST", "/api/v1/teams", json={"name": "4B"}).get_json()
    for _ in range(2):  # team alerts need three members, or the others would know who posted
        joined = api_as(
            create_member(),
            "POST",
            f"/api/v1/teams/{team['id']}/members",
            json={"invite_code": team["invite_code"]},
        )
        assert joined.status_code in (200, 201), joined.get_data(as_text=True)
    alert = post_alert(member, team_id=team["id"]).get_json()
    assert alert["team_id"] == team["id"]
    assert feed_ids(api_as, member, team_id=team["id"]) == [alert["id"]]


def test_list_is_ordered_by_urgency_and_filtered(
    api_as: Api, open_alert: Callable[..., Any], create_member: Any
) -> None:
    mild = open_alert(severity=1, category="exclusion")
    asked = open_alert(severity=3, target_requested_help=True)
    severe = open_alert(severity=3, url="https://www.tiktok.com/@a/video/1")
    dangerous = open_alert(severity=4, category="threat")
    reader = create_member()
    assert feed_ids(api_as, reader) == [dangerous["id"], asked["id"], severe["id"], mild["id"]]
    assert feed_ids(api_as, reader, min_severity=3) == [dangerous["id"], asked["id"], severe["id"]]
    assert feed_ids(api_as, reader, category="exclusion") == [mild["id"]]
    assert feed_ids(api_as, reader, platform="tiktok") == [severe["id"]]
    bad = api_as(reader, "GET", "/api/v1/alerts?min_severity=9")
    assert bad.status_code == 422 and "min_severity" in bad.get_json()["error"]["fields"]


def test_list_pages_with_a_cursor_without_gaps_or_repeats(
    api_as: Api, open_alert: Callable[..., Any], create_member: Any
) -> None:
    created = [
        open_alert(severity=1 + i % 4, target_requested_help=i % 3 == 0)["id"] for i in range(9)
    ]
    reader = create_member()
    seen: list[int] = []
    cursor = None
    for _ in range(10):
        params = {"limit": 2, **({"cursor": cursor} if cursor else {})}
        page = api_as(reader, "GET", "/api/v1/alerts", query_string=params).get_json()
        seen += [alert["id"] for alert in page["items"]]
        cursor = page["next_cursor"]
        if cursor is None:
            break
    assert sorted(seen) == sorted(created) and len(seen) == len(set(seen))
    assert seen == feed_ids(api_as, reader, limit=100)


def test_three_trusted_flags_hide_an_alert_until_review(
    app: Flask, api_as: Api, open_alert: Callable[..., Any], create_member: Any, organiser: Any
) -> None:
    alert = open_alert()
    reporter = alert.reporter
    newcomer = create_member()  # trust 0: their flag informs, but does not hide
    flaggers = [create_member(trust_level=1) for _ in range(3)]
    reader = create_member(trust_level=2)
    path = f"/api/v1/alerts/{alert['id']}/flags"
    assert api_as(newcomer, "POST", path, json={"reason": "misleading"}).status_code == 201
    for flagger in flaggers[:2]:
        assert api_as(flagger, "POST", path, json={"reason": "abusive"}).status_code == 201
    assert api_as(flaggers[0], "POST", path, json={"reason": "abusive"}).status_code == 200
    assert alert["id"] in feed_ids(api_as, reader)
    assert api_as(flaggers[2], "POST", path, json={"reason": "abusive"}).status_code == 201

    assert alert["id"] not in feed_ids(api_as, reader)
    assert api_as(reader, "GET", f"/api/v1/alerts/{alert['id']}").status_code == 404
    assert api_as(reporter, "GET", f"/api/v1/alerts/{alert['id']}").get_json()["hidden"] is True
    assert api_as(reporter, "POST", path, json={"reason": "abusive"}).status_code in (404, 409)

    restored = api_as(
        organiser,
        "POST",
        f"/api/v1/alerts/{alert['id']}/review",
        json={"decision": "approve", "reason": "flags unfounded"},
    )
    assert restored.status_code == 200 and restored.get_json()["hidden"] is False
    assert alert["id"] in feed_ids(api_as, reader)
    assert audit_actions(app, alert["id"]) == ["alert.hidden", "alert.approved"]
    bad = api_as(reader, "POST", path, json={"reason": "boring"})
    assert bad.status_code == 422 and "reason" in bad.get_json()["error"]["fields"]


def test_reporter_or_organiser_resolves_with_an_outcome(
    app: Flask, api_as: Api, open_alert: Callable[..., Any], create_member: Any, organiser: Any
) -> None:
    alert = open_alert()
    reporter = alert.reporter
    other = create_member(trust_level=2)
    path = f"/api/v1/alerts/{alert['id']}/resolve"
    assert api_as(other, "POST", path, json={"outcome": "content_removed"}).status_code == 403
    bad = api_as(reporter, "POST", path, json={"outcome": "vanished"})
    assert bad.status_code == 422 and "outcome" in bad.get_json()["error"]["fields"]
    done = api_as(reporter, "POST", path, json={"outcome": "content_removed"})
    assert done.status_code == 200
    assert done.get_json()["status"] == "resolved"
    assert done.get_json()["outcome"] == "content_removed"
    assert api_as(organiser, "POST", path, json={"outcome": "unknown"}).status_code == 409
    assert feed_ids(api_as, other, status="resolved") == [alert["id"]]
    second = open_alert()
    closed = api_as(
        organiser,
        "POST",
        f"/api/v1/alerts/{second['id']}/resolve",
        json={"outcome": "thread_calmed"},
    )
    assert closed.status_code == 200
    assert "alert.resolved" in audit_actions(app, second["id"])


def test_reporter_identity_appears_in_no_member_facing_answer(
    app: Flask,
    client: Any,
    api_as: Api,
    post_alert: Api,
    create_member: Any,
    organiser: Any,
    log_in: Any,
) -> None:
    reporter = create_member(
        trust_level=1, display_name="Reporter Rosa", email="rosa.reporter@example.org"
    )
    alert = post_alert(reporter).get_json()
    merger = create_member(trust_level=1)
    post_alert(merger, url=alert["url"])
    reader = create_member(trust_level=2)
    answers = [
        api_as(reader, "GET", "/api/v1/alerts"),
        api_as(reader, "GET", f"/api/v1/alerts/{alert['id']}"),
        api_as(merger, "GET", f"/api/v1/alerts/{alert['id']}"),
        api_as(organiser, "GET", f"/api/v1/alerts/{alert['id']}"),
        api_as(
            reader, "POST", f"/api/v1/alerts/{alert['id']}/flags", json={"reason": "misleading"}
        ),
    ]
    log_in(reader)
    answers += [
        client.get("/alerts/"),
        client.get(f"/alerts/{alert['id']}"),
        client.get(f"/alerts/{alert['id']}/visit"),
    ]
    for answer in answers:
        assert answer.status_code in (200, 201), answer.request.path
        text = answer.get_data(as_text=True)
        assert "rosa.reporter@example.org" not in text
        assert "Reporter Rosa" not in text
        if answer.is_json:
            body = answer.get_json()
            items = body.get("items", [body])
            for item in items:
                assert "reporter_id" not in item and "reporter" not in item
                assert reporter.id not in [
                    v
                    for k, v in item.items()
                    if k != "id"
                    and isinstance(v, int)
                    and k
                    not in {
                        "severity",
                        "responder_goal",
                        "reporter_count",
                        "flag_count",
                        "team_id",
                        "campaign_id",
                    }
                ]


def test_audit_log_refuses_changes(
    app: Flask, api_as: Api, post_alert: Api, create_member: Any, organiser: Any
) -> None:
    alert = post_alert(create_member()).get_json()
    api_as(organiser, "POST", f"/api/v1/alerts/{alert['id']}/review", json={"decision": "approve"})
    with app.app_context():
        entry_id = db.session.scalar(
            sa.select(AuditEntry.id).where(
                AuditEntry.subject_id == alert["id"], AuditEntry.subject_type == "alert"
            )
        )
        for statement in (
            sa.update(AuditEntry).where(AuditEntry.id == entry_id).values(action="x"),
            sa.delete(AuditEntry).where(AuditEntry.id == entry_id),
        ):
            with pytest.raises(sa.exc.DBAPIError), db.session.begin_nested():
                db.session.execute(statement)
        assert db.session.get(AuditEntry, entry_id) is not None


def test_a_reporter_resolving_their_alert_stays_anonymous_in_the_audit_log(
    app: Flask, api_as: Api, open_alert: Callable[..., Any]
) -> None:
    alert = open_alert()
    reporter = alert.reporter
    api_as(
        reporter, "POST", f"/api/v1/alerts/{alert['id']}/resolve", json={"outcome": "thread_calmed"}
    )
    with app.app_context():
        entry = db.session.scalar(
            sa.select(AuditEntry).where(
                AuditEntry.action == "alert.resolved", AuditEntry.subject_id == alert["id"]
            )
        )
    assert entry is not None and entry.actor_id is None
    assert entry.details == {"outcome": "thread_calmed", "by": "reporter"}
