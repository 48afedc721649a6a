"""The audit log page: names, alert links, translated actions, readable details, pages."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest
from flask import Flask
from flask.testing import FlaskClient

from network.extensions import db
from network.moderation import audit

Api = Callable[..., Any]


def test_entries_show_names_links_and_readable_details(
    client: FlaskClient,
    api_as: Api,
    post_alert: Api,
    review: Api,
    create_member: Any,
    log_in: Any,
) -> None:
    organiser = create_member(role="organiser", display_name="Olga Organiser")
    member = create_member(display_name="Mila Member")
    alert = post_alert(create_member()).get_json()
    review(organiser, alert["id"], "approve", "Clear case")
    api_as(
        organiser,
        "PUT",
        f"/api/v1/members/{member.id}/trust",
        json={"trust_level": 2, "reason": "Knows the ropes"},
    )
    log_in(organiser)
    page = client.get("/review/audit").get_data(as_text=True)
    assert "Olga Organiser" in page and "Mila Member" in page
    assert "Alert approved" in page and "Trust level changed" in page
    assert f'href="/alerts/{alert["id"]}"' in page
    assert f"Alert #{alert['id']}: Hate on Instagram" in page
    assert "Was hidden by flags" in page and "<dd>no</dd>" in page
    assert "Old trust level" in page and "Knows the ropes" in page
    for raw in (
        "was_hidden",
        "False",
        "alert.approved",
        "member.trust_changed",
        f"#{organiser.id}<",
    ):
        assert raw not in page, raw


def test_automatic_entries_and_erased_members_read_as_words(
    app: Flask, client: FlaskClient, create_member: Any, log_in: Any
) -> None:
    with app.app_context():
        audit.record(None, "alert.hidden", "alert", 999_999, flags=3)
        audit.record(None, "privacy.retention", "network", 0, days=90, summaries=2)
        db.session.commit()
    log_in(create_member(role="organiser"))
    page = client.get("/review/audit").get_data(as_text=True)
    assert "the network (automatic)" in page
    assert "Alert hidden by flags" in page and "Alert #999999 (deleted)" in page
    assert "Old alert texts deleted" in page and "Summaries deleted" in page


def test_the_log_is_paged(app: Flask, client: FlaskClient, create_member: Any, log_in: Any) -> None:
    with app.app_context():
        for n in range(60):
            audit.record(None, "alert.expired", "alert", 10_000 + n)
        db.session.commit()
    log_in(create_member(role="organiser"))
    first = client.get("/review/audit").get_data(as_text=True)
    assert first.count("Alert expired") == 50 and "Older entries" in first
    older = client.get("/review/audit?before=" + first.split("before=")[1].split('"')[0])
    body = older.get_data(as_text=True)
    assert older.status_code == 200 and "Newest entries" in body
    assert body.count("Alert expired") >= 10


@pytest.mark.parametrize(
    ("before", "status", "page_status"),
    [
        ("0", 422, 422),
        ("-5", 422, 422),
        ("99999999999999999999999", 422, 422),
        ("2147483648", 422, 422),
        ("2147483647", 200, 422),
        ("12", 200, 200),
        ("abc", 422, 422),
        ("1e5", 422, 422),
    ],
)
def test_odd_cursors_never_break_the_page(
    client: FlaskClient,
    create_member: Any,
    log_in: Any,
    before: str,
    status: int,
    page_status: int,
) -> None:
    # Cursors and page numbers are whole numbers within range, or the page names the problem.
    log_in(create_member(role="organiser"))
    assert client.get(f"/review/audit?before={before}").status_code == status
    assert client.get(f"/review/members?page={before}").status_code == page_status
