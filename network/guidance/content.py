"""The guide for each of the seven actions and the ten tips for upstanders.

Written by the project from the research: empathy-based replies get hateful posts
deleted more often (Hangartner et al. 2021), plain opinions without insults are followed by the
least hate (Lasser et al. 2025), toxic or sarcastic replies backfire, and several voices work where
one does not (Zapata et al. 2024). The steps, risks and anonymity of each action come from the
short guidance the feed shows (network.guidance.actions), so the two never disagree.
"""

from __future__ import annotations

from dataclasses import dataclass

from network.guidance.actions import ground_rule, guidance_for
from network.guidance.rules import rule_lines
from network.translation import lazy_gettext as _l
from network.vocabulary import ACTION_ORDER, ActionInfo, ActionType, action_info

# The order of the guides: lowest risk first, because fear of retaliation is the main brake.
EMPATHY = _l(
    "Replies that appeal to empathy, reminding the author that a real person is hurt, made "
    "authors delete hateful posts more often: deletions rose by 8.4 percentage points, about "
    "40% (Hangartner et al., PNAS 2021)."
)
PLAIN_OPINION = _l(
    "Plain statements of opinion without insults are followed by the least hate in the "
    "conversation (Lasser et al. 2025)."
)
NO_TOXIC = _l(
    "Toxic, sarcastic or mocking replies backfire: they escalate the thread and draw more hate."
)
SEVERAL_VOICES = _l(
    "Several voices objecting work where a single one does not (Zapata et al. 2024). The feed "
    "stops public voices at the alert's goal, so nobody is piled on."
)
SUPPORT_HELPS = _l(
    "Bystanders who act soften the harm for the target and make new incidents less likely; "
    "silence reads as acceptance."
)
DSA = _l(
    "In the EU, the Digital Services Act (Article 16) obliges platforms to handle notices that "
    "give the exact URL, the reasons, a name and email and a statement of good faith, to confirm "
    "receipt and to tell you their decision."
)


@dataclass(frozen=True)
class Guide:
    """Everything a member needs to know about one action."""

    action: ActionType
    info: ActionInfo
    summary: str
    when: tuple[str, ...]
    how: tuple[str, ...]
    risks: str
    anonymity: str
    why: tuple[str, ...]
    avoid: tuple[str, ...]
    ground_rule: str


def _texts(*texts: object) -> tuple[str, ...]:
    return tuple(str(text) for text in texts)


