"""The texts of the message templates and the cautions that go with some of them.

Kept apart from the logic in message_templates.py because it is long: eight categories times five
actions. Every text is a translatable string; the Dutch comes from the catalogue.
"""

from __future__ import annotations

from flask_babel.speaklater import LazyString

from network.alerts.models import Category
from network.translation import lazy_gettext as _l
from network.vocabulary import ActionType

EMPATHY, OPINION, SUPPORT, ASK = "empathy", "opinion", "support", "ask"
C = ActionType.COUNTER_SPEECH
M = ActionType.MESSAGE_AUTHOR
SP = ActionType.SUPPORT_TARGET_PUBLIC
SQ = ActionType.SUPPORT_TARGET_PRIVATE
E = ActionType.ENLIST_HELP


def texts() -> dict[tuple[Category, ActionType], tuple[tuple[str, LazyString], ...]]:
    """Return the tone and text of every template, per category and action."""
    return {
        (Category.HATE, C): (
            (
                EMPATHY,
                _l(
                    "There are real people reading this who are hurt by these words. "
                    "Nobody deserves to be talked about like this because of who they "
                    "are."
                ),
            ),
            (
                OPINION,
                _l(
                    "I disagree. Judging people by their religion, origin or who they "
                    "love is not OK, and I don't want this to be normal here."
                ),
            ),
        ),
        (Category.HATE, M): (
            (
                EMPATHY,
                _l(
                    "Hi, I read your comment. Maybe you didn't mean it this way, but it "
                    "hurts people who are just living their lives. Would you consider "
                    "taking it down?"
                ),
            ),
        ),
        (Category.HATE, SP): (
            (
                SUPPORT,
                _l(
                    "Sending you strength. You deserve respect, just like everyone else, "
                    "and many of us stand with you."
                ),
            ),
        ),
        (Category.HATE, SQ): (
            (
                SUPPORT,
                _l(
                    "Hi, I saw the hateful comments under your post. They say nothing "
                    "about you and everything about them. How are you doing? I'm happy "
                    "to help you report them."
                ),
            ),
        ),
        (Category.HATE, E): (
            (
                ASK,
                _l(
                    "Hi, hateful comments about someone's background are going around "
                    "online, and I'm worried about them. Could you take a look with me "
                    "and help decide what to do?"
                ),
            ),
        ),
        (Category.SHAMING, C): (
            (
                EMPATHY,
                _l(
                    "Imagine this was you or your little sister. Laughing at someone "
                    "like this really hurts, so let's not pass it on."
                ),
            ),
            (
                OPINION,
                _l(
                    "Making fun of how someone looks or what they did isn't funny to me. "
                    "I'm not sharing this, and I hope others won't either."
                ),
            ),
        ),
        (Category.SHAMING, M): (
            (
                EMPATHY,
                _l(
                    "Hey, I saw your post. I get that it may have seemed funny, but it's "
                    "really hurtful for the person in it. Could you take it down?"
                ),
            ),
        ),
        (Category.SHAMING, SP): (
            (
                SUPPORT,
                _l(
                    "Don't let this get to you. What people laugh at here says nothing "
                    "about your worth. We're with you."
                ),
            ),
        ),
        (Category.SHAMING, SQ): (
            (
                SUPPORT,
                _l(
                    "Hi, I saw what people are posting about you. It's not OK and it's "
                    "not your fault. How are you? If you want, I can help you report it, "
                    "or just listen."
                ),
            ),
        ),
        (Category.SHAMING, E): (
            (
                ASK,
                _l(
                    "Hi, someone is being laughed at online in a post that keeps getting "
                    "shared, and it's getting worse. Could you help? I can show you "
                    "what's going on."
                ),
            ),
        ),
        (Category.CANCELING, C): (
            (
                EMPATHY,
                _l(
                    "Whatever they said, there is a real person on the other end of "
                    "thousands of angry messages. People can learn from mistakes; a "
                    "pile-on doesn't help anyone do that."
                ),
            ),
            (
                OPINION,
                _l(
                    "I don't agree with everything they said, but wishing them harm or "
                    "trying to ruin their life is not OK. Criticise the words, not the "
                    "person."
                ),
            ),
        ),
        (Category.CANCELING, M): (
            (
                EMPATHY,
                _l(
                    "Hi, I understand you're angry about what they said. You can "
                    "disagree without joining the pile-on. Would you consider toning "
                    "your post down or removing it?"
                ),
            ),
        ),
        (Category.CANCELING, SP): (
            (
                SUPPORT,
                _l(
                    "Making a mistake doesn't make you a bad person. Take care of "
                    "yourself: not everyone here is against you."
                ),
            ),
        ),
        (Category.CANCELING, SQ): (
            (
                SUPPORT,
                _l(
                    "Hi, I saw the storm of reactions you're getting. That's a lot for "
                    "anyone. How are you holding up? I'm here if you want to talk, or if "
                    "you want help reporting the worst of it."
                ),
            ),
        ),
        (Category.CANCELING, E): (
            (
                ASK,
                _l(
                    "Hi, someone I know is getting a wave of hate online over something "
                    "they said, and it's getting personal. Could you help me think about "
                    "how to support them?"
                ),
            ),
        ),
        (Category.THREAT, SQ): (
            (
                SUPPORT,
                _l(
                    "Hi, I saw the threat against you. I'm so sorry, and it's not your "
                    "fault. Please take care of your safety: you can report it to the "
                    "police, and I can help with screenshots if you like. If you are in "
                    "danger, call 112."
                ),
            ),
        ),
        (Category.THREAT, E): (
            (
                ASK,
                _l(
                    "Hi, someone I know has been threatened online and I'm worried about "
                    "their safety. Could you help me make sure they get support and that "
                    "it is reported to the police?"
                ),
            ),
        ),
        (Category.SEXUAL_HARASSMENT, SQ): (
            (
                SUPPORT,
                _l(
                    "Hi, I saw the comments you're getting. That's harassment and it's "
                    "not your fault. How are you? I can help you report and block, or "
                    "just listen."
                ),
            ),
        ),
        (Category.SEXUAL_HARASSMENT, E): (
            (
                ASK,
                _l(
                    "Hi, someone I know is being sexually harassed online and I'm "
                    "worried about them. Could you help them get support? I can show you "
                    "what's happening."
                ),
            ),
        ),
        (Category.EXCLUSION, C): (
            (
                EMPATHY,
                _l(
                    "Imagine being the one who is left out and laughed at. Everybody "
                    "deserves a place here, so let's keep it friendly."
                ),
            ),
            (
                OPINION,
                _l(
                    "I don't think shutting someone out like this is OK. There's room for everyone."
                ),
            ),
        ),
        (Category.EXCLUSION, M): (
            (
                EMPATHY,
                _l(
                    "Hey, I noticed someone was removed from the group and people are "
                    "joking about it. Being left out like that really hurts. Could you "
                    "let it go, or let them back in?"
                ),
            ),
        ),
        (Category.EXCLUSION, SP): (
            (SUPPORT, _l("You're welcome here. Don't let a few people tell you otherwise.")),
        ),
        (Category.EXCLUSION, SQ): (
            (
                SUPPORT,
                _l(
                    "Hey, I saw what happened in the group. That was unfair, and it's "
                    "not about you. Want to talk, or do something together some time?"
                ),
            ),
        ),
        (Category.EXCLUSION, E): (
            (
                ASK,
                _l(
                    "Hi, someone in our group is being shut out online and laughed at, "
                    "and it keeps happening. Could you help? I can show you what's going "
                    "on."
                ),
            ),
        ),
        (Category.DOXXING, SQ): (
            (
                SUPPORT,
                _l(
                    "Hi, I saw that your details were posted online. I'm so sorry. It "
                    "has been reported. Please think about your safety: you can report "
                    "it to the police, and I can help with screenshots. If you feel in "
                    "danger, call 112."
                ),
            ),
        ),
        (Category.DOXXING, E): (
            (
                ASK,
                _l(
                    "Hi, someone's private details, like their address, have been posted "
                    "online and I'm worried about their safety. Could you help make sure "
                    "they get support and that the police know?"
                ),
            ),
        ),
        (Category.OTHER, C): (
            (
                EMPATHY,
                _l(
                    "There is a real person behind this, and words like these hurt. I "
                    "don't think this is OK."
                ),
            ),
            (
                OPINION,
                _l("I disagree with this. We can talk about anything without putting people down."),
            ),
        ),
        (Category.OTHER, M): (
            (
                EMPATHY,
                _l(
                    "Hi, I saw your comment. Maybe you didn't mean it this way, but it "
                    "really hurts someone. Would you consider taking it down?"
                ),
            ),
        ),
        (Category.OTHER, SP): (
            (SUPPORT, _l("You don't deserve this. Many of us stand with you.")),
        ),
        (Category.OTHER, SQ): (
            (
                SUPPORT,
                _l(
                    "Hi, I saw what is happening under your post. It is not OK and it is "
                    "not your fault. How are you doing? I can help you report it if you "
                    "like."
                ),
            ),
        ),
        (Category.OTHER, E): (
            (
                ASK,
                _l(
                    "I'm worried about someone: people are ganging up on them online. "
                    "Could you help? I can show you what is going on."
                ),
            ),
        ),
    }


def cautions() -> dict[tuple[Category, ActionType], LazyString]:
    """Return the cautions of templates the guide advises care with.

    Templates for what the guide never asks (a public reply to a threat, a message to someone
    who doxxes) do not exist at all: network.guidance.rules decides, and its tests check."""
    no_details = _l(
        "Never repeat the posted details in your message: messages get forwarded, and that "
        "spreads them further."
    )
    return {(Category.DOXXING, SQ): no_details, (Category.DOXXING, E): no_details}
