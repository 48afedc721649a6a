"""The feed page: open alerts with their needs in words, claims, guidance, asks, fragments."""

from __future__ import annotations

import re
from collections.abc import Callable
from typing import Any

import pytest
import sqlalchemy as sa
from flask import Flask
from flask.testing import FlaskClient

from network.coordination import views
from network.coordination.models import Action, ActionStatus, Ask, AskAnswer
from network.extensions import db
from network.settings import replace_settings
from tests.coordination.conftest import alert_body
from tests.world import counting_statements


def page_of(client: FlaskClient, path: str = "/feed/") -> str:
    response = client.get(path)
    assert response.status_code == 200, response.status_code
    return response.get_data(as_text=True)


def card_in(page: str, alert_id: int) -> str:
    """Return the HTML of one alert's card on the page."""
    match = re.search(
        rf'<li class="feed-item" id="alert-{alert_id}".*?</article>\s*</li>', page, re.S
    )
    assert match, f"no card for alert {alert_id}"
    return match.group(0)


def texts(html: str) -> str:
    """The page's words, without tags and with spaces normalised."""
    return " ".join(re.sub(r"<[^>]+>", " ", html).split())


def test_feed_lists_open_alerts_most_urgent_first_with_their_needs_in_words(
    client: FlaskClient, create_member: Any, log_in: Any, open_alert: Any, api_as: Any
) -> None:
    hurtful = open_alert(severity=2, summary="Comments mocking a boy for his accent.")
    severe = open_alert(category="threat", severity=3, summary="Threats against a streamer.")
    pending = api_as(create_member(), "POST", "/api/v1/alerts", json=alert_body()).get_json()
    assert pending["status"] == "pending_review"
    log_in(create_member())

    page = page_of(client)

    assert page.index(f'id="alert-{severe["id"]}"') < page.index(f'id="alert-{hurtful["id"]}"')
    assert f'id="alert-{pending["id"]}"' not in page
    assert (
        "2 reports to the platform, 1 private message to the target, 1 trusted person brought "
        "in, 1 private word with the author; 0 of 3 public voices reached"
    ) in texts(card_in(page, hurtful["id"]))
    # A threat is never answered in the thread: no public voices, no word with the author.
    severe_card = texts(card_in(page, severe["id"]))
    assert (
        "Still needed: 3 reports to the platform, 2 private messages to the target, 1 report to "
        "the police or a hotline, 1 trusted person brought in "
    ) in severe_card
    assert "public voice" not in severe_card
    assert "Claim: Respectful public reply" not in severe_card
    assert "0 claimed · 0 done" in texts(card_in(page, hurtful["id"]))
    nav = page[page.index('<nav aria-label="Main">') :]
    assert re.search(r'<ul class="nav-list">\s*<li><a href="/feed/"[^>]*>Feed</a>', nav)


def test_every_claim_form_has_a_token_a_labelled_anonymous_box_and_names_its_action(
    client: FlaskClient, create_member: Any, log_in: Any, open_alert: Any
) -> None:
    alert = open_alert(severity=2)
    log_in(create_member())
    card = card_in(page_of(client), alert["id"])
    forms = re.findall(r'<form method="post" action="/feed/alerts/\d+/claim".*?</form>', card, re.S)
    assert len(forms) == 6  # every action the alert still needs; no report to the police
    for form in forms:
        assert 'name="csrf_token"' in form
        box = re.search(r'<input type="checkbox" id="([^"]+)" name="anonymous"', form)
        assert box and f'<label class="check" for="{box.group(1)}">' in form
    assert "Claim: Report to the platform" in card
    assert "Claim: Report to the police or a hotline" not in card


def test_claiming_through_the_page_shows_the_guidance_on_the_card(
    app: Flask, client: FlaskClient, submit: Any, create_member: Any, log_in: Any, open_alert: Any
) -> None:
    alert = open_alert(severity=2)
    log_in(create_member())
    response = submit(
        "/feed/",
        {"type": "report_platform", "anonymous": "1"},
        action=f"/feed/alerts/{alert['id']}/claim",
    )
    assert response.status_code == 302
    assert response.headers["Location"].endswith(f"/feed/#alert-{alert['id']}")

    page = page_of(client)
    assert "You took on: Report to the platform." in page
    card = texts(card_in(page, alert["id"]))
    assert "You took on: Report to the platform" in card
    for heading in ("How to do it", "Risks", "How anonymous it is", "A message idea"):
        assert heading in card
    assert "platforms do not tell the author who reported" in card
    assert "Please review and remove it." in card
    assert "Never harass the harasser" in card
    assert "1 claimed · 0 done" in card
    assert "Claim: Report to the platform" not in card, "no second claim of the same action"
    assert "1 report to the platform" in card
    with app.app_context():
        [action] = db.session.scalars(sa.select(Action)).all()
        assert action.type == "report_platform" and action.anonymous


