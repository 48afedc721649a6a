"""The norm message: true, in the member's language, and never "most others do nothing"."""

from __future__ import annotations

import re
from collections.abc import Callable
from datetime import date, timedelta
from typing import Any

import pytest
from flask import Flask
from flask_babel import force_locale, format_number, get_translations

from network.digests import services
from network.digests.norm import Norm, choose_norm
from network.digests.periods import period_ending
from tests.digests.conftest import digest_rows

# Whatever the numbers, no message may say that few act or that most do not.
DISCOURAGING = re.compile(
    r"\bonly\b|\bnobody acted\b|\bno one acted\b|\bmost\b.*\bdid ?n[o']t\b|\bslechts\b|\bniemand\b"
    r"|\bmaar\b \d|\bde meeste\b.*\bniet\b",
    re.IGNORECASE,
)

TEAM_PLURAL = (
    "%(count)s teammate in %(team)s acted. Join them: one report takes a minute.",
    "%(count)s teammates in %(team)s acted. Join them: one report takes a minute.",
)
BRANCHES: list[tuple[str, dict[str, Any], str | tuple[str, str], str]] = [
    (
        "descriptive",
        {"share": 0.7, "previous_share": 0.8, "weekly": True, "best_team": None},
        "%(n)s in 10 members acted this week.",
        "7 in 10 members acted this week.",
    ),
    (
        "descriptive",
        {"share": 0.5, "previous_share": None, "weekly": False, "best_team": None},
        "%(n)s in 10 members acted yesterday.",
        "5 in 10 members acted yesterday.",
    ),
    (
        "dynamic",
        {
            "share": 0.31,
            "previous_share": 0.24,
            "weekly": True,
            "best_team": ("4B", 4, 6),
            "acted": 31,
            "previous_acted": 24,
        },
        "More members act every week: %(now)s this week, up from %(before)s.",
        "More members act every week: 31 this week, up from 24.",
    ),
    (
        "dynamic",
        {
            "share": 0.12,
            "previous_share": 0.1,
            "weekly": False,
            "best_team": None,
            "acted": 1200,
            "previous_acted": 1000,
        },
        "More members act every day: %(now)s yesterday, up from %(before)s.",
        "More members act every day: 1,200 yesterday, up from 1,000.",
    ),
    (
        "team",
        {"share": 0.2, "previous_share": 0.3, "weekly": True, "best_team": ("Class 4B", 4, 6)},
        "%(acted)s of your %(members)s teammates in %(team)s acted. "
        "Join them: one report takes a minute.",
        "4 of your 6 teammates in Class 4B acted. Join them: one report takes a minute.",
    ),
    (
        "team",
        {"share": 0.2, "previous_share": 0.3, "weekly": True, "best_team": ("Class 4B", 2, 6)},
        TEAM_PLURAL,
        "2 teammates in Class 4B acted. Join them: one report takes a minute.",
    ),
    (
        "team",
        {"share": 0.2, "previous_share": 0.3, "weekly": True, "best_team": ("Class 4B", 1, 1)},
        TEAM_PLURAL,
        "1 teammate in Class 4B acted. Join them: one report takes a minute.",
    ),
    (
        "injunctive",
        {"share": 0.2, "previous_share": 0.2, "weekly": True, "best_team": ("Class 4B", 0, 6)},
        "Members say it matters that nobody is left alone online. "
        "One calm reply or report can make the difference.",
        "Members say it matters that nobody is left alone online. "
        "One calm reply or report can make the difference.",
    ),
    (
        "injunctive",
        {"share": 0.0, "previous_share": None, "weekly": False, "best_team": None},
        "Members say it matters that nobody is left alone online. "
        "One calm reply or report can make the difference.",
        "Members say it matters that nobody is left alone online. "
        "One calm reply or report can make the difference.",
    ),
]
IDS = [f"{kind}-{number}" for number, (kind, *_rest) in enumerate(BRANCHES)]


def norm_in(app: Flask, locale: str, **numbers: Any) -> Norm:
    with app.test_request_context(), force_locale(locale):
        return choose_norm(**numbers)


def dutch(app: Flask, msgid: str) -> str:
    """Return what the Dutch catalogue says for a message (the English text when it lacks it)."""
    with app.test_request_context(), force_locale("nl"):
        return str(get_translations().gettext(msgid))


@pytest.mark.parametrize(("kind", "numbers", "msgid", "english"), BRANCHES, ids=IDS)
def test_each_branch_of_the_norm_message_in_english(
    app: Flask, kind: str, numbers: dict[str, Any], msgid: Any, english: str
) -> None:
    norm = norm_in(app, "en", **numbers)
    assert (norm.kind, norm.message) == (kind, english)
    assert not DISCOURAGING.search(norm.message)


