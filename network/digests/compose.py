"""Turn a digest row into an email in the member's language (text and HTML)."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from email.message import EmailMessage
from functools import lru_cache, partial
from typing import Any
from urllib.parse import urlsplit

import orjson
from flask import current_app, render_template
from flask_babel import force_locale
from markupsafe import Markup

from network.accounts.models import Member
from network.alerts.guide import category_label
from network.alerts.models import Alert
from network.coordination.needs import Need
from network.digests.models import Digest
from network.digests.unsubscribe import unsubscribe_token
from network.digests.wording import CURRENT, Words, describe, network_lines
from network.i18n import Language, member_zone
from network.learning.checkins import waiting_count
from network.mail import Prepared, build_message, envelope_address, prepare, sender
from network.settings import settings
from network.vocabulary import ActionType, action_label


@dataclass(frozen=True)
class Shared:
    """What every digest of a batch in one language shows alike, translated once per batch.

    The alerts that need help are rendered once too: `alerts_text` and `alerts_html`, the part
    of each message that lists them (templates email/digest_alerts.*)."""

    labels: dict[str, str]
    alerts: list[dict[str, Any]]
    alerts_text: str
    alerts_html: Markup


def shared(locale: str, open_alerts: list[tuple[Alert, dict[ActionType, Need]]]) -> Shared:
    """Translate the action labels and the alerts that need help into one language, and render
    the part of a digest that lists those alerts."""
    site = settings().site_url
    with force_locale(locale):
        labels = {kind.value: action_label(kind) for kind in ActionType}
        alerts = [
            {
                "url": f"{site}/alerts/{alert.id}",
                "title": category_label(alert.category),
                "summary": alert.summary,
                "open": [labels[kind.value] for kind, need in needs.items() if need.open],
            }
            for alert, needs in open_alerts
        ]
        text = render_template("email/digest_alerts.txt", alerts=alerts)
        # Rendered with autoescape: what the alerts' members wrote is escaped in there.
        html = Markup(render_template("email/digest_alerts.html", alerts=alerts))  # noqa: S704
    return Shared(labels, alerts, text, html)


def message_id(digest: Digest) -> str:
    """Return the Message-ID derived from the digest (the same on every attempt)."""
    host = _host(settings().site_url)
    return f"<digest-{digest.member_id}-{digest.period_key.replace(':', '-')}@{host}>"


@lru_cache(maxsize=8)
def _host(site_url: str) -> str:
    return urlsplit(site_url).hostname or "localhost"


def compose(
    digest: Digest, member: Member, common: Shared, check_ins: int | None = None
) -> EmailMessage:
    """Build the digest email with its unsubscribe link and headers."""
    with force_locale(member.locale), member_zone(member.time_zone):
        return build_message(**_fields(digest, member, common, check_ins, render_template, CURRENT))


class Renderer:
    """Render the digests of one batch: templates, texts and numbers looked up once per language.

    The digest templates get everything from their context, the translation callables too, so
    no message needs the language set in Flask-Babel's context (or its time zone: digests show
    no times)."""

    def __init__(
        self,
        open_alerts: list[tuple[Alert, dict[ActionType, Need]]],
        check_ins: dict[int, int],
    ) -> None:
        self.open_alerts = open_alerts
        self.check_ins = check_ins
        self.languages: dict[str, tuple[Language, Shared, dict[str, Any]]] = {}
        environment = current_app.jinja_env
        self.templates = {
            name: environment.get_template(name)
            for name in ("email/digest.txt", "email/digest.html")
        }
        self.sender = sender(settings().mail_from).addr_spec
        # The network's lines of each language: the digests of a batch share those numbers.
        self.network_lines: dict[tuple[str, bool, bytes], tuple[list[str], bool]] = {}

    def recipient(self, member: Member) -> str:
        """Return the envelope address a member's digest goes to."""
        return envelope_address(member.email)

    def message(self, digest: Digest, member: Member) -> Prepared:
        """Return one member's digest encoded for the wire."""
        return self.begin(digest, member)()

    def begin(self, digest: Digest, member: Member) -> Callable[[], Prepared]:
        """Render one member's digest; return what encodes it for the wire (the mailer runs
        the two parts at different moments: `network.mail.Outgoing.begin`)."""
        language, common, callables = self._language(member.locale)

        def render(name: str, **context: Any) -> str:
            # Only their context and the translation callables: no context processors or
            # signals per message (render_template runs them for every call), nor the
            # environment's globals copied into every context (the templates use none).
            template = self.templates[name]
            context.update(callables)
            return template.environment.concat(
                template.root_render_func(template.new_context(context, shared=True))
            )

        def lines_of(
            network: dict[str, Any], *, weekly: bool, **arguments: Any
        ) -> tuple[list[str], bool]:
            key = (member.locale, weekly, orjson.dumps(network, option=orjson.OPT_SORT_KEYS))
            if key not in self.network_lines:
                self.network_lines[key] = network_lines(network, weekly=weekly, **arguments)
            return self.network_lines[key]

        fields = _fields(
            digest, member, common, self.check_ins.get(member.id, 0), render, language, lines_of
        )
        return partial(prepare, **fields)

    def _language(self, locale: str) -> tuple[Language, Shared, dict[str, Any]]:
        if locale not in self.languages:
            language = Language.of(locale)
            self.languages[locale] = (
                language,
                shared(locale, self.open_alerts),
                language.template_callables(),
            )
        return self.languages[locale]


def _fields(
    digest: Digest,
    member: Member,
    common: Shared,
    check_ins: int | None,
    render: Callable[..., str],
    words: Words,
    lines_of: Callable[..., tuple[list[str], bool]] = network_lines,
) -> dict[str, Any]:
    site = settings().site_url
    unsubscribe_url = f"{site}/digests/unsubscribe/{unsubscribe_token(member)}"
    context: dict[str, Any] = {
        "digest": digest,
        "member": member,
        "numbers": digest.numbers,
        "network": digest.numbers.get("network", {}),
        "site": site,
        # A preview (`send-digests --preview`) has no row yet: point to the archive.
        "archive_url": f"{site}/digests/{digest.id or ''}",
        "unsubscribe_url": unsubscribe_url,
        "weekly": digest.period_key.startswith("weekly"),
        "alerts": common.alerts,
        "alerts_text": common.alerts_text,
        "alerts_html": common.alerts_html,
        # Check-ins waiting for an answer: one line and a link to the feed.
        "check_ins": (
            check_ins if check_ins is not None else waiting_count(member.id) if member.id else 0
        ),
    }
    context["body"] = describe(
        digest.numbers,
        weekly=context["weekly"],
        label=common.labels.__getitem__,
        words=words,
        lines_of=lines_of,
    )
    text = render("email/digest.txt", **context)
    html = render("email/digest.html", **context)
    if context["weekly"]:
        subject = words.gettext("Your weekly Upstander digest")
    else:
        subject = words.gettext("Your daily Upstander digest")
    if digest.norm_kind in {"descriptive", "dynamic"} and digest.norm_message:
        subject = f"{subject}: {digest.norm_message}"
    return {
        "to": member.email,
        "subject": subject.strip(),
        "text": text,
        "html": html,
        "message_id": message_id(digest),
        "headers": {
            "List-Unsubscribe": f"<{unsubscribe_url}>",
            "List-Unsubscribe-Post": "List-Unsubscribe=One-Click",
            "Auto-Submitted": "auto-generated",
        },
    }
