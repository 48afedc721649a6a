"""Guide pages: one per action in Dutch and English, the ten tips, the link in the menu."""

from __future__ import annotations

from typing import Any

import pytest
from flask.testing import FlaskClient
from markupsafe import escape

from network.guidance import content
from network.guidance.message_templates import TEMPLATE_ACTIONS, templates_for
from network.vocabulary import ActionType

DUTCH = {"Accept-Language": "nl-NL,nl;q=0.9"}
ENGLISH = {"Accept-Language": "en-GB,en;q=0.9"}


@pytest.mark.parametrize("language", ["en", "nl"])
@pytest.mark.parametrize("action", list(ActionType))
def test_every_guide_page_says_how_when_risks_and_anonymity_in_both_languages(
    page: Any, in_language: Any, action: ActionType, language: str
) -> None:
    html = page(f"/guides/{action.value}", headers=DUTCH if language == "nl" else ENGLISH)
    assert f'<html lang="{language}">' in html
    guide = in_language(language, content.guide, action)
    for text in (guide.info.label, guide.summary, guide.risks, guide.anonymity, guide.ground_rule):
        assert escape(text) in html
    for line in (*guide.when, *guide.how, *guide.why, *guide.avoid):
        assert escape(line) in html
    if action in TEMPLATE_ACTIONS:
        for template in in_language(language, templates_for, "hate", action, language=language):
            assert escape(template.text) in html


def test_the_guides_are_written_from_the_evidence(in_language: Any) -> None:
    counter_speech = " ".join(in_language("en", content.guide, "counter_speech").why)
    for source in ("Hangartner et al.", "Lasser et al. 2025", "Zapata et al. 2024", "backfire"):
        assert source in counter_speech


def test_index_lists_the_seven_guides_and_ten_tips(page: Any, in_language: Any) -> None:
    html = page("/guides/", headers=ENGLISH)
    assert "Ten tips for upstanders" in html
    for action in ActionType:
        assert f'href="/guides/{action.value}"' in html
    tips = in_language("en", content.ten_tips)
    assert len(tips) == 10
    for tip in tips:
        assert escape(tip) in html
    assert 'href="/practice/"' in html


def test_guides_are_open_to_visitors_and_linked_in_the_menu(client: FlaskClient) -> None:
    home = client.get("/", headers=ENGLISH).get_data(as_text=True)
    assert 'href="/guides/">Guides</a>' in home
    assert client.get("/guides/counter_speech").status_code == 200


def test_unknown_guide_is_not_found(client: FlaskClient) -> None:
    assert client.get("/guides/shout_back").status_code == 404


def test_templates_switch_language_on_the_guide_page(page: Any, in_language: Any) -> None:
    html = page("/guides/support_target_private?language=nl", headers=ENGLISH)
    [first] = in_language("nl", templates_for, "hate", "support_target_private", language="nl")
    assert f'lang="nl">{escape(first.text)}</blockquote>' in html