@pytest.mark.parametrize(("kind", "numbers", "msgid", "english"), BRANCHES, ids=IDS)
def test_each_branch_of_the_norm_message_in_dutch_goes_through_the_dutch_catalogue(
    app: Flask, kind: str, numbers: dict[str, Any], msgid: Any, english: str
) -> None:
    norm = norm_in(app, "nl", **numbers)
    assert norm.kind == kind, "the same numbers choose the same branch in every language"
    with app.test_request_context(), force_locale("nl"):
        catalogue = get_translations()
        team = numbers["best_team"]
        if isinstance(msgid, tuple):
            text = catalogue.ngettext(*msgid, team[1])
            arguments = {"count": format_number(team[1]), "team": team[0]}
        else:
            text = catalogue.gettext(msgid)
            arguments = {
                "descriptive": lambda: {"n": english.split()[0]},
                # Numbers in the Dutch way: 1.200, not 1,200.
                "dynamic": lambda: {
                    "now": format_number(numbers["acted"]),
                    "before": format_number(numbers["previous_acted"]),
                },
                "team": lambda: {"acted": team[1], "members": team[2], "team": team[0]},
                "injunctive": lambda: {},
            }[kind]()
    expected = text % arguments if arguments else text
    assert norm.message == expected
    assert not DISCOURAGING.search(norm.message)
    if kind == "dynamic" and numbers["acted"] >= 1000:
        assert "1.200" in norm.message


def test_every_branch_of_the_norm_message_is_translated_into_dutch(app: Flask) -> None:
    assert norm_in(app, "nl", **BRANCHES[0][1]).message == (
        "7 op de 10 leden kwamen deze week in actie."
    )
    untranslated = [
        english
        for _kind, numbers, _msgid, english in BRANCHES
        if norm_in(app, "nl", **numbers).message == english
    ]
    assert untranslated == []


def test_no_numbers_make_a_message_that_says_most_members_do_nothing(app: Flask) -> None:
    shares = [i / 100 for i in range(0, 101, 3)] + [0.049, 0.5, 0.949, 0.951, 0.999, 1.0]
    seen: set[str] = set()
    for locale in ("en", "nl"):
        for share in shares:
            for previous in (None, 0.0, share - 0.004, share, share + 0.2):
                for team in (None, ("4B", 0, 6), ("4B", 1, 1), ("4B", 5, 6)):
                    norm = norm_in(
                        app,
                        locale,
                        share=share,
                        previous_share=previous,
                        weekly=True,
                        best_team=team,
                        acted=round(share * 1000),
                        previous_acted=None if previous is None else round(previous * 1000),
                    )
                    seen.add(norm.kind)
                    assert not DISCOURAGING.search(norm.message), norm.message
                    if share < 0.5:
                        # Never the share of a minority: no percentage, no "1 of your 6".
                        assert "%" not in norm.message, norm.message
                        for acted, members in re.findall(
                            r"(\d+) (?:of your|van je) (\d+)", norm.message
                        ):
                            assert int(acted) * 2 >= int(members), norm.message
                    numbers = [int(n) for n in re.findall(r"\d+", norm.message)]
                    if norm.kind == "descriptive":
                        assert share >= 0.5
                        # "10 in 10" only when everyone acted.
                        assert numbers[0] <= 10 and (numbers[0] < 10 or share == 1.0)
                    if norm.kind == "dynamic":
                        # A rise as shown, never "31%, up from 31%".
                        assert numbers[0] > numbers[1]
    assert seen == {"descriptive", "dynamic", "team", "injunctive"}


def test_rounding_is_half_up_and_never_overstates(app: Flask) -> None:
    def told(share: float, previous: float | None = None, members: int = 1000) -> str:
        return norm_in(
            app,
            "en",
            share=share,
            previous_share=previous,
            weekly=True,
            best_team=None,
            acted=round(share * members),
            previous_acted=None if previous is None else round(previous * members),
        ).message

    assert told(0.65) == "7 in 10 members acted this week."
    assert told(0.96) == "9 in 10 members acted this week."
    assert told(1.0) == "10 in 10 members acted this week."
    assert told(0.305, 0.24) == "More members act every week: 305 this week, up from 240."
    assert told(0.3101, 0.3099).startswith("Members say it matters")
    # A higher share of a network that shrank is no rise in members: not told as one.
    assert norm_in(
        app,
        "en",
        share=0.4,
        previous_share=0.2,
        weekly=True,
        best_team=None,
        acted=4,
        previous_acted=6,
    ).message.startswith("Members say it matters")