def test_a_full_cap_is_shown_as_a_message_naming_the_reason(
    client: FlaskClient, submit: Any, create_member: Any, log_in: Any, open_alert: Any, claim: Any
) -> None:
    alert = open_alert(responder_goal=1)
    log_in(create_member())
    page = page_of(client)
    assert "Claim: Respectful public reply" in card_in(page, alert["id"])
    assert claim(create_member(), alert["id"], "support_target_public").status_code == 201

    response = submit(
        "/feed/",
        {"type": "counter_speech"},
        action=f"/feed/alerts/{alert['id']}/claim",
        follow_redirects=True,
    )
    page = response.get_data(as_text=True)
    assert 'class="flash flash-error">Enough public voices: 1 of 1 reached.' in page
    card = texts(card_in(page, alert["id"]))
    assert "1 of 1 public voice reached" in card
    assert "Claim: Respectful public reply" not in card


def test_help_the_target_did_not_ask_for_is_refused_with_a_message(
    client: FlaskClient, submit: Any, create_member: Any, log_in: Any, open_alert: Any
) -> None:
    alert = open_alert(target_requested_help=True, wanted_actions=["support_target_private"])
    log_in(create_member())
    card = texts(card_in(page_of(client), alert["id"]))
    assert "1 private message to the target" in card
    assert "Claim: Report to the platform" not in card
    response = submit(
        "/feed/",
        {"type": "report_platform"},
        action=f"/feed/alerts/{alert['id']}/claim",
        follow_redirects=True,
    )
    assert "The target did not ask for this kind of help." in response.get_data(as_text=True)


def test_marking_done_with_a_private_note_and_releasing(
    app: Flask, client: FlaskClient, submit: Any, create_member: Any, log_in: Any, open_alert: Any
) -> None:
    alert = open_alert(severity=2)
    log_in(create_member())
    for kind in ("report_platform", "support_target_private"):
        submit("/feed/", {"type": kind}, action=f"/feed/alerts/{alert['id']}/claim")
    with app.app_context():
        ids = {a.type.value: a.id for a in db.session.scalars(sa.select(Action))}

    card = card_in(page_of(client), alert["id"])
    assert f'action="/feed/actions/{ids["report_platform"]}"' in card
    assert re.search(r'<label for="note-\d+">Private note', card)

    done = submit(
        "/feed/",
        {"status": "done", "note": "  Reported as hate speech.  "},
        action=f"/feed/actions/{ids['report_platform']}",
        follow_redirects=True,
    )
    assert "Done: Report to the platform. Thank you" in done.get_data(as_text=True)
    released = submit(
        "/feed/",
        {"status": "released"},
        action=f"/feed/actions/{ids['support_target_private']}",
        follow_redirects=True,
    )
    page = released.get_data(as_text=True)
    assert "You released Support the target privately" in page
    card = texts(card_in(page, alert["id"]))
    assert "You did: Report to the platform. Thank you!" in card
    assert "Claim: Support the target privately" in card, "a released action can be taken again"
    assert "0 claimed · 1 done" in card
    with app.app_context():
        actions = {a.type.value: a for a in db.session.scalars(sa.select(Action))}
        assert actions["report_platform"].status == ActionStatus.DONE
        assert actions["report_platform"].note == "Reported as hate speech."
        assert actions["support_target_private"].status == ActionStatus.RELEASED


def test_someone_elses_action_cannot_be_finished_from_the_page(
    client: FlaskClient, submit: Any, create_member: Any, log_in: Any, open_alert: Any, claim: Any
) -> None:
    alert = open_alert()
    theirs = claim(create_member(), alert["id"], "report_platform").get_json()
    log_in(create_member())
    response = submit(
        "/feed/", {"status": "done"}, action=f"/feed/actions/{theirs['id']}", follow_redirects=True
    )
    assert "This action does not exist." in response.get_data(as_text=True)


