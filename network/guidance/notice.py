"""The notice generator: a complete notice under Article 16 of the EU Digital Services Act.

Article 16(2) asks for four things: the reasons why the content is illegal, its exact location
(the URL), the name and email address of the person sending the notice, and a statement that
they believe in good faith that the notice is accurate and complete. A notice that has all four
gives the platform "actual knowledge" of the content, so it has to act. Nothing is stored: the
text is written for the member to copy and paste into the platform's form.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from zoneinfo import ZoneInfo

from email_validator import EmailNotValidError, validate_email
from flask_babel import format_date

from network.accounts.models import Member
from network.alerts import queries as alert_queries
from network.alerts.models import Alert, Category
from network.db import utcnow
from network.errors import ValidationFailed
from network.guidance.reporting import platform_name
from network.i18n import known_zone
from network.translation import gettext as _
from network.translation import lazy_gettext as _l

EXPLANATION_MAX = 4000
NAME_MAX = 120
EMAIL_MAX = 254


@dataclass(frozen=True)
class NoticeDetails:
    """What the member writes into the notice."""

    explanation: str
    name: str
    email: str


@dataclass(frozen=True)
class Notice:
    """A finished notice about one alert's thread."""

    alert_id: int
    platform: str
    url: str
    text: str


def good_faith_statement() -> str:
    """Return the statement of good faith Article 16(2)(d) asks for."""
    return _(
        "I confirm my bona fide belief that the information and allegations contained in this "
        "notice are accurate and complete."
    )


def explanation_example(category: Category | str) -> str:
    """Return an example explanation for a kind of hurtful content."""
    examples = {
        Category.HATE: _l(
            "The comments call people of one religion vermin and say they should be driven out. "
            "This is hate speech against a group, which your rules forbid and which may be a "
            "crime."
        ),
        Category.SHAMING: _l(
            "The video mocks a teenager's body and invites others to laugh at her. This is "
            "bullying and harassment of a private person, which your rules forbid."
        ),
        Category.CANCELING: _l(
            "Hundreds of replies wish a private person dead and call on others to target them. "
            "This is coordinated harassment, which your rules forbid."
        ),
        Category.THREAT: _l(
            "The post threatens to hurt a named person at their school on a given day. This is "
            "a threat of violence, which your rules forbid and which is a crime."
        ),
        Category.SEXUAL_HARASSMENT: _l(
            "The comments make unwanted sexual remarks about a person and repeat them after she "
            "asked them to stop. This is sexual harassment, which your rules forbid."
        ),
        Category.EXCLUSION: _l(
            "The posts organise others to exclude and mock one person, again and again. This is "
            "bullying, which your rules forbid."
        ),
        Category.DOXXING: _l(
            "The post shares a person's home address and calls on others to go there. Sharing "
            "private information to intimidate someone breaks your rules and may be a crime."
        ),
        Category.OTHER: _l(
            "Say what the content does, to whom, and which of the platform's rules or which law "
            "it breaks."
        ),
    }
    return str(examples[Category(category)])


def write_notice(
    member: Member, alert_id: int, details: NoticeDetails, *, today: date | None = None
) -> Notice:
    """Write a Digital Services Act notice about the thread of an alert the member may see."""
    alert = alert_queries.alert_for(member, alert_id)
    explanation = details.explanation.strip()
    name = " ".join(details.name.split())
    email = details.email.strip()
    problems: dict[str, str] = {}
    if not explanation:
        problems["explanation"] = _(
            "Explain why the content is illegal or breaks the platform's rules."
        )
    elif len(explanation) > EXPLANATION_MAX:
        problems["explanation"] = _(
            "Keep the explanation under %(num)d characters.", num=EXPLANATION_MAX
        )
    if not name or len(name) > NAME_MAX:
        problems["name"] = _("Give your name (at most %(num)d characters).", num=NAME_MAX)
    try:
        email = validate_email(email, check_deliverability=False).normalized
    except EmailNotValidError:
        problems["email"] = _("Give an email address where the platform can reach you.")
    if len(email) > EMAIL_MAX:
        problems["email"] = _("Give an email address where the platform can reach you.")
    if problems:
        raise ValidationFailed(_("Some fields are not valid."), fields=problems)
    return Notice(
        alert_id=alert.id,
        platform=platform_name(alert.platform),
        url=alert.url,
        # The date on the member's own calendar: just after midnight in Amsterdam is still
        # yesterday in UTC.
        text=compose_notice(alert, explanation, name, email, today or _local_today(member)),
    )


def _local_today(member: Member) -> date:
    zone = known_zone(member.time_zone) or "UTC"
    return utcnow().astimezone(ZoneInfo(zone)).date()


def compose_notice(alert: Alert, explanation: str, name: str, email: str, today: date) -> str:
    """Return the notice's text, in the member's language."""
    sections = [
        _("Notice under Article 16 of the Digital Services Act (Regulation (EU) 2022/2065)"),
        _("To: %(platform)s", platform=platform_name(alert.platform)),
        _("Date: %(date)s", date=format_date(today, "long")),
        "\n".join([_("1. Exact location of the content (URL)"), alert.url]),
        "\n".join(
            [
                _("2. Why this content is illegal or incompatible with your terms and conditions"),
                explanation,
            ]
        ),
        "\n".join(
            [
                _("3. Name and email address of the person submitting this notice"),
                _("Name: %(name)s", name=name),
                _("Email: %(email)s", email=email),
            ]
        ),
        "\n".join([_("4. Statement of good faith"), good_faith_statement()]),
        _(
            "Please confirm that you received this notice, and inform me of your decision and "
            "of the possibilities for redress, as Article 16(4) and (5) of the Digital Services "
            "Act require."
        ),
    ]
    return "\n\n".join(sections)
