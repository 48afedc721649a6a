"""The digest's words: never a minority share, what was done when few acted, a short quiet note,
plural forms through ngettext and numbers in the member's locale."""

from __future__ import annotations

import html
import re
from datetime import UTC, datetime
from typing import Any

import pytest
from flask import Flask
from flask_babel import force_locale, get_translations
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from network.accounts.models import Member
from network.digests.compose import compose, shared
from network.digests.models import Digest, DigestStatus
from network.digests.norm import choose_norm
from network.digests.wording import describe
from network.extensions import db
from network.vocabulary import ActionType, action_info


def label(code: str) -> str:
    return action_info(ActionType(code)).label


def render(app: Flask, numbers: dict[str, Any], *, locale: str, weekly: bool) -> dict[str, str]:
    """Render a digest as it is mailed (subject, text, HTML) and the archive's lines."""
    network = numbers["network"]
    active, acted = network["active_members"], network["members_acted"]
    teams = numbers.get("teams") or []
    best = max(teams, key=lambda team: (team["acted"], team["members"]), default=None)
    with app.test_request_context(), force_locale(locale):
        norm = choose_norm(
            share=acted / active if active else 0.0,
            previous_share=numbers.get("previous_share"),
            weekly=weekly,
            best_team=(best["name"], best["acted"], best["members"]) if best else None,
            acted=acted,
            previous_acted=numbers.get("previous_acted"),
        )
        member = Member(id=7, email="reader@example.org", display_name="Reader", locale=locale)
        digest = Digest(
            id=11,
            member_id=7,
            period_key="weekly:2026-11-23" if weekly else "daily:2026-11-23",
            numbers=numbers,
            norm_kind=norm.kind,
            norm_message=norm.message,
        )
        message = compose(digest, member, shared(locale, []))
        text = message.get_body(preferencelist=("plain",))
        markup = message.get_body(preferencelist=("html",))
        assert text is not None and markup is not None
        lines = describe(numbers, weekly=weekly, label=label)
        archive = " ".join([*lines.network, lines.invite or "", *lines.teams])
    return {
        "subject": str(message["Subject"]),
        "text": str(text.get_content()),
        # The words a reader sees: tags and their style attributes left out.
        "html": html.unescape(re.sub(r"<[^>]+>", " ", str(markup.get_content()))),
        "archive": archive,
    }


@st.composite
def digest_numbers(draw: st.DrawFn) -> dict[str, Any]:
    active = draw(st.integers(1, 20000))
    acted = draw(st.integers(0, active))
    handled = draw(st.integers(0, 3 * acted + 1)) if acted else 0
    by_type = draw(
        st.dictionaries(st.sampled_from([a.value for a in ActionType]), st.integers(0, 5000))
    )
    if not acted:
        by_type = {}
    teams = draw(
        st.lists(
            st.integers(1, 40).flatmap(
                lambda members: st.tuples(st.just(members), st.integers(0, members))
            ),
            max_size=3,
        )
    )
    previous = draw(st.none() | st.integers(0, active))
    return {
        "network": {
            "active_members": active,
            "members_acted": acted,
            "share": round(acted / active, 4),
            "alerts_handled": handled,
            "actions_by_type": by_type,
            "median_minutes_to_first_action": draw(
                st.none() | st.floats(0, 5000).map(lambda minutes: round(minutes, 1))
            ),
            "goal_reached_share": None,
            "goal_reached": draw(st.integers(0, handled)),
            "outcomes": {},
            "content_removed": draw(st.integers(0, handled)),
        },
        "previous_share": None if previous is None else round(previous / active, 4),
        "previous_acted": previous,
        "teams": [
            {"name": f"Team {n}", "members": members, "acted": team_acted}
            for n, (members, team_acted) in enumerate(teams)
        ],
        "campaigns": [],
        "own_actions": {},
    }


