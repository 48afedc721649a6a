"""Message templates per category and action, in the language of the thread or the member.

Every text follows the evidence: empathy ("there is a real person reading this"), a plain opinion
without insults, or warm support. None insults, mocks or threatens: toxic replies backfire. There
are none for what the guide never asks for a category (contacting the author of a threat): the
table in network.guidance.rules decides, for the templates as for the needs.
"""

from __future__ import annotations

from contextlib import nullcontext
from dataclasses import dataclass

from flask_babel import force_locale

from network.alerts.models import Category
from network.guidance.rules import never_asked
from network.guidance.template_texts import ASK, EMPATHY, OPINION, SUPPORT, cautions, texts
from network.translation import lazy_gettext as _l
from network.vocabulary import ActionType

# The actions whose words a member writes; reports have their own helpers.
TEMPLATE_ACTIONS = (
    ActionType.COUNTER_SPEECH,
    ActionType.MESSAGE_AUTHOR,
    ActionType.SUPPORT_TARGET_PUBLIC,
    ActionType.SUPPORT_TARGET_PRIVATE,
    ActionType.ENLIST_HELP,
)
TEMPLATE_LANGUAGES = ("en", "nl")


@dataclass(frozen=True)
class MessageTemplate:
    """One ready message, with the tone it takes and any caution about using it."""

    key: str
    category: Category
    action: ActionType
    tone: str
    tone_label: str
    text: str
    caution: str | None = None


def tone_label(tone: str) -> str:
    """Return the translated name of a template's tone."""
    labels = {
        EMPATHY: _l("Empathy"),
        OPINION: _l("Plain opinion"),
        SUPPORT: _l("Support"),
        ASK: _l("Asking for help"),
    }
    return str(labels[tone])


def templates_for(
    category: Category | str,
    action: ActionType | str | None = None,
    *,
    language: str | None = None,
) -> list[MessageTemplate]:
    """Return the templates of a category (for one action or all five) in a language.

    The message is in the requested language (the thread's); its tone and caution are advice to
    the member, so they stay in the member's language."""
    category = Category(category)
    actions: tuple[ActionType, ...] = TEMPLATE_ACTIONS
    if action is not None:
        actions = (ActionType(action),) if ActionType(action) in TEMPLATE_ACTIONS else ()
    actions = tuple(kind for kind in actions if not never_asked(kind, category))
    table, warnings = texts(), cautions()
    chosen = [(kind, tone, text) for kind in actions for tone, text in table[(category, kind)]]
    with force_locale(language) if language in TEMPLATE_LANGUAGES else nullcontext():
        messages = [str(text) for _kind, _tone, text in chosen]
    found, numbers = [], dict.fromkeys(actions, 0)
    for (kind, tone, _text), message in zip(chosen, messages, strict=True):
        numbers[kind] += 1
        caution = warnings.get((category, kind))
        found.append(
            MessageTemplate(
                key=f"{category.value}-{kind.value}-{numbers[kind]}",
                category=category,
                action=kind,
                tone=tone,
                tone_label=tone_label(tone),
                text=message,
                caution=str(caution) if caution is not None else None,
            )
        )
    return found


def template_language(thread_language: str | None, fallback: str) -> str:
    """Offer templates in the thread's language when we have it, else in the member's."""
    if thread_language in TEMPLATE_LANGUAGES:
        return str(thread_language)
    return fallback if fallback in TEMPLATE_LANGUAGES else "en"
