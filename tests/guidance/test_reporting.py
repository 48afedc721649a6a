"""Report helpers: the platform's route, the Digital Services Act notice, police and hotlines."""

from __future__ import annotations

from html import unescape
from typing import Any

import pytest
import sqlalchemy as sa
from flask import Flask
from flask.testing import FlaskClient

from network.alerts.models import Alert, AlertStatus
from network.extensions import db
from network.guidance.reporting import report_country, report_route
from network.vocabulary import Platform
from tests.world import change_settings

EXPLANATION = (
    "The comments call her a pig and tell her to disappear from school. This is bullying of a "
    "minor, which your community guidelines forbid."
)
URL = "https://www.instagram.com/p/Cx9Ab_12/?img_index=2"
GOOD_FAITH = (
    "I confirm my bona fide belief that the information and allegations contained in this "
    "notice are accurate and complete."
)


def notice_text(html: str) -> str:
    start = html.index('<pre id="notice-text" class="notice-text">')
    return unescape(html[start : html.index("</pre>", start)].split(">", 1)[1])


def authorities_on(html: str) -> str:
    start = html.index('<ul class="authorities">')
    return html[start : html.index("</ul>", start)]


@pytest.mark.parametrize("platform", list(Platform))
def test_every_platform_has_a_report_route_in_words(app: Flask, platform: Platform) -> None:
    with app.test_request_context():
        route = report_route(platform)
    assert route.in_app and route.help_center and route.illegal_content
    assert all("http" not in step for step in route.in_app), "paths in words, not guessed URLs"


def test_instagram_alert_shows_the_route_and_the_notice_generator(
    open_alert: Any, create_member: Any, log_in: Any, page: Any
) -> None:
    alert = open_alert(url=URL)
    assert alert["platform"] == "instagram"
    log_in(create_member())
    html = page(f"/alerts/{alert['id']}")
    assert "Report on Instagram" in html
    assert "Post: tap ••• above the post → Report" in html
    assert "Instagram Help Centre" in html
    assert f'href="/alerts/{alert["id"]}/notice"' in html


def test_claiming_report_platform_on_an_instagram_alert_gives_route_and_notice(
    open_alert: Any, api_as: Any, create_member: Any, log_in: Any, submit: Any, page: Any
) -> None:
    alert = open_alert(url=URL)
    member = create_member(display_name="Sam")
    claimed = api_as(
        member, "POST", f"/api/v1/alerts/{alert['id']}/actions", json={"type": "report_platform"}
    )
    assert claimed.status_code == 201, claimed.get_data(as_text=True)
    log_in(member)
    feed = page("/feed/")
    assert "Report on Instagram" in feed
    assert f'href="/alerts/{alert["id"]}/notice"' in feed
    # The browser sends the prefilled name and email along with the explanation.
    response = submit(
        f"/alerts/{alert['id']}/notice",
        {"explanation": EXPLANATION, "name": member.display_name, "email": member.email},
    )
    text = notice_text(response.get_data(as_text=True))
    assert URL in text and EXPLANATION in text
    assert member.email in text


def test_notice_has_exact_url_explanation_name_email_and_good_faith(
    open_alert: Any, create_member: Any, log_in: Any, submit: Any
) -> None:
    alert = open_alert(url=URL)
    log_in(create_member())
    response = submit(
        f"/alerts/{alert['id']}/notice",
        {"explanation": EXPLANATION, "name": "Sam de Vries", "email": "sam@example.org"},
    )
    assert response.status_code == 200
    text = notice_text(response.get_data(as_text=True))
    assert "Article 16 of the Digital Services Act" in text
    assert "To: Instagram" in text
    assert f"\n{URL}\n" in text, "the exact URL as posted, on its own line"
    assert EXPLANATION in text
    assert "Name: Sam de Vries" in text and "Email: sam@example.org" in text
    assert GOOD_FAITH in text
    assert 'data-copy="#notice-text"' in response.get_data(as_text=True)


