"""The signed "I'll help" link of a personal ask sent by email: it expires and works once."""

from __future__ import annotations

import functools

import sqlalchemy as sa
from itsdangerous import BadData, SignatureExpired, URLSafeTimedSerializer

from network.accounts.models import Member
from network.coordination.models import Ask, AskAnswer
from network.db import utcnow
from network.errors import Conflict, NotFound
from network.extensions import db
from network.settings import settings
from network.translation import gettext as _

PURPOSE = "ask-help"


def _serializer() -> URLSafeTimedSerializer:
    return _signer(settings().secret_key)


@functools.lru_cache(maxsize=4)
def _signer(secret_key: str) -> URLSafeTimedSerializer:
    # Built once per key rather than for every ask mailed (a job mails several).
    return URLSafeTimedSerializer(secret_key, salt=PURPOSE)


def help_token(ask: Ask) -> str:
    """Return the token of an ask's "I'll help" link."""
    return _serializer().dumps({"a": ask.id, "m": ask.member_id})


def max_age() -> int:
    """How long a link works: the ask's waiting time, with a little slack for slow mail."""
    return settings().ask_minutes * 60 + 300


def accept_by_link(actor: Member, token: str) -> Ask:
    """Accept the ask a link names, once, for the member it was sent to; return it."""
    gone = Conflict(_("This link has expired or was used already."), code="link_used")
    if not token or len(token) > 300:
        raise NotFound(_("This link is not valid."))
    try:
        payload = _serializer().loads(token, max_age=max_age())
    except SignatureExpired:
        raise gone from None
    except BadData:
        raise NotFound(_("This link is not valid.")) from None
    ask_id = payload.get("a") if isinstance(payload, dict) else None
    if not isinstance(ask_id, int) or payload.get("m") != actor.id:
        raise NotFound(_("This link is not valid."))
    ask = db.session.scalar(sa.select(Ask).where(Ask.id == ask_id).with_for_update())
    if ask is None or ask.member_id != actor.id:
        raise NotFound(_("This link is not valid."))
    if ask.answer != AskAnswer.PENDING or ask.expires_at <= utcnow():
        raise gone
    ask.answer, ask.answered_at = AskAnswer.ACCEPTED, utcnow()
    db.session.commit()
    return ask