def _specifics() -> dict[ActionType, tuple[str, tuple[str, ...], tuple[str, ...], tuple[str, ...]]]:
    """Return per action: the summary, when to do it, why it works, what to avoid."""
    return {
        ActionType.COUNTER_SPEECH: (
            str(
                _l(
                    "One calm, public reply in the thread shows the target and every silent "
                    "reader that this is not normal here."
                )
            ),
            _texts(
                _l("Unkind or hurtful remarks, or a pile-on that is starting."),
                _l("When the alert still needs public voices; the feed says how many."),
            ),
            _texts(EMPATHY, PLAIN_OPINION, NO_TOXIC, SEVERAL_VOICES),
            _texts(
                _l("Insults, sarcasm, mockery or capitals: they backfire."),
                _l("Tagging friends to pile on the author."),
                _l("Repeating the hurtful words or sharing screenshots of the target."),
                _l("Arguing back and forth: say it once."),
            ),
        ),
        ActionType.MESSAGE_AUTHOR: (
            str(
                _l(
                    "A short private message gives the author a way to step back without losing "
                    "face in public."
                )
            ),
            _texts(
                _l("When the author seems thoughtless rather than hateful, or you know them."),
            ),
            _texts(
                EMPATHY,
                _l(
                    "In private, nobody is watching, so the author can change course without "
                    "performing for an audience."
                ),
                NO_TOXIC,
            ),
            _texts(
                _l('Threats, shaming, or "I will report you" as pressure.'),
                _l("Sending more messages when they do not answer."),
                _l("Posting their answer in public."),
            ),
        ),
        ActionType.SUPPORT_TARGET_PUBLIC: (
            str(
                _l(
                    "A warm public reply to the target shows them, and everyone reading, that "
                    "they are not alone."
                )
            ),
            _texts(
                _l("When the target is a person in the thread."),
                _l("When the target asked for help and welcomes public support."),
                _l("Not when the target wants no attention drawn to the thread."),
            ),
            _texts(
                SUPPORT_HELPS,
                SEVERAL_VOICES,
                _l(
                    "Readers learn from what others do: every supportive reply makes standing "
                    "up look normal."
                ),
            ),
            _texts(
                _l("Talking about the author or the attack in detail."),
                _l('Giving advice in public, such as "just ignore it".'),
                _l("Revealing anything about the target."),
            ),
        ),
        ActionType.SUPPORT_TARGET_PRIVATE: (
            str(
                _l(
                    "A private message to the target: you saw it, it is not their fault, and "
                    "you are there."
                )
            ),
            _texts(
                _l("Unless the target said they want no messages."),
                _l(
                    "Especially during a pile-on, when the target feels that everyone is "
                    "against them."
                ),
                _l("When you do not feel safe acting in public: this is just as valuable."),
            ),
            _texts(SUPPORT_HELPS),
            _texts(
                _l("Forwarding the hurtful content to them."),
                _l("Pushing them to do something they do not want."),
                _l("Promising to keep a secret when someone is in danger."),
            ),
        ),
        ActionType.ENLIST_HELP: (
            str(
                _l(
                    "Bring in someone with influence: a teacher, a parent, a coach, a youth "
                    "worker, or a friend of the author."
                )
            ),
            _texts(
                _l("When the people involved know each other offline: a class, a club, a team."),
                _l("When the target is young."),
                _l("When you do not feel able to act yourself."),
            ),
            _texts(
                _l(
                    "People act more when the target is close to them: a trusted adult or a "
                    "friend of the author reaches people that strangers cannot."
                ),
                SUPPORT_HELPS,
            ),
            _texts(
                _l("Telling the story to more people than needed."),
                _l(
                    "Going over the target's head when they asked you not to, unless they are "
                    "in danger."
                ),
            ),
        ),
        ActionType.REPORT_PLATFORM: (
            str(
                _l(
                    "Report the content with the platform's own report option. The author is not "
                    "told who reported: it is the lowest-risk way to act."
                )
            ),
            _texts(
                _l("When the content breaks the platform's rules or the law."),
                _l("Always for severity 3 and 4, before anything else."),
                _l("When you want to help but do not want to be seen."),
            ),
            _texts(
                DSA,
                _l(
                    "A notice with the exact link and clear reasons is easier to act on than a "
                    "click on a reason."
                ),
            ),
            _texts(
                _l("Reporting posts of the author that break no rules."),
                _l("Reports that are not true: every report must be your own honest judgement."),
            ),
        ),
        ActionType.REPORT_AUTHORITY: (
            str(
                _l(
                    "Report to the police or a hotline when the content may be a crime: threats, "
                    "doxxing, incitement to hatred or violence, discrimination, sexual images "
                    "shared without consent."
                )
            ),
            _texts(
                _l("At once, by calling 112, when someone is in immediate danger."),
                _l("Also when the platform does not act on a report of something illegal."),
            ),
            _texts(
                _l(
                    "Hotlines assess the content and can ask the platform to remove it; the "
                    "police can investigate threats and doxxing."
                ),
                _l("Reports are counted: they show how much online hate there is."),
            ),
            _texts(
                _l("Contacting the author yourself."),
                _l("Deleting evidence before it is saved."),
            ),
        ),
    }


def guide(action: ActionType | str) -> Guide:
    """Return the translated guide for one action."""
    action = ActionType(action)
    summary, when, why, avoid = _specifics()[action]
    short = guidance_for(action)
    return Guide(
        action=action,
        info=action_info(action),
        summary=summary,
        # Which severities and categories come from the one table the needs follow too.
        when=(*rule_lines(action), *when),
        how=short.how,
        risks=short.risks,
        anonymity=short.anonymity,
        why=why,
        avoid=avoid,
        ground_rule=ground_rule(),
    )


def guides() -> list[Guide]:
    """Return the guides of all seven actions, lowest risk first."""
    return [guide(action) for action in ACTION_ORDER]


def evidence() -> list[str]:
    """Return the findings the guides are built on."""
    return list(_texts(EMPATHY, PLAIN_OPINION, NO_TOXIC, SEVERAL_VOICES))


def ten_tips() -> list[str]:
    """Return the ten tips for upstanders."""
    return list(
        _texts(
            _l(
                "Don't scroll past. Silence reads as acceptance; your action softens the harm "
                "for the target."
            ),
            _l("You don't have to be a hero: reporting is anonymous and always helps."),
            _l('Reach out to the target in private: "I saw it, it\'s not OK. How are you?"'),
            _l(
                'Talk about the words, not the person: "This comment is hurtful", not '
                '"You are an idiot".'
            ),
            _l("Show empathy: remind the author that there is a real person behind the screen."),
            _l(
                "Say what you think plainly, without insults, sarcasm or mockery. Angry replies "
                "make things worse."
            ),
            _l(
                "Say it once. Don't get dragged into an argument: you speak to the silent "
                "readers, not to win."
            ),
            _l(
                "Act together: several respectful voices work where one does not. Claim an "
                "action in the feed so others see it is being done."
            ),
            _l(
                "Look after yourself: use an account you are comfortable with, share nothing "
                "personal, and step away when it gets too much."
            ),
            _l(
                "Threats, doxxing or someone in danger: don't engage, save the evidence, report "
                "to the platform and the police. In an emergency, call 112."
            ),
        )
    )