def test_notice_form_is_prefilled_with_the_members_name_and_email(
    open_alert: Any, create_member: Any, log_in: Any, page: Any, submit: Any
) -> None:
    alert = open_alert()
    member = create_member(display_name="Robin", email="robin@example.org")
    log_in(member)
    html = page(f"/alerts/{alert['id']}/notice")
    assert 'value="Robin"' in html and 'value="robin@example.org"' in html
    assert "notice-text" not in html
    response = submit(
        f"/alerts/{alert['id']}/notice",
        {"explanation": EXPLANATION, "name": "Robin Jansen", "email": "robin@example.org"},
    )
    assert "Name: Robin Jansen" in notice_text(response.get_data(as_text=True))


def test_empty_explanation_is_refused_and_the_form_shown_again(
    open_alert: Any, create_member: Any, log_in: Any, submit: Any
) -> None:
    alert = open_alert()
    log_in(create_member())
    response = submit(
        f"/alerts/{alert['id']}/notice",
        {"explanation": "   ", "name": "Sam", "email": "sam@example.org"},
    )
    assert response.status_code == 200
    html = response.get_data(as_text=True)
    assert "notice-text" not in html
    assert "Explain why the content is illegal or breaks the platform" in html
    assert 'value="sam@example.org"' in html, "what was typed is kept"


def test_an_email_address_that_is_not_one_is_refused(
    open_alert: Any, create_member: Any, log_in: Any, submit: Any
) -> None:
    alert = open_alert()
    log_in(create_member())
    response = submit(
        f"/alerts/{alert['id']}/notice",
        {"explanation": EXPLANATION, "name": "Sam", "email": "not an address"},
    )
    html = response.get_data(as_text=True)
    assert "notice-text" not in html
    assert "Give an email address where the platform can reach you." in html


def test_notice_needs_login_and_follows_the_alerts_visibility(
    app: Flask, client: FlaskClient, open_alert: Any, create_member: Any, log_in: Any
) -> None:
    alert = open_alert()
    response = client.get(f"/alerts/{alert['id']}/notice")
    assert response.status_code == 302 and "/login" in response.headers["Location"]
    with app.app_context():
        db.session.execute(
            sa.update(Alert)
            .where(Alert.id == alert["id"])
            .values(status=AlertStatus.PENDING_REVIEW)
        )
        db.session.commit()
    log_in(create_member())
    assert client.get(f"/alerts/{alert['id']}").status_code == 404
    assert client.get(f"/alerts/{alert['id']}/notice").status_code == 404
    assert client.get("/alerts/999999/notice").status_code == 404


def test_authorities_are_configured_per_country(app: Flask) -> None:
    with app.test_request_context():
        netherlands = report_country("NL")
        belgium = report_country("be")
    dutch = " ".join(f"{a.name} {a.purpose} {a.reach}" for a in netherlands.authorities)
    for expected in ("0900-8844", "politie.nl", "Meldknop.nl", "MiND", "discriminatie.nl", "112"):
        assert expected in dutch
    belgian = " ".join(f"{a.name} {a.purpose} {a.reach}" for a in belgium.authorities)
    for expected in ("Unia", "101", "112", "Child Focus"):
        assert expected in belgian
    assert "Meldknop" not in belgian


def test_report_country_setting_chooses_the_default(
    app: Flask, monkeypatch: pytest.MonkeyPatch, page: Any
) -> None:
    assert "Meldknop.nl" in authorities_on(page("/guides/report_authority"))
    change_settings(monkeypatch, app, report_country="BE")
    shown = authorities_on(page("/guides/report_authority"))
    assert "Unia" in shown and "Meldknop.nl" not in shown
    assert "Meldknop.nl" in authorities_on(page("/guides/report_authority?country=NL"))
    change_settings(monkeypatch, app, report_country="XX")
    with app.test_request_context():
        assert report_country().code == "NL"


def test_report_guide_lists_every_platform_and_the_four_parts_of_a_notice(page: Any) -> None:
    html = page("/guides/report_platform", headers={"Accept-Language": "en"})
    for name in ("Instagram", "TikTok", "X", "Facebook", "YouTube", "Reddit", "Snapchat"):
        assert f"Report on {name}" in html
    assert "Report on Discord" in html and "Report on Twitch" in html
    assert "Report on the platform" in html
    assert "statement of good faith" in html
