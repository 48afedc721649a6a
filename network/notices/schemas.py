"""Request and response bodies of notices."""

from __future__ import annotations

from datetime import datetime

from pydantic import BaseModel, Field

from network.accounts.schemas import Strict
from network.ids import Id
from network.notices.models import Notice


class NoticeOut(BaseModel):
    """Something the network told you: what happened, about which alert, and why."""

    id: int
    kind: str = Field(
        description="`alert_approved`, `alert_rejected` or `retaliation` (organisers: a "
        "volunteer was targeted in return after acting on the alert)."
    )
    alert_id: int | None
    body: str = Field(description="The reason the reviewer gave (may be empty).")
    text: str = Field(description="The notice in your language.")
    created_at: datetime
    read_at: datetime | None

    @classmethod
    def of(cls, notice: Notice) -> NoticeOut:
        from network.notices.queries import describe

        return cls(
            id=notice.id,
            kind=notice.kind,
            alert_id=notice.alert_id,
            body=notice.body,
            text=describe(notice),
            created_at=notice.created_at,
            read_at=notice.read_at,
        )


class NoticePage(BaseModel):
    """Your notices, newest first, and how many are unread."""

    items: list[NoticeOut]
    unread: int


class NoticesReadIn(Strict):
    """Mark your notices read up to and including this id (the newest one you saw)."""

    up_to: Id
