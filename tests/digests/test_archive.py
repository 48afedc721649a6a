"""The archive: every digest a member was sent, on a page and at GET /api/v1/me/digests."""

from __future__ import annotations

from collections.abc import Callable
from datetime import date, timedelta
from typing import Any

from flask import Flask
from flask.testing import FlaskClient

from network.db import utcnow
from network.digests.models import Digest, DigestStatus
from network.digests.periods import period_ending
from network.extensions import db
from tests.conftest import MemberHandle
from tests.world import sent_digest_numbers


def add_digests(app: Flask, member: MemberHandle, statuses: list[str]) -> list[int]:
    """Store digests for consecutive days, oldest first; return their ids."""
    ids = []
    with app.app_context():
        for day, status in enumerate(statuses):
            period = period_ending(
                "daily", "Europe/Amsterdam", date(2026, 1, 1) + timedelta(days=day), 8
            )
            digest = Digest(
                member_id=member.id,
                period_key=period.key,
                period_start=period.start,
                period_end=period.end,
                status=DigestStatus(status),
                claimed_by="job",
                claimed_at=period.end,
                attempts=1,
                numbers=sent_digest_numbers(),
                norm_kind="descriptive",
                norm_message=f"Digest number {day}: 7 in 10 members acted yesterday.",
                sent_at=utcnow() if status == "sent" else None,
            )
            db.session.add(digest)
            db.session.flush()
            ids.append(digest.id)
        db.session.commit()
    return ids


def test_archive_page_lists_your_digests_newest_first_and_shows_each_one(
    app: Flask,
    client: FlaskClient,
    create_member: Callable[..., MemberHandle],
    log_in: Callable[[MemberHandle], Any],
) -> None:
    me, someone = create_member(), create_member()
    mine = add_digests(app, me, ["sent"] * 20 + ["failed", "claimed", "sent"])
    theirs = add_digests(app, someone, ["sent"])
    assert client.get("/digests/").status_code == 302, "log in first"
    log_in(me)

    first = client.get("/digests/").get_data(as_text=True)
    assert first.index("Digest number 22:") < first.index("Digest number 20:")
    assert "Digest number 21:" not in first, "a digest still being sent is not in the archive"
    assert "Could not be delivered by email." in first
    assert "Digest number 1:" not in first
    older = client.get(f"/digests/?before={mine[3]}").get_data(as_text=True)
    assert "Older digests" in first
    assert "Digest number 0:" in older and "Digest number 2:" in older

    shown = client.get(f"/digests/{mine[-1]}")
    page = shown.get_data(as_text=True)
    assert shown.status_code == 200
    assert "7 of 10 members acted (70%)" in page
    assert "3 of your 5 teammates in Class 4B acted." in page
    assert "First help arrived after 12.5 min. (median)" in page
    # Kept from before the count was stored: the share, which was half.
    assert "50% of alerts reached their goal of public voices" in page
    assert "Week against hate: 7 of 10 actions done" in page
    assert client.get(f"/digests/{theirs[0]}").status_code == 404
    assert client.get("/digests/999999").status_code == 404


def test_api_pages_through_your_own_digests_with_a_cursor(
    app: Flask, create_member: Callable[..., MemberHandle], api_as: Callable[..., Any]
) -> None:
    me, someone = create_member(), create_member()
    mine = add_digests(app, me, ["sent", "failed", "claimed", "sent", "sent"])
    add_digests(app, someone, ["sent", "sent"])

    seen: list[dict[str, Any]] = []
    cursor = None
    for _page in range(5):
        query = {"limit": 2, **({"cursor": cursor} if cursor else {})}
        response = api_as(me, "GET", "/api/v1/me/digests", query_string=query)
        assert response.status_code == 200, response.get_data(as_text=True)
        body = response.get_json()
        assert len(body["items"]) <= 2
        seen += body["items"]
        cursor = body["next_cursor"]
        if cursor is None:
            break

    assert [item["id"] for item in seen] == [mine[4], mine[3], mine[1], mine[0]]
    assert [item["status"] for item in seen] == ["sent", "sent", "failed", "sent"]
    newest = seen[0]
    assert newest["norm_kind"] == "descriptive"
    assert newest["numbers"]["network"]["members_acted"] == 7
    assert newest["period_key"] == "daily:2026-01-05"
    assert api_as(None, "GET", "/api/v1/me/digests").status_code == 401
    damaged = api_as(me, "GET", "/api/v1/me/digests", query_string={"cursor": "%%%"})
    assert damaged.status_code == 422
    assert damaged.get_json()["error"]["fields"] == {"cursor": "This cursor is not valid."}
