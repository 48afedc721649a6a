"""Response schemas of digests."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from pydantic import BaseModel, Field

from network.accounts.schemas import Strict
from network.digests.models import Digest, DigestStatus


class DigestOut(BaseModel):
    """One digest: the numbers it showed and the norm message chosen."""

    id: int
    period_key: str
    period_start: datetime
    period_end: datetime
    status: DigestStatus
    norm_kind: str | None
    norm_message: str | None
    numbers: dict[str, Any]
    sent_at: datetime | None

    @classmethod
    def of(cls, digest: Digest) -> DigestOut:
        return cls.model_validate(digest, from_attributes=True)


class DigestPage(BaseModel):
    """A page of digests, newest first."""

    items: list[DigestOut]
    next_cursor: str | None


class DigestListQuery(Strict):
    """Paging through digests."""

    cursor: str | None = Field(default=None, max_length=200)
    limit: int = Field(default=20, ge=1, le=100)
