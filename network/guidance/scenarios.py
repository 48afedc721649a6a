"""Practice scenarios: made-up situations (no real people) with the guide's judgement and reasons.

A member agrees with the guide when they judge the severity the same and choose one of the actions
the guide recommends for the situation. Several actions are often right; a few are not.
"""

from __future__ import annotations

from dataclasses import dataclass

from network.alerts.models import Category
from network.translation import lazy_gettext as _l
from network.vocabulary import ActionType, Platform

A = ActionType


@dataclass(frozen=True)
class Scenario:
    """One practice situation and how the guide judges it."""

    code: str
    platform: Platform
    category: Category
    situation: str
    severity: int
    actions: tuple[ActionType, ...]
    why_severity: str
    why_actions: str
    avoid: str

    def agrees(self, severity: int, action: ActionType | str) -> bool:
        """Tell whether an answer matches the guide's severity and one of its actions."""
        return severity == self.severity and ActionType(action) in self.actions


def scenarios() -> list[Scenario]:
    """Return every practice scenario, in the member's language."""
    return [
        Scenario(
            "food-vlog-remark",
            Platform.YOUTUBE,
            Category.OTHER,
            str(
                _l(
                    "Under a cooking video by a small food vlogger, one viewer writes: "
                    '"Nobody wants to look at your face, just show the food." Nobody '
                    "else has joined in."
                )
            ),
            1,
            (A.SUPPORT_TARGET_PUBLIC, A.SUPPORT_TARGET_PRIVATE, A.COUNTER_SPEECH, A.MESSAGE_AUTHOR),
            str(
                _l("Unkind (1): a rude remark, once, by one person. Nothing suggests it will grow.")
            ),
            str(
                _l(
                    "A warm reply to the vlogger, or one calm reply to the commenter, "
                    "is often enough and shows every reader what is normal here. A "
                    "private word with the author works too."
                )
            ),
            str(_l("Mocking the commenter back, or calling in others to pile on them.")),
        ),
        Scenario(
            "school-trip-video",
            Platform.TIKTOK,
            Category.SHAMING,
            str(
                _l(
                    "A video of a pupil tripping on a school trip is posted on TikTok "
                    'with the caption "clumsiest kid in class 2B". Within an hour '
                    "there are dozens of laughing comments, many from classmates, and "
                    "it is being shared."
                )
            ),
            2,
            (
                A.REPORT_PLATFORM,
                A.SUPPORT_TARGET_PRIVATE,
                A.ENLIST_HELP,
                A.COUNTER_SPEECH,
                A.SUPPORT_TARGET_PUBLIC,
            ),
            str(
                _l(
                    "Hurtful (2): shaming of a young person, a pile-on that is "
                    "growing, people who know each other offline."
                )
            ),
            str(
                _l(
                    "Act now: report the video, support the pupil in private, and "
                    "bring in a teacher or parent, because the people involved share a "
                    "class. Calm public voices help too, as long as there are several "
                    "and nobody mocks back."
                )
            ),
            str(_l("Sharing the video to show others how bad it is: that spreads it further.")),
        ),
        Scenario(
            "mosque-news-thread",
            Platform.FACEBOOK,
            Category.HATE,
            str(
                _l(
                    "Under a local news post about a new mosque, dozens of comments "
                    'call Muslims "rats" and say they should "all be sent back". '
                    "Some comments get hundreds of likes."
                )
            ),
            3,
            (A.REPORT_PLATFORM, A.REPORT_AUTHORITY),
            str(
                _l(
                    "Severe (3): hate against a whole group, with dehumanising words "
                    "and support from many."
                )
            ),
            str(
                _l(
                    "Report the comments to the platform and to the discrimination "
                    "hotline (MiND in the Netherlands, Unia in Belgium). Dehumanising "
                    "a group may be a crime. Do not argue with the authors in public."
                )
            ),
            str(_l("Replying with insults or sarcasm: it feeds the thread and draws more hate.")),
        ),
        Scenario(
            "address-posted",
            Platform.X,
            Category.DOXXING,
            str(
                _l(
                    "A post shows a screenshot with the home address of a young "
                    'climate activist, with the words "you all know what to do". It '
                    "is being reposted."
                )
            ),
            4,
            (A.REPORT_PLATFORM, A.REPORT_AUTHORITY),
            str(
                _l(
                    "Dangerous (4): private details shared with a call to act on them. "
                    "Someone could get hurt."
                )
            ),
            str(
                _l(
                    "Report the post to the platform at once and tell the police. If "
                    "you know the activist, make sure they know, so they can stay safe."
                )
            ),
            str(
                _l(
                    "Replying to or quoting the post: every reply spreads the address "
                    "further. Never confront the author."
                )
            ),
        ),
        Scenario(
            "unwanted-messages",
            Platform.INSTAGRAM,
            Category.SEXUAL_HARASSMENT,
            str(
                _l(
                    "A friend tells you that a stranger keeps sending her sexual "
                    "messages on Instagram and comments on all her photos, even after "
                    "she told him to stop. She asks you what to do."
                )
            ),
            3,
            (A.SUPPORT_TARGET_PRIVATE, A.REPORT_PLATFORM, A.ENLIST_HELP),
            str(_l("Severe (3): sexual harassment that goes on after a clear no.")),
            str(
                _l(
                    "She asked you: support her first. Help her save screenshots, "
                    "block and report the account, and think together about someone "
                    "she trusts who can help. If it turns into threats, go to the "
                    "police."
                )
            ),
            str(_l("Messaging the man yourself: it can make him angrier and tell him she talked.")),
        ),
        Scenario(
            "kicked-from-server",
            Platform.DISCORD,
            Category.EXCLUSION,
            str(
                _l(
                    "On a gaming Discord, a group keeps removing one player from voice "
                    'chat and posts "nobody wants you here, loser" in the channel. '
                    "It is the third week in a row."
                )
            ),
            2,
            (A.SUPPORT_TARGET_PRIVATE, A.MESSAGE_AUTHOR, A.ENLIST_HELP, A.REPORT_PLATFORM),
            str(_l("Hurtful (2): repeated exclusion and insults, not a one-off.")),
            str(
                _l(
                    "Reach out to the player in private, and tell the server's "
                    "moderators, who can act at once. A friendly private word with one "
                    "of the group, if you know them, can change the mood."
                )
            ),
            str(
                _l("Leaving the player to sort it out alone, or answering the group with insults.")
            ),
        ),
        Scenario(
            "old-joke-pile-on",
            Platform.X,
            Category.CANCELING,
            str(
                _l(
                    "A student's tasteless joke from four years ago resurfaces. "
                    "Thousands of replies demand she be expelled; some tell her to "
                    "kill herself, and her school and hometown are named."
                )
            ),
            3,
            (A.REPORT_PLATFORM, A.SUPPORT_TARGET_PRIVATE),
            str(
                _l(
                    "Severe (3): a campaign against one person, with calls for "
                    "self-harm and details that make her easy to find."
                )
            ),
            str(
                _l(
                    "Report the replies that tell her to harm herself or that point to "
                    "where she is, and send her a private message of support. If she "
                    "seems unsafe, point her to professional help."
                )
            ),
            str(
                _l(
                    "Joining the thread to argue with the crowd: at this size one more "
                    "public reply adds to the storm."
                )
            ),
        ),
        Scenario(
            "stream-chat-threat",
            Platform.TWITCH,
            Category.THREAT,
            str(
                _l(
                    "In a small streamer's chat, a viewer writes: \"I know which "
                    "school you go to. I'll be waiting for you on Friday.\" The "
                    "streamer goes quiet."
                )
            ),
            4,
            (A.REPORT_PLATFORM, A.REPORT_AUTHORITY),
            str(_l("Dangerous (4): a threat aimed at a real place and time.")),
            str(
                _l(
                    "Save a screenshot with the time, report the message and the "
                    "account to the platform, and report the threat to the police. "
                    "Call 112 if someone is in immediate danger."
                )
            ),
            str(_l("Answering the viewer in chat or trying to find out who they are.")),
        ),
    ]


def scenario(code: str) -> Scenario | None:
    """Return one scenario by its code, or None."""
    return next((found for found in scenarios() if found.code == code), None)