@pytest.fixture
def asked_member(app: Flask, create_member: Any, open_alert: Any) -> Callable[[], Any]:
    """Create a member, then an alert that asks them (and every other candidate) to help."""

    def make() -> tuple[Any, dict[str, Any]]:
        member = create_member(languages=["en", "nl"])  # the alert is in Dutch
        replace_settings(app, asks_per_alert=10)
        try:
            alert = open_alert(severity=2)
        finally:
            replace_settings(app, asks_per_alert=3)
        return member, alert

    return make


def test_a_personal_ask_is_on_top_and_can_be_declined(
    app: Flask,
    client: FlaskClient,
    submit: Any,
    log_in: Any,
    open_alert: Any,
    asked_member: Callable[[], Any],
) -> None:
    other = open_alert(severity=4, category="threat")
    member, alert = asked_member()
    log_in(member)

    page = page_of(client)
    asks = page[page.index('id="feed-asks"') : page.index('class="feed-open"')]
    assert "You have been asked to help" in asks
    assert f'id="alert-{alert["id"]}"' in asks, "the asked alert sits on top"
    assert page.count(f'id="alert-{alert["id"]}"') == 1, "and is not listed twice"
    assert f'id="alert-{other["id"]}"' not in asks
    assert "Claim: Report to the platform" in card_in(page, alert["id"])
    with app.app_context():
        [ask] = db.session.scalars(sa.select(Ask).where(Ask.member_id == member.id)).all()

    response = submit("/feed/", {}, action=f"/feed/asks/{ask.id}/decline", follow_redirects=True)
    page = response.get_data(as_text=True)
    assert "You declined the ask." in page
    assert re.search(r'id="feed-asks"[^>]*hidden', page)
    assert f'id="alert-{alert["id"]}"' in page[page.index('class="feed-open"') :]
    with app.app_context():
        assert db.session.get(Ask, ask.id).answer == AskAnswer.DECLINED  # type: ignore[union-attr]


def test_claiming_from_an_ask_accepts_it(
    app: Flask, client: FlaskClient, submit: Any, log_in: Any, asked_member: Callable[[], Any]
) -> None:
    member, alert = asked_member()
    log_in(member)
    response = submit(
        "/feed/",
        {"type": "support_target_private"},
        action=f"/feed/alerts/{alert['id']}/claim",
        follow_redirects=True,
    )
    page = response.get_data(as_text=True)
    assert re.search(r'id="feed-asks"[^>]*hidden', page)
    assert "How to do it" in card_in(page, alert["id"])
    with app.app_context():
        [ask] = db.session.scalars(sa.select(Ask).where(Ask.member_id == member.id)).all()
        assert ask.answer == AskAnswer.ACCEPTED


def test_the_card_fragment_respects_who_may_see_the_alert(
    client: FlaskClient, create_member: Any, log_in: Any, api_as: Any, open_alert: Any
) -> None:
    reporter = create_member()
    pending = api_as(reporter, "POST", "/api/v1/alerts", json=alert_body()).get_json()
    alert = open_alert()
    log_in(create_member())

    assert client.get(f"/feed/alerts/{pending['id']}/card").status_code == 404
    assert client.get("/feed/alerts/999999/card").status_code == 404
    card = client.get(f"/feed/alerts/{alert['id']}/card")
    assert card.status_code == 200
    html = card.get_data(as_text=True)
    assert html.lstrip().startswith(f'<li class="feed-item" id="alert-{alert["id"]}"')
    assert "<html" not in html


def test_the_card_fragment_of_an_alert_that_left_the_feed_is_empty(
    client: FlaskClient, create_member: Any, log_in: Any, api_as: Any
) -> None:
    reporter = create_member()
    pending = api_as(reporter, "POST", "/api/v1/alerts", json=alert_body()).get_json()
    log_in(reporter)  # the reporter may see the pending alert, but it is not in the feed
    response = client.get(f"/feed/alerts/{pending['id']}/card")
    assert response.status_code == 204 and response.get_data() == b""


def test_an_empty_feed_says_so(client: FlaskClient, create_member: Any, log_in: Any) -> None:
    log_in(create_member())
    page = page_of(client)
    assert re.search(r'<p class="empty" data-empty>\s*Nothing is open right now', page)
    assert 'class="feed-item"' not in page


def test_the_list_fragment_carries_the_last_event_id(
    client: FlaskClient, create_member: Any, log_in: Any, open_alert: Any
) -> None:
    alert = open_alert()
    log_in(create_member())
    response = client.get("/feed/list")
    assert response.status_code == 200
    assert int(response.headers["X-Feed-Event-Id"]) >= 1
    html = response.get_data(as_text=True)
    assert f'id="alert-{alert["id"]}"' in html and "<html" not in html


