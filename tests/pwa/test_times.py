"""Times in the reader's own zone and language, the zone named where it matters."""

from __future__ import annotations

import re
from datetime import UTC, datetime
from typing import Any

from flask import Flask
from flask.testing import FlaskClient

from network.i18n import member_zone, moment
from tests.conftest import csrf_token_from

WINTER_MORNING = datetime(2027, 1, 15, 8, 0, tzinfo=UTC)  # 09:00 in Amsterdam, 03:00 in New York


def test_a_campaign_entered_as_0900_amsterdam_shows_each_organiser_their_own_time(
    app: Flask, create_member: Any, log_in: Any, submit: Any
) -> None:
    amsterdam = create_member(role="organiser", time_zone="Europe/Amsterdam")
    new_york = create_member(role="organiser", time_zone="America/New_York")
    dutch = create_member(role="organiser", time_zone="Europe/Amsterdam", locale="nl")

    log_in(amsterdam)
    made = submit(
        "/campaigns/new",
        {
            "title": "Kind words week",
            "hashtag": "#KindWords",
            "description": "Be kind.",
            "starts_at": "2027-01-15T09:00",
            "ends_at": "2027-01-22T18:00",
            "goal": "10",
            "recommended_actions": ["support_target_private"],
        },
    )
    assert made.status_code == 302
    page = made.headers["Location"]

    def seen_by(member: Any) -> str:
        with app.test_client() as client:  # a browser of their own
            token = csrf_token_from(client.get("/login").get_data(as_text=True))
            login = {"csrf_token": token, "email": member.email, "password": member.password}
            assert client.post("/login", data=login).status_code == 302
            return client.get(page).get_data(as_text=True)

    in_amsterdam, in_new_york, in_dutch = seen_by(amsterdam), seen_by(new_york), seen_by(dutch)

    start = '<time datetime="2027-01-15T08:00:00Z">'
    assert f"{start}Jan 15, 2027, 9:00:00\u202fAM (Amsterdam time)</time>" in in_amsterdam
    assert f"{start}Jan 15, 2027, 3:00:00\u202fAM (New York time)</time>" in in_new_york
    assert (
        '<time datetime="2027-01-22T17:00:00Z">Jan 22, 2027, 12:00:00\u202fPM (New York time)'
        in (in_new_york)
    )
    # Dutch format (the zone's wording comes with the catalogue: "tijd in Amsterdam").
    assert re.search(rf"{start}15 jan 2027, 09:00:00 \([^)]*Amsterdam[^)]*\)</time>", in_dutch)


def test_mail_and_pushes_format_times_in_the_members_zone(app: Flask) -> None:
    with app.app_context():
        with member_zone("America/New_York"):
            new_york = str(moment(WINTER_MORNING, zone=True))
        with member_zone("Europe/Amsterdam"):
            amsterdam = str(moment(WINTER_MORNING))
        with member_zone("Not/AZone"):
            unknown = str(moment(WINTER_MORNING))

    assert new_york == (
        '<time datetime="2027-01-15T08:00:00Z">1/15/27, 3:00\u202fAM (New York time)</time>'
    )
    assert amsterdam == '<time datetime="2027-01-15T08:00:00Z">1/15/27, 9:00\u202fAM</time>'
    assert unknown == '<time datetime="2027-01-15T08:00:00Z">1/15/27, 8:00\u202fAM</time>'


def test_a_visitors_page_carries_utc_for_the_browser_to_show_in_its_own_zone(
    app: Flask,
) -> None:
    with app.test_request_context("/"):
        shown = str(moment(WINTER_MORNING, zone=True))

    assert shown == (
        '<time datetime="2027-01-15T08:00:00Z" data-local="short" data-zone>'
        "1/15/27, 8:00\u202fAM (UTC time)</time>"
    )


def test_a_claim_deadline_names_the_members_zone(
    client: FlaskClient, create_member: Any, log_in: Any, submit: Any, open_alert: Any
) -> None:
    alert = open_alert()
    log_in(create_member(time_zone="America/New_York"))
    submit("/feed/", {"type": "report_platform"}, action=f"/feed/alerts/{alert['id']}/claim")

    html = client.get("/feed/").get_data(as_text=True)

    assert re.search(
        r"Please do it by <time datetime=\"[^\"]+Z\">[^<]+ \(New York time\)</time>", html
    )