def test_each_member_gets_the_norm_in_their_own_language_from_the_same_numbers(
    app: Flask,
    add_members: Callable[..., list[int]],
    add_team: Callable[..., int],
    add_alert: Callable[..., int],
    add_action: Callable[..., int],
) -> None:
    week = period_ending("weekly", "Europe/Amsterdam", date(2026, 11, 23), 8)
    english = add_members(5, locale="en")
    dutch_members = add_members(5, locale="nl")
    add_team("Klas 4B", [english[0], dutch_members[0], english[1], dutch_members[1]])
    alert = add_alert(week.start - timedelta(days=7))
    # 3 in 10 the week before, 2 in 10 this week: low and not rising, but teammates acted.
    before = week.start - timedelta(days=1)
    for member_id in english[2:5]:
        add_action(alert, member_id, "message_author", claimed_at=before, done_at=before)
    for member_id in english[1:2] + dutch_members[1:2]:
        add_action(alert, member_id, "report_platform", claimed_at=week.start, done_at=week.start)

    batch = services.Batch(english + dutch_members, "weekly", "Europe/Amsterdam", week.key)
    with app.app_context():
        services.build_batch(batch, "job")
    rows = {row["member_id"]: row for row in digest_rows(app)}

    en, nl = rows[english[0]], rows[dutch_members[0]]
    assert en["norm_kind"] == nl["norm_kind"] == "team"
    assert en["norm_message"] == (
        "2 of your 3 teammates in Klas 4B acted. Join them: one report takes a minute."
    )
    team_msgid = (
        "%(acted)s of your %(members)s teammates in %(team)s acted. "
        "Join them: one report takes a minute."
    )
    assert nl["norm_message"] == dutch(app, team_msgid) % {
        "acted": 2,
        "members": 3,
        "team": "Klas 4B",
    }
    assert rows[english[2]]["norm_kind"] == rows[dutch_members[2]]["norm_kind"] == "injunctive"


@pytest.mark.parametrize(
    ("acted_before", "acted_now", "kind"),
    [(0, 6, "descriptive"), (2, 4, "dynamic"), (4, 2, "team")],
    ids=["most acted", "more acted than before", "neither: each member's team"],
)
def test_a_batch_chooses_each_members_norm_as_choose_norm_would(
    app: Flask,
    add_members: Callable[..., list[int]],
    add_team: Callable[..., int],
    add_alert: Callable[..., int],
    add_action: Callable[..., int],
    acted_before: int,
    acted_now: int,
    kind: str,
) -> None:
    """The batch works the network's message out once per language and the team's once per
    team: every member still gets what choose_norm gives for their own numbers."""
    week = period_ending("weekly", "Europe/Amsterdam", date(2026, 11, 23), 8)
    members = add_members(5, locale="en") + add_members(5, locale="nl")
    # Two teams that saw different numbers, and members in no team.
    add_team("Klas 4B", members[0:3] + members[5:7])
    add_team("Klas 5A", members[3:5] + members[7:8])
    alert = add_alert(week.start - timedelta(days=7))
    before = week.start - timedelta(days=1)
    for member_id in members[len(members) - acted_before :] if acted_before else []:
        add_action(alert, member_id, "message_author", claimed_at=before, done_at=before)
    for member_id in members[:acted_now]:
        add_action(alert, member_id, "report_platform", claimed_at=week.start, done_at=week.start)

    batch = services.Batch(members, "weekly", "Europe/Amsterdam", week.key)
    with app.app_context():
        services.build_batch(batch, "job")
    rows = {row["member_id"]: row for row in digest_rows(app)}
    kinds = {row["norm_kind"] for row in rows.values()}
    assert kind in kinds
    for member_id in members:
        row = rows[member_id]
        numbers = row["numbers"]
        teams = numbers["teams"]
        best = max(teams, key=lambda team: (team["acted"], team["members"]), default=None)
        acted_share = numbers["network"]["share"]
        locale = "en" if member_id in members[:5] else "nl"
        expected = norm_in(
            app,
            locale,
            share=acted_share,
            previous_share=numbers["previous_share"],
            weekly=True,
            best_team=(best["name"], best["acted"], best["members"]) if best else None,
            acted=numbers["network"]["members_acted"],
            previous_acted=acted_before,
        )
        assert (row["norm_kind"], row["norm_message"]) == (expected.kind, expected.message)
