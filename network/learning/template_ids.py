"""Which message template a volunteer copied: its id and tone, never its text.

Guide templates are `<category>-<action>-<n>` (network/guidance/message_templates.py) with their
tone; an organiser's campaign template is `campaign-<id>` with the tone "campaign"."""

from __future__ import annotations

import re

import sqlalchemy as sa

from network.campaigns.models import CampaignTemplate
from network.extensions import db
from network.guidance.template_texts import texts

CAMPAIGN_TONE = "campaign"
CAMPAIGN_ID = re.compile(r"campaign-([0-9]{1,12})")


def guide_tones() -> dict[str, str]:
    """Every guide template's id with its tone."""
    tones = {}
    for (category, action), found in texts().items():
        for number, (tone, _text) in enumerate(found, start=1):
            tones[f"{category.value}-{action.value}-{number}"] = tone
    return tones


def known_template(template_id: str) -> str | None:
    """Return the tone of a template id, or None when no such template exists."""
    match = CAMPAIGN_ID.fullmatch(template_id)
    if match:
        exists = db.session.scalar(
            sa.select(CampaignTemplate.id).where(CampaignTemplate.id == int(match[1]))
        )
        return CAMPAIGN_TONE if exists is not None else None
    return guide_tones().get(template_id)
