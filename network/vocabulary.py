"""The product's shared vocabulary: the seven upstander actions, platforms, languages."""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum

from network.translation import lazy_gettext as _l


class ActionType(StrEnum):
    """The seven upstander actions a volunteer can claim."""

    COUNTER_SPEECH = "counter_speech"
    MESSAGE_AUTHOR = "message_author"
    SUPPORT_TARGET_PUBLIC = "support_target_public"
    SUPPORT_TARGET_PRIVATE = "support_target_private"
    ENLIST_HELP = "enlist_help"
    REPORT_PLATFORM = "report_platform"
    REPORT_AUTHORITY = "report_authority"


# The one order actions are offered and explained in: lowest risk first, because fear of
# retaliation is the main brake on acting.
ACTION_ORDER = (
    ActionType.REPORT_PLATFORM,
    ActionType.SUPPORT_TARGET_PRIVATE,
    ActionType.REPORT_AUTHORITY,
    ActionType.ENLIST_HELP,
    ActionType.MESSAGE_AUTHOR,
    ActionType.COUNTER_SPEECH,
    ActionType.SUPPORT_TARGET_PUBLIC,
)


class Platform(StrEnum):
    """Platforms an alert can be about, derived from the URL's host."""

    INSTAGRAM = "instagram"
    TIKTOK = "tiktok"
    X = "x"
    FACEBOOK = "facebook"
    YOUTUBE = "youtube"
    REDDIT = "reddit"
    SNAPCHAT = "snapchat"
    DISCORD = "discord"
    TWITCH = "twitch"
    OTHER = "other"


class Locale(StrEnum):
    """Languages the interface speaks."""

    NL = "nl"
    EN = "en"


# Languages members can help in; ISO 639-1 codes of the languages most used in the Netherlands.
HELP_LANGUAGES: tuple[str, ...] = ("nl", "en", "de", "fr", "tr", "ar", "pl", "es")

# Proper names: brands as they spell themselves, languages by their own name (a Turkish speaker
# looks for "Türkçe", whatever language the page is in). The one table every page and mail uses.
PLATFORM_NAMES: dict[Platform, str] = {
    Platform.INSTAGRAM: "Instagram",
    Platform.TIKTOK: "TikTok",
    Platform.X: "X",
    Platform.FACEBOOK: "Facebook",
    Platform.YOUTUBE: "YouTube",
    Platform.REDDIT: "Reddit",
    Platform.SNAPCHAT: "Snapchat",
    Platform.DISCORD: "Discord",
    Platform.TWITCH: "Twitch",
}
LANGUAGE_NAMES: dict[str, str] = {
    "nl": "Nederlands",
    "en": "English",
    "de": "Deutsch",
    "fr": "Français",
    "tr": "Türkçe",
    "ar": "العربية",
    "pl": "Polski",
    "es": "Español",
}


def platform_label(platform: object) -> str:
    """Return a platform's proper name (YouTube, TikTok), or "Other site"."""
    code = getattr(platform, "value", platform)
    try:
        known = PLATFORM_NAMES.get(Platform(str(code)))
    except ValueError:
        known = None
    return known or str(_l("Other site"))


def language_name(code: object) -> str:
    """Return a language's own name ("Deutsch"), or its code when it is not one we know."""
    text = str(getattr(code, "value", code) or "")
    return LANGUAGE_NAMES.get(text.lower(), text)


def platform_choices() -> list[tuple[str, str]]:
    """Return (code, name) choices of every platform, "Other site" last."""
    return [(p.value, platform_label(p)) for p in Platform]


def language_choices() -> list[tuple[str, str]]:
    """Return (code, own name) choices of the languages members can help in."""
    return [(code, LANGUAGE_NAMES[code]) for code in HELP_LANGUAGES]


# The labels alone, for messages that name one action.
ACTION_LABELS = {
    ActionType.COUNTER_SPEECH: _l("Respectful public reply"),
    ActionType.MESSAGE_AUTHOR: _l("Private word with the author"),
    ActionType.SUPPORT_TARGET_PUBLIC: _l("Stand by the target in public"),
    ActionType.SUPPORT_TARGET_PRIVATE: _l("Support the target privately"),
    ActionType.ENLIST_HELP: _l("Enlist a trusted person"),
    ActionType.REPORT_PLATFORM: _l("Report to the platform"),
    ActionType.REPORT_AUTHORITY: _l("Report to the police or a hotline"),
}


def action_label(action: ActionType) -> str:
    """Return the translated label of an upstander action."""
    return str(ACTION_LABELS[action])


@dataclass(frozen=True)
class ActionInfo:
    """How an action is presented: its label, what the volunteer does, visibility and risk."""

    label: str
    description: str
    visibility: str
    risk: str


# What each action asks of the volunteer, where it shows and its risk: (description, visibility,
# risk), translated when asked for. A page asks for every action of every alert it shows.
ACTION_TEXTS = {
    ActionType.COUNTER_SPEECH: (
        _l('A calm, public reply in the thread: "This is not OK."'),
        _l("public"),
        _l("higher"),
    ),
    ActionType.MESSAGE_AUTHOR: (
        _l("A private, respectful message to the person behaving hurtfully."),
        _l("private"),
        _l("medium"),
    ),
    ActionType.SUPPORT_TARGET_PUBLIC: (
        _l("Show the target, in the thread, that they are not alone."),
        _l("public"),
        _l("higher"),
    ),
    ActionType.SUPPORT_TARGET_PRIVATE: (
        _l("A private message to the target: how are you? Can I help?"),
        _l("private"),
        _l("low"),
    ),
    ActionType.ENLIST_HELP: (
        _l("Bring in someone you know: a teacher, a parent, a friend."),
        _l("private"),
        _l("low"),
    ),
    ActionType.REPORT_PLATFORM: (
        _l("Report the content to the platform where it happens."),
        _l("anonymous"),
        _l("lowest"),
    ),
    ActionType.REPORT_AUTHORITY: (
        _l("Report it to the police or a hotline such as Meldknop.nl or MiND."),
        _l("anonymous"),
        _l("low"),
    ),
}


def action_info(action: ActionType) -> ActionInfo:
    """Return the translated presentation of an upstander action (its four texts alone)."""
    description, visibility, risk = ACTION_TEXTS[action]
    return ActionInfo(action_label(action), str(description), str(visibility), str(risk))
