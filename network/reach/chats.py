"""Group chats connected by organisers (Matrix, Telegram, Signal, … through Apprise).

New open alerts are posted there with a link: never the reporter, never a pending or hidden
alert, and no summary for severity 3 and 4. An Apprise URL holds the chat's secret: it is kept
in the database only, shown back as its scheme, and never logged (Apprise's own log is quieted
while we send)."""

from __future__ import annotations

import logging
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any
from urllib.parse import urlsplit

import sqlalchemy as sa
from flask_babel import force_locale

from network.accounts.models import Member
from network.accounts.policy import require_organiser
from network.alerts.guide import category_label, platform_label
from network.alerts.models import Alert
from network.coordination.feed import in_feed
from network.errors import NotFound, ValidationFailed
from network.extensions import db
from network.moderation import audit
from network.reach.models import GroupChat
from network.settings import settings
from network.teams.models import Team
from network.translation import gettext as _

log = logging.getLogger(__name__)

SEVERE = 3


@contextmanager
def _quiet_apprise() -> Iterator[None]:
    # Apprise may name the URL (and so the secret) in its warnings.
    logger = logging.getLogger("apprise")
    level, logger.level = logger.level, logging.CRITICAL + 1
    try:
        yield
    finally:
        logger.setLevel(level)


def _hint(url: str) -> str:
    scheme = urlsplit(url).scheme.lower()[:20]
    return f"{scheme}://…"


def _sender() -> Any:
    """A new Apprise sender. The library is imported when first needed (by a worker posting to
    chats, or an organiser connecting one): processes that never do skip its start-up."""
    import apprise

    return apprise.Apprise()


def connect_chat(actor: Member, *, name: str, url: str, team_id: int | None = None) -> GroupChat:
    """Connect a group chat to the network, or to one team (organisers); audited without URL."""
    require_organiser(actor)
    problems = {}
    name, url = " ".join(name.split())[:80], url.strip()
    if not name:
        problems["name"] = _("Give the chat a name.")
    with _quiet_apprise():
        valid = 0 < len(url) <= 1024 and _sender().add(url)
    if not valid:
        problems["url"] = _("This is not an Apprise address of a chat service.")
    if team_id is not None and db.session.get(Team, team_id) is None:
        problems["team_id"] = _("This team does not exist.")
    if problems:
        raise ValidationFailed(_("Some fields are not valid."), fields=problems)
    chat = GroupChat(team_id=team_id, name=name, url=url, hint=_hint(url), created_by=actor.id)
    db.session.add(chat)
    db.session.flush()
    audit.record(actor, "chat.connected", "group_chat", chat.id, team_id=team_id)
    db.session.commit()
    return chat


def chats() -> list[GroupChat]:
    """Return every connected chat (their URLs stay on the server)."""
    return list(db.session.scalars(sa.select(GroupChat).order_by(GroupChat.id)))


def all_teams() -> list[Team]:
    """Return every team, by name (the teams a chat can be connected to)."""
    return list(db.session.scalars(sa.select(Team).order_by(Team.name, Team.id).limit(500)))


def disconnect_chat(actor: Member, chat_id: int) -> None:
    """Disconnect a group chat (organisers); audited."""
    require_organiser(actor)
    chat = db.session.get(GroupChat, chat_id)
    if chat is None:
        raise NotFound(_("This chat does not exist."))
    audit.record(actor, "chat.disconnected", "group_chat", chat.id, team_id=chat.team_id)
    db.session.delete(chat)
    db.session.commit()


def notice_text(alert: Alert) -> tuple[str, str]:
    """Return the title and body a chat gets for a new alert (in the site's language)."""
    site = settings().site_url.rstrip("/")
    title = _(
        "New alert: %(category)s on %(platform)s, severity %(n)s",
        category=category_label(alert.category),
        platform=platform_label(alert.platform),
        n=alert.severity,
    )
    lines = []
    if alert.severity < SEVERE and alert.summary:
        lines.append(alert.summary)
    link = f"{site}/alerts/{alert.id}"
    lines.append(_("Can you help? %(url)s", url=link))
    return title, "\n".join(lines)


def post_new_alert(alert: Alert) -> int:
    """Post a new alert in the feed to the network's chats and its team's; return how many took
    it (none for an alert out of the feed)."""
    if not in_feed(alert):
        return 0
    where: sa.ColumnElement[bool] = GroupChat.team_id.is_(None)
    if alert.team_id is not None:
        where = sa.or_(where, GroupChat.team_id == alert.team_id)
    targets = list(db.session.scalars(sa.select(GroupChat).where(where).order_by(GroupChat.id)))
    if not targets:
        return 0
    with force_locale(settings().default_locale):
        title, body = notice_text(alert)
    posted = 0
    for chat in targets:
        sender = _sender()
        with _quiet_apprise():
            sender.add(chat.url)
            ok = bool(sender.notify(title=title, body=body))
        if ok:
            posted += 1
        else:
            log.warning("group chat %s did not take alert %s", chat.id, alert.id)
    return posted
