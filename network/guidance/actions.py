"""How to do each upstander action well: steps, risks, how anonymous it is, and one message idea.

The message ideas follow the research (cited in content.py): replies that show empathy get
hateful posts deleted more often, plain opinions without insults draw the least hate, and toxic
counter-speech makes things worse.
"""

from __future__ import annotations

from dataclasses import dataclass

from network.translation import lazy_gettext as _l
from network.vocabulary import ActionType


@dataclass(frozen=True)
class Guidance:
    """What a volunteer needs to know once they have claimed an action."""

    how: tuple[str, ...]
    risks: str
    anonymity: str
    message_idea: str


def ground_rule() -> str:
    """Return the rule behind every action: never harass the harasser."""
    return str(
        _l(
            "Never harass the harasser: no insults, no threats, no sharing anyone's personal "
            "details. Calm words work; angry ones make things worse."
        )
    )


def why_these_words() -> str:
    """Return the evidence behind the message ideas, in one sentence."""
    return str(
        _l(
            "Replies that show empathy get hateful posts deleted more often, and plain opinions "
            "without insults are followed by the least hate (Hangartner et al. 2021; "
            "Lasser et al. 2025)."
        )
    )


def guidance_for(action: ActionType | str) -> Guidance:
    """Return the translated guidance for one upstander action."""
    open_thread = str(_l("Open the thread through the warning page on this site."))
    table = {
        ActionType.COUNTER_SPEECH: Guidance(
            (
                open_thread,
                str(_l("Reply once, calmly, about what was said — not about who said it.")),
                str(_l("Say plainly that you disagree, and that it hurts someone.")),
                str(_l("Do not get pulled into an argument: one clear voice is enough.")),
            ),
            str(
                _l(
                    "Higher risk: everyone in the thread sees your reply, and the author or their "
                    "followers may turn on you. Use an account you are comfortable with, share "
                    "nothing personal, and stop and report if replies turn nasty."
                )
            ),
            str(_l("Public: your account is visible to everyone in the thread.")),
            str(
                _l(
                    "There is a real person behind this, and words like these hurt. "
                    "I don't think this is OK."
                )
            ),
        ),
        ActionType.MESSAGE_AUTHOR: Guidance(
            (
                str(_l("Send one short, private message to the author.")),
                str(_l("Talk about the post, not about their character; assume good intent.")),
                str(_l("Ask them to take it down. Do not threaten or shame them.")),
                str(_l("If they answer angrily, stop, block them if you need to, and report.")),
            ),
            str(
                _l(
                    "Medium risk: the author learns who you are and may answer angrily or share "
                    "your message. Skip this when the author threatens people."
                )
            ),
            str(_l("Private, but not anonymous: the author sees your account.")),
            str(
                _l(
                    "Hi, I saw your comment. Maybe you didn't mean it this way, but it really "
                    "hurts someone. Would you consider taking it down?"
                )
            ),
        ),
        ActionType.SUPPORT_TARGET_PUBLIC: Guidance(
            (
                open_thread,
                str(_l("Reply to the target, not to the author.")),
                str(_l("Keep it short and warm; do not repeat the hurtful words.")),
                str(_l("Do not tag the author or start a discussion with them.")),
            ),
            str(
                _l(
                    "Higher risk: everyone in the thread sees your support, and the author may "
                    "turn on you too. Share nothing personal."
                )
            ),
            str(_l("Public: your account is visible to everyone in the thread.")),
            str(_l("You don't deserve this. Many of us stand with you.")),
        ),
        ActionType.SUPPORT_TARGET_PRIVATE: Guidance(
            (
                str(_l("Send the target a private message.")),
                str(_l("Ask how they are, and listen more than you advise.")),
                str(
                    _l(
                        "Offer concrete help: reporting together, blocking, talking to someone "
                        "they trust."
                    )
                ),
                str(
                    _l(
                        "If they seem unsafe or talk about harming themselves, point them to "
                        "professional help (in the Netherlands: 113 Suicide Prevention; 112 in "
                        "danger)."
                    )
                ),
            ),
            str(
                _l(
                    "Low risk: only the target sees your message. Respect it if they do not want "
                    "to talk."
                )
            ),
            str(_l("Private: only the target sees it, from your account.")),
            str(
                _l(
                    "Hi, I saw what is happening under your post. It is not OK and it is not "
                    "your fault. How are you doing? I can help you report it if you like."
                )
            ),
        ),
        ActionType.ENLIST_HELP: Guidance(
            (
                str(
                    _l(
                        "Think of someone with influence who knows the target or the author: "
                        "a teacher, a parent, a coach, a friend."
                    )
                ),
                str(_l("Tell them what is happening and show them the thread.")),
                str(_l("Agree who does what, and check back later.")),
                str(
                    _l(
                        "Share no more about the target than needed; ask the target first if "
                        "you can."
                    )
                ),
            ),
            str(
                _l(
                    "Low risk: it happens in private. Take care of the target's privacy; the "
                    "person you bring in should act discreetly."
                )
            ),
            str(_l("Private: only the person you bring in knows you asked.")),
            str(
                _l(
                    "I'm worried about someone: people are ganging up on them online. "
                    "Could you help? I can show you what is going on."
                )
            ),
        ),
        ActionType.REPORT_PLATFORM: Guidance(
            (
                open_thread,
                str(
                    _l(
                        "Use the platform's own Report option, usually in the ⋯ menu next to the "
                        "post or comment."
                    )
                ),
                str(_l("Choose the reason that fits best: hate, harassment or bullying.")),
                str(
                    _l(
                        "In the EU the Digital Services Act obliges platforms to handle notices: "
                        "say why it breaks the rules or the law and include the exact link."
                    )
                ),
            ),
            str(_l("The lowest risk: platforms do not tell the author who reported.")),
            str(_l("Anonymous towards the author.")),
            str(
                _l(
                    "This post attacks a person for who they are and invites others to join in. "
                    "It breaks your rules on hate and harassment. Please review and remove it."
                )
            ),
        ),
        ActionType.REPORT_AUTHORITY: Guidance(
            (
                str(
                    _l(
                        "First save the evidence: screenshots with the date and the exact link; "
                        "posts can disappear."
                    )
                ),
                str(
                    _l(
                        "Report online discrimination to MiND; Meldknop.nl helps you find the "
                        "right place for other problems."
                    )
                ),
                str(_l("For threats or shared private details, report to the police.")),
                str(_l("In immediate danger, call 112.")),
            ),
            str(
                _l(
                    "Low risk: the author is not told who reported. The police may contact you "
                    "for details."
                )
            ),
            str(
                _l(
                    "Confidential: police reports need your name; some hotlines accept reports "
                    "without it."
                )
            ),
            str(
                _l(
                    "On this date, this post (link attached) threatens a person and shares where "
                    "they live. Screenshots attached. I report it because it may be a crime."
                )
            ),
        ),
    }
    return table[ActionType(action)]