@settings(
    max_examples=150, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(numbers=digest_numbers(), locale=st.sampled_from(["en", "nl"]), weekly=st.booleans())
def test_no_digest_states_the_share_of_a_minority(
    app: Flask, numbers: dict[str, Any], locale: str, weekly: bool
) -> None:
    network = numbers["network"]
    acted, active = network["members_acted"], network["active_members"]
    rendered = render(app, numbers, locale=locale, weekly=weekly)
    for part, words in rendered.items():
        flat = " ".join(words.split())
        if acted * 2 < active:
            assert not re.search(r"\d\s?%", flat), (part, flat)
            assert not re.search(r"\bof [\d,.]+ members\b", flat), (part, flat)
            assert not re.search(r"\bvan de [\d.]+ leden\b", flat), (part, flat)
            assert not re.search(r"\bin 10\b|\bop de 10\b", flat), (part, flat)
        for team in numbers["teams"]:
            if team["acted"] * 2 < team["members"]:
                name = re.escape(team["name"])
                assert not re.search(rf"of your [\d,.]+ teammates in {name}\b", flat), flat
                assert not re.search(rf"in {name}: [\d.]+ van je", flat), flat
    if acted * 2 >= active:
        with app.test_request_context(), force_locale("en"):
            assert "members acted (" in render(app, numbers, locale="en", weekly=weekly)["text"]


def numbers_with(**network: Any) -> dict[str, Any]:
    base = {
        "active_members": 10,
        "members_acted": 0,
        "share": 0.0,
        "alerts_handled": 0,
        "actions_by_type": {},
        "median_minutes_to_first_action": None,
        "goal_reached_share": None,
        "goal_reached": 0,
        "outcomes": {},
        "content_removed": 0,
    }
    base.update(network)
    return {"network": base, "teams": [], "campaigns": [], "own_actions": {}}


def dutch(app: Flask, msgid: str, plural: str | None = None, n: int = 1) -> str:
    with app.test_request_context(), force_locale("nl"):
        catalogue = get_translations()
        return str(catalogue.ngettext(msgid, plural, n) if plural else catalogue.gettext(msgid))


LOW = numbers_with(
    active_members=6,
    members_acted=2,
    share=0.3333,
    alerts_handled=1,
    actions_by_type={"report_platform": 1234, "support_target_private": 1},
    median_minutes_to_first_action=1.2,
    goal_reached=1,
    content_removed=2,
)
HIGH = numbers_with(
    active_members=6,
    members_acted=4,
    share=0.6667,
    alerts_handled=2,
    actions_by_type={"report_platform": 2},
    median_minutes_to_first_action=12.0,
    goal_reached=2,
    content_removed=1,
)
QUIET = numbers_with(active_members=3)


@pytest.mark.parametrize(
    ("numbers", "weekly", "present", "absent"),
    [
        (
            LOW,
            True,
            [
                "- 2 members acted",
                "- 1 alert got help",
                "- Report to the platform: 1,234",
                "- First help arrived after 1.2 min. (median)",
                "- 1 alert reached its goal of public voices",
                "- Hurtful content was removed 2 times",
                "You can add to this: one report or a kind private message takes a minute.",
            ],
            ["2 of 6", "33%", "33 %"],
        ),
        (
            HIGH,
            False,
            [
                "- 4 of 6 members acted (67%)",
                "- 2 alerts got help",
                "- 2 alerts reached their goal of public voices",
                "- Hurtful content was removed 1 time",
            ],
            ["You can add to this"],
        ),
        (
            QUIET,
            True,
            [
                "A quiet week in the network: nothing to report.",
                "Be among the first: one report or a kind private message takes a minute.",
            ],
            ["0 of 3", ": 0", "- 0", "0%", "members acted", "alerts got help", "removed"],
        ),
        (
            QUIET,
            False,
            ["A quiet day in the network: nothing to report."],
            ["0 of 3", ": 0", "0%"],
        ),
    ],
    ids=["low", "high", "quiet-week", "quiet-day"],
)
def test_each_branch_of_the_body_in_english(
    app: Flask, numbers: dict[str, Any], weekly: bool, present: list[str], absent: list[str]
) -> None:
    rendered = render(app, numbers, locale="en", weekly=weekly)
    text = rendered["text"].replace("\r\n", "\n")
    for line in present:
        assert line in text
        assert line.removeprefix("- ") in rendered["html"]
    for words in absent:
        assert words not in text and words not in rendered["html"], words


def test_each_branch_of_the_body_in_dutch_with_dutch_numbers(app: Flask) -> None:
    low = render(app, LOW, locale="nl", weekly=True)["text"]
    expected = [
        dutch(app, "%(count)s member acted", "%(count)s members acted", 2) % {"count": "2"},
        dutch(app, "%(count)s alert got help", "%(count)s alerts got help", 1) % {"count": "1"},
        # Numbers the Dutch way: a point between thousands, a comma before decimals.
        "1.234",
        dutch(app, "First help arrived after %(minutes)s min. (median)") % {"minutes": "1,2"},
        dutch(app, "You can add to this: one report or a kind private message takes a minute."),
    ]
    for line in expected:
        assert line in low
    assert "33" not in low.split("Vorige week in het netwerk")[1].split("http")[0]
    high = render(app, HIGH, locale="nl", weekly=False)["text"]
    share = dutch(app, "%(acted)s of %(active)s members acted (%(share)s)")
    assert share % {"acted": "4", "active": "6", "share": "67%"} in high
    quiet = render(app, QUIET, locale="nl", weekly=True)["text"]
    assert dutch(app, "A quiet week in the network: nothing to report.") in quiet


@pytest.mark.parametrize("n", [1, 2, 5, 21])
@pytest.mark.parametrize("locale", ["en", "nl"])
def test_counts_take_their_plural_form_from_the_catalogue(app: Flask, n: int, locale: str) -> None:
    numbers = numbers_with(
        active_members=100, members_acted=n, alerts_handled=n, content_removed=n, goal_reached=n
    )
    text = render(app, numbers, locale=locale, weekly=True)["text"]
    forms = [
        ("%(count)s member acted", "%(count)s members acted"),
        ("%(count)s alert got help", "%(count)s alerts got help"),
        (
            "%(count)s alert reached its goal of public voices",
            "%(count)s alerts reached their goal of public voices",
        ),
        (
            "Hurtful content was removed %(count)s time",
            "Hurtful content was removed %(count)s times",
        ),
    ]
    for singular, plural in forms:
        if locale == "en":
            expected = (singular if n == 1 else plural) % {"count": n}
        else:
            expected = dutch(app, singular, plural, n) % {"count": n}
        assert expected in text


def test_the_archive_page_shows_the_same_words(
    app: Flask, client: Any, create_member: Any, log_in: Any
) -> None:
    me = create_member()
    with app.app_context():
        digest = Digest(
            member_id=me.id,
            period_key="weekly:2026-11-23",
            period_start=datetime(2026, 11, 16, 7, tzinfo=UTC),
            period_end=datetime(2026, 11, 23, 7, tzinfo=UTC),
            status=DigestStatus.SENT,
            claimed_by="job",
            numbers=LOW,
            norm_kind="injunctive",
            norm_message="Members say it matters.",
        )
        db.session.add(digest)
        db.session.commit()
        digest_id = digest.id
    log_in(me)
    page = " ".join(client.get(f"/digests/{digest_id}").get_data(as_text=True).split())
    assert "2 members acted" in page and "1 alert got help" in page
    assert "2 of 6" not in page and "33%" not in page
    assert "You can add to this" in page
