"""Trust-3 members review; flagged alerts, even by new members only, reach the queue."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from flask import Flask
from flask.testing import FlaskClient

from tests.accounts.test_sessions import logged_in_client

Api = Callable[..., Any]


def queue_items(api_as: Api, reviewer: Any) -> dict[int, dict[str, Any]]:
    answer = api_as(reviewer, "GET", "/api/v1/review/alerts")
    assert answer.status_code == 200
    return {item["alert"]["id"]: item for item in answer.get_json()["items"]}


def test_a_new_members_flag_brings_a_visible_alert_to_the_queue(
    api_as: Api, open_alert: Any, create_member: Any, flag: Any, review: Any
) -> None:
    alert = open_alert()
    reviewer = create_member(trust_level=3)
    assert alert["id"] not in queue_items(api_as, reviewer)
    flag(create_member(trust_level=0), alert["id"], "abusive", "It doxxes the author.")
    item = queue_items(api_as, reviewer)[alert["id"]]
    assert item["waiting"] == "flagged" and item["alert"]["hidden"] is False
    assert item["flags"][0]["note"] == "It doxxes the author." and not item["flags"][0]["counts"]
    assert (
        review(reviewer, alert["id"], "approve", "The thread is fine to act on.").status_code == 200
    )
    assert alert["id"] not in queue_items(api_as, reviewer), "weighed flags leave the queue"
    again = review(reviewer, alert["id"], "approve")
    assert again.status_code == 409 and again.get_json()["error"]["code"] == "not_reviewable"
    flag(create_member(trust_level=1), alert["id"])
    assert queue_items(api_as, reviewer)[alert["id"]]["waiting"] == "flagged", "new flags return"


def test_rejecting_a_flagged_alert_takes_it_out_of_the_feed(
    api_as: Api, open_alert: Any, create_member: Any, flag: Any, review: Any
) -> None:
    alert = open_alert()
    reporter = alert.reporter
    flag(create_member(trust_level=1), alert["id"], "misleading", "Staged.")
    assert review(create_member(trust_level=3), alert["id"], "reject", "Staged.").status_code == 200
    reader = create_member(trust_level=1)
    assert api_as(reader, "GET", f"/api/v1/alerts/{alert['id']}").status_code == 404
    notices = api_as(reporter, "GET", "/api/v1/me/notices").get_json()
    assert notices["items"][0]["kind"] == "alert_rejected"


def test_reviewers_do_not_review_their_own_alerts(
    api_as: Api, post_alert: Api, create_member: Any, flag: Any, review: Any
) -> None:
    reviewer = create_member(trust_level=3)
    alert = post_alert(reviewer).get_json()
    flag(create_member(trust_level=2), alert["id"])
    answer = review(reviewer, alert["id"], "approve")
    assert answer.status_code == 409 and answer.get_json()["error"]["code"] == "own_alert"


def test_trust_three_members_find_and_use_the_review_page(
    client: FlaskClient, post_alert: Api, create_member: Any, log_in: Any, submit: Any
) -> None:
    alert = post_alert(create_member()).get_json()
    log_in(create_member(trust_level=3))
    home = client.get("/").get_data(as_text=True)
    assert 'href="/review/"' in home
    queue = client.get("/review/").get_data(as_text=True)
    assert alert["summary"] in queue and "Audit log" not in queue
    done = submit("/review/", {"decision": "approve"}, action=f"/review/{alert['id']}")
    assert done.status_code == 302
    assert alert["summary"] not in client.get("/review/").get_data(as_text=True)


def test_reviewers_see_the_flags_on_the_alert_page_and_members_do_not(
    app: Flask, open_alert: Any, create_member: Any, flag: Any
) -> None:
    alert = open_alert()
    flag(create_member(trust_level=0), alert["id"], "misleading", "The screenshot is edited.")
    path = f"/alerts/{alert['id']}"
    member = logged_in_client(app, create_member(trust_level=1))
    assert "The screenshot is edited." not in member.get(path).get_data(as_text=True)
    reviewer = logged_in_client(app, create_member(trust_level=3))
    page = reviewer.get(path).get_data(as_text=True)
    assert "The screenshot is edited." in page and "new member: does not count" in page
