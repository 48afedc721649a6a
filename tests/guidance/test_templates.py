"""Message templates: every category and action in both languages, offered on the alert page."""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest
import sqlalchemy as sa
from babel.messages.extract import DEFAULT_KEYWORDS, extract_from_file
from flask import Flask
from markupsafe import escape

from network.alerts.models import Alert, Category
from network.campaigns.models import Campaign, CampaignStatus, CampaignTemplate
from network.db import utcnow
from network.extensions import db
from network.guidance import template_texts
from network.guidance.message_templates import TEMPLATE_ACTIONS, templates_for
from network.guidance.rules import may_ask, never_asked
from network.vocabulary import ActionType

TEXTS = Path(__file__).resolve().parents[2] / "network" / "guidance" / "template_texts.py"


def translatable_texts() -> set[str]:
    """Return the texts the catalogue gets from template_texts.py (`make messages`)."""
    keywords = {**DEFAULT_KEYWORDS, "_l": None, "lazy_gettext": None}
    return {
        message if isinstance(message, str) else message[0]
        for _line, message, _comments, _context in extract_from_file(
            "python", str(TEXTS), keywords=keywords
        )
    }


@pytest.mark.parametrize("category", list(Category))
def test_every_category_has_templates_for_every_action_it_may_ask_in_both_languages(
    in_language: Any, category: Category
) -> None:
    catalogue = translatable_texts()
    for action in TEMPLATE_ACTIONS:
        for language in ("en", "nl"):
            found = in_language(language, templates_for, category, action, language=language)
            if never_asked(action, category):
                # No words for what the guide never asks: no reply to a threat, no message to
                # someone who doxxes.
                assert found == [], (category, action, language)
                continue
            assert found, (category, action, language)
            assert all(template.text.strip() for template in found)
        english = in_language("en", templates_for, category, action, language="en")
        # Stored as translatable strings: the Dutch comes from the catalogue.
        assert {template.text for template in english} <= catalogue
    if not never_asked("counter_speech", category):
        counter_speech = in_language("en", templates_for, category, "counter_speech")
        assert {template.tone for template in counter_speech} == {"empathy", "opinion"}


def test_the_template_texts_hold_no_words_for_what_the_guide_never_asks() -> None:
    for table in (template_texts.texts(), template_texts.cautions()):
        assert [pair for pair in table if never_asked(pair[1], pair[0])] == []


@pytest.mark.parametrize("severity", [1, 2, 3, 4])
@pytest.mark.parametrize("category", ["threat", "hate", "sexual_harassment"])
def test_alert_page_offers_words_only_for_what_the_alert_may_be_asked(
    open_alert: Any,
    create_member: Any,
    log_in: Any,
    page: Any,
    in_language: Any,
    category: str,
    severity: int,
) -> None:
    alert = open_alert(category=category, severity=severity, language="en")
    log_in(create_member())
    html = page(f"/alerts/{alert['id']}")
    for template in in_language("en", templates_for, category, language="en"):
        shown = f'lang="en">{escape(template.text)}</blockquote>' in html
        assert shown == may_ask(template.action, category, severity), template.key


def test_templates_never_insult_or_mock(in_language: Any) -> None:
    texts = [
        template.text.lower()
        for category in Category
        for template in in_language("en", templates_for, category, language="en")
    ]
    # Two counter-speech tones and one for every other action a category may ask.
    assert len(texts) == sum(
        (2 if action == ActionType.COUNTER_SPEECH else 1)
        for category in Category
        for action in TEMPLATE_ACTIONS
        if not never_asked(action, category)
    )
    for text in texts:
        for word in ("idiot", "stupid", "loser", "shut up", "pathetic"):
            assert word not in text, text


def test_reports_have_no_message_templates(in_language: Any) -> None:
    assert in_language("en", templates_for, "hate", ActionType.REPORT_PLATFORM) == []


def test_alert_page_offers_the_categorys_templates_with_copy_buttons(
    open_alert: Any, create_member: Any, log_in: Any, page: Any, in_language: Any
) -> None:
    alert = open_alert(category="shaming", language="en")
    log_in(create_member())
    html = page(f"/alerts/{alert['id']}")
    found = in_language("en", templates_for, "shaming", language="en")
    assert len(found) == 6
    for template in found:
        element = f"alert-template-{template.key}"
        assert f'id="{element}" lang="en">{escape(template.text)}</blockquote>' in html
        assert f'data-copy="#{element}"' in html
    other = in_language("en", templates_for, "threat", language="en")[0]
    assert str(escape(other.text)) not in html


def test_templates_come_in_the_language_of_the_thread(
    open_alert: Any, create_member: Any, log_in: Any, page: Any, in_language: Any
) -> None:
    alert = open_alert(category="hate", language="nl")
    log_in(create_member(locale="en"))
    html = page(f"/alerts/{alert['id']}")
    assert '<html lang="en">' in html
    for template in in_language("nl", templates_for, "hate", language="nl"):
        assert f'lang="nl">{escape(template.text)}</blockquote>' in html


def add_campaign(app: Flask, alert_id: int, *, status: CampaignStatus) -> int:
    with app.app_context():
        now = utcnow()
        campaign = Campaign(
            title="#DatMeenJeNiet",
            starts_at=now - timedelta(days=1),
            ends_at=now + timedelta(days=7),
            goal=50,
            status=status,
        )
        db.session.add(campaign)
        db.session.flush()
        db.session.add(
            CampaignTemplate(
                campaign_id=campaign.id,
                action_type=ActionType.SUPPORT_TARGET_PUBLIC,
                language="nl",
                body="Wij staan achter je. #DatMeenJeNiet",
            )
        )
        db.session.execute(
            sa.update(Alert).where(Alert.id == alert_id).values(campaign_id=campaign.id)
        )
        db.session.commit()
        return campaign.id


def test_alert_in_a_campaign_offers_the_campaigns_own_templates(
    app: Flask, open_alert: Any, create_member: Any, log_in: Any, page: Any
) -> None:
    alert = open_alert()
    add_campaign(app, alert["id"], status=CampaignStatus.LIVE)
    log_in(create_member())
    html = page(f"/alerts/{alert['id']}")
    assert "Words from the campaign #DatMeenJeNiet" in html
    assert 'lang="nl">Wij staan achter je. #DatMeenJeNiet</blockquote>' in html
    assert 'data-copy="#alert-campaign-template-' in html


def test_a_draft_campaigns_templates_stay_hidden(
    app: Flask, open_alert: Any, create_member: Any, log_in: Any, page: Any
) -> None:
    alert = open_alert()
    add_campaign(app, alert["id"], status=CampaignStatus.DRAFT)
    log_in(create_member())
    assert "Wij staan achter je" not in page(f"/alerts/{alert['id']}")