def test_the_page_loads_its_scripts_with_the_nonce_and_the_socket_client_only_if_present(
    client: FlaskClient, create_member: Any, log_in: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    log_in(create_member())
    monkeypatch.setattr(views, "SOCKET_CLIENT", ("vendor", "not-installed.js"))
    page = page_of(client)
    assert re.search(r'<script nonce="[^"]+" src="/static/js/feed.js" defer>', page)
    assert "socket.io" not in page
    monkeypatch.setattr(views, "SOCKET_CLIENT", ("js", "site.js"))  # a file that exists
    page = page_of(client)
    assert re.search(r'<script nonce="[^"]+" src="/static/vendor/socket.io.min.js" defer>', page)
    assert re.search(r'id="feed-status"[^>]*aria-live="polite"', page)


def test_the_feed_needs_a_login(client: FlaskClient) -> None:
    response = client.get("/feed/")
    assert response.status_code == 302 and "/login" in response.headers["Location"]
    assert client.get("/feed/alerts/1/card").status_code == 302


def test_the_feed_pages_with_a_cursor(
    client: FlaskClient,
    create_member: Any,
    log_in: Any,
    open_alert: Any,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setattr(views, "PAGE_SIZE", 2)
    ids = [open_alert(severity=severity)["id"] for severity in (1, 3, 2)]
    log_in(create_member())
    first = page_of(client)
    assert [f'id="alert-{ids[1]}"' in first, f'id="alert-{ids[2]}"' in first] == [True, True]
    assert f'id="alert-{ids[0]}"' not in first
    more = re.search(r'<a href="(/feed/\?cursor=[^"]+)" data-more>', first)
    assert more
    second = page_of(client, more.group(1).replace("&amp;", "&"))
    assert f'id="alert-{ids[0]}"' in second and "data-more" not in second
    cursor = more.group(1).split("=", 1)[1]
    assert f'name="cursor" value="{cursor}"' in second, "forms bring the member back to this page"
    assert page_of(client, "/feed/?cursor=not-a-cursor").count('class="feed-item"') == 2


def test_the_feed_takes_as_many_queries_for_three_claimed_cards_as_for_one(
    app: Flask,
    client: FlaskClient,
    create_member: Any,
    log_in: Any,
    open_alert: Any,
    claim: Any,
    api_as: Any,
) -> None:
    from tests.campaigns.test_campaigns import campaign_body

    organiser = create_member(role="organiser")
    created = api_as(organiser, "POST", "/api/v1/campaigns", json=campaign_body())
    campaign_id = created.get_json()["id"]
    assert api_as(organiser, "POST", f"/api/v1/campaigns/{campaign_id}/launch").status_code == 200
    alerts = [
        open_alert(severity=2, campaign_id=campaign_id, url=f"https://x.com/someone/status/{n}")
        for n in range(3)
    ]
    volunteer = create_member()
    log_in(volunteer)

    def queries_of_the_page() -> int:
        statements: list[str] = []

        def record(_conn: Any, _cursor: Any, statement: str, *_args: Any) -> None:
            statements.append(statement)

        engine = db.engine_for(app)
        sa.event.listen(engine, "before_cursor_execute", record)
        try:
            page_of(client)
        finally:
            sa.event.remove(engine, "before_cursor_execute", record)
        return len(statements)

    assert claim(volunteer, alerts[0]["id"], "report_platform").status_code == 201
    one = queries_of_the_page()
    for alert in alerts[1:]:
        assert claim(volunteer, alert["id"], "report_platform").status_code == 201
    page = page_of(client)
    assert page.count("You took on: Report to the platform") == 3

    assert queries_of_the_page() == one


def test_the_feed_sends_no_statement_that_can_find_nothing(
    app: Flask, client: FlaskClient, create_member: Any, log_in: Any, open_alert: Any
) -> None:
    # An IN over an empty list is sent as a query that matches nothing ("1!=1"): a round trip
    # for nothing. A member with no personal asks and no claims is the common case.
    open_alert()
    log_in(create_member())
    with counting_statements(app) as statements:
        page = page_of(client)
    assert "Open alerts, most urgent first" in page
    assert statements and not [s for s in statements if "1!=1" in s.replace(" ", "")]
