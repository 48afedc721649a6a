"""One table decides which actions may be asked for, and everything follows it: the guides' words,
the needs, the feed, the claims, the asks, the digests and campaigns."""

from __future__ import annotations

import re
from typing import Any

import pytest
from flask import Flask

from network.alerts.models import Category
from network.coordination.needs import wanted_counts
from network.guidance import content
from network.guidance.rules import SEVERITIES, allowed_actions, may_ask, rule_lines
from network.guidance.scenarios import scenarios
from network.vocabulary import ActionType

CELLS = [
    (category, severity, action)
    for category in Category
    for severity in SEVERITIES
    for action in ActionType
]
ENGAGING = (ActionType.COUNTER_SPEECH, ActionType.MESSAGE_AUTHOR, ActionType.SUPPORT_TARGET_PUBLIC)
CATEGORY_WORDS = {
    "threat": Category.THREAT,
    "doxxing": Category.DOXXING,
    "sexual harassment": Category.SEXUAL_HARASSMENT,
    "hate": Category.HATE,
    "shaming": Category.SHAMING,
    "canceling": Category.CANCELING,
    "exclusion": Category.EXCLUSION,
    "other": Category.OTHER,
}


def allowed_by_the_words(lines: tuple[str, ...], category: Category, severity: int) -> bool:
    """Decide one cell from the English rule lines a guide page shows, as a reader would."""
    text = " ".join(lines)
    if "at every severity" in text:
        levels = set(SEVERITIES)
    else:
        found = re.search(r"Asked for at severity ([\d, and]+) only", text)
        assert found, text
        levels = {int(n) for n in re.findall(r"\d", found.group(1))}
    never = re.search(r"Never asked for (.+?) alerts", text)
    also = re.search(r"Also asked for (.+?) alerts", text)

    def named(match: re.Match[str] | None) -> set[Category]:
        words = match.group(1) if match else ""
        return {kind for word, kind in CATEGORY_WORDS.items() if word in words}

    if category in named(never):
        return False
    return severity in levels or category in named(also)


@pytest.fixture(scope="module")
def english_rules(app: Flask) -> dict[ActionType, tuple[str, ...]]:
    from flask_babel import force_locale

    with app.test_request_context(), force_locale("en"):
        return {action: content.guide(action).when for action in ActionType}


@pytest.mark.parametrize(("category", "severity", "action"), CELLS, ids=str)
def test_each_cell_the_guide_states_is_what_the_needs_ask(
    english_rules: dict[ActionType, tuple[str, ...]],
    category: Category,
    severity: int,
    action: ActionType,
) -> None:
    allowed = may_ask(action, category, severity)
    # The guide page says it in words; a reader of those words reaches the same answer.
    assert allowed_by_the_words(english_rules[action], category, severity) == allowed
    # Even a target who welcomes everything never gets asked for what the guide forbids.
    for asked, wishes in ((False, []), (True, [a.value for a in ActionType])):
        wanted = wanted_counts(
            category=category.value,
            severity=severity,
            responder_goal=3,
            target_requested_help=asked,
            wanted_actions=wishes,
        )
        if not allowed:
            assert wanted[action] == 0
    # Reports and private support are always possible; the police or a hotline when it is serious.
    always = {ActionType.REPORT_PLATFORM, ActionType.SUPPORT_TARGET_PRIVATE, ActionType.ENLIST_HELP}
    if action in always:
        assert allowed


@pytest.mark.parametrize("severity", SEVERITIES)
@pytest.mark.parametrize(
    "category", [Category.THREAT, Category.DOXXING, Category.SEXUAL_HARASSMENT]
)
def test_threats_doxxing_and_sexual_harassment_are_never_engaged(
    category: Category, severity: int
) -> None:
    # The ten tips: "Threats, doxxing or someone in danger: don't engage".
    assert allowed_actions(category, severity).isdisjoint(ENGAGING)
    wanted = wanted_counts(
        category=category.value,
        severity=severity,
        responder_goal=3,
        target_requested_help=False,
        wanted_actions=[],
    )
    assert all(wanted[action] == 0 for action in ENGAGING)
    assert wanted[ActionType.SUPPORT_TARGET_PRIVATE] > 0


@pytest.mark.parametrize("category", list(Category))
def test_severe_and_dangerous_alerts_never_confront_the_author(category: Category) -> None:
    # The severity guide: at 3 "do not engage the author publicly", at 4 "never confront".
    for severity in (3, 4):
        allowed = allowed_actions(category, severity)
        assert ActionType.COUNTER_SPEECH not in allowed
        assert ActionType.MESSAGE_AUTHOR not in allowed
        assert ActionType.REPORT_PLATFORM in allowed and ActionType.REPORT_AUTHORITY in allowed
    assert ActionType.SUPPORT_TARGET_PUBLIC not in allowed_actions(category, 4)


def test_the_rule_words_are_translated_in_every_guide(app: Flask) -> None:
    from flask_babel import force_locale

    for action in ActionType:
        with app.test_request_context():
            with force_locale("en"):
                english = rule_lines(action)
            with force_locale("nl"):
                dutch = rule_lines(action)
                assert content.guide(action).when[: len(dutch)] == dutch
        assert len(english) == len(dutch)
        # The numbers and categories are the same; the words are Dutch.
        assert [re.findall(r"\d", line) for line in english] == [
            re.findall(r"\d", line) for line in dutch
        ]
        # Lists are joined the Dutch way (the sentences come from the catalogue, which
        # tests/test_i18n.py keeps complete).
        for line in dutch:
            assert not re.search(r"\d,? and \d", line), line


def test_practice_answers_only_recommend_what_the_table_allows(app: Flask) -> None:
    with app.test_request_context():
        found = scenarios()
    assert found
    for scenario in found:
        for action in scenario.actions:
            assert may_ask(action, scenario.category, scenario.severity), (scenario.code, action)


def test_guide_pages_offer_no_words_for_categories_they_never_ask(client: Any) -> None:
    html = client.get("/guides/counter_speech", headers={"Accept-Language": "en"}).get_data(
        as_text=True
    )
    summaries = re.findall(r"<summary>([^<]+)</summary>", html)
    assert "Hate" in summaries
    assert not {"Threat", "Doxxing", "Sexual harassment"} & set(summaries)
    assert "Never asked for threat, sexual harassment, or doxxing alerts" in html
