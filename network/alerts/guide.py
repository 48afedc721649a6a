"""The severity guide shown beside the severity field and on the alert pages."""

from __future__ import annotations

from dataclasses import dataclass

from network.alerts.models import Category
from network.translation import lazy_gettext as _l


@dataclass(frozen=True)
class SeverityLevel:
    """What a severity level looks like and what to do about it."""

    level: int
    title: str
    looks_like: str
    what_to_do: str


def severity_guide() -> list[SeverityLevel]:
    """Return the four levels, mildest first, in the current language."""
    return [
        SeverityLevel(
            1,
            str(_l("Unkind")),
            str(_l("Mocking, rude or excluding remarks, once or by a few people.")),
            str(_l("A calm reply or a private word is often enough. Support the target.")),
        ),
        SeverityLevel(
            2,
            str(_l("Hurtful")),
            str(_l("Repeated insults, shaming, hateful stereotypes, a pile-on starting.")),
            str(
                _l(
                    "Act now: several respectful voices, support the target, report to the "
                    "platform."
                )
            ),
        ),
        SeverityLevel(
            3,
            str(_l("Severe")),
            str(
                _l(
                    "Hate against a group, sexual harassment, sharing private details, a campaign "
                    "against one person."
                )
            ),
            str(
                _l(
                    "Report to the platform and a hotline such as MiND or Meldknop.nl; "
                    "do not engage the author publicly."
                )
            ),
        ),
        SeverityLevel(
            4,
            str(_l("Dangerous")),
            str(_l("Threats of violence, doxxing with an address, incitement, self-harm risk.")),
            str(
                _l(
                    "Go to the police (call 112 when someone is in immediate danger). "
                    "Report to the platform. Never confront the author."
                )
            ),
        ),
    ]


def category_label(category: Category) -> str:
    """Return the translated name of a category."""
    labels = {
        Category.HATE: _l("Hate"),
        Category.SHAMING: _l("Shaming"),
        Category.CANCELING: _l("Canceling"),
        Category.THREAT: _l("Threat"),
        Category.SEXUAL_HARASSMENT: _l("Sexual harassment"),
        Category.EXCLUSION: _l("Exclusion"),
        Category.DOXXING: _l("Doxxing"),
        Category.OTHER: _l("Other"),
    }
    return str(labels[category])


def platform_label(platform: object) -> str:
    """Return a platform's proper name (YouTube, TikTok), or "Other site"."""
    from network.vocabulary import platform_label as proper_name

    return proper_name(platform)
