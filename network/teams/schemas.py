"""Request and response schemas of teams."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated

from pydantic import BaseModel, Field, StringConstraints

from network.accounts.schemas import Strict
from network.text import MULTI_LINE


class TeamIn(Strict):
    """Create a team."""

    name: Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=80)]
    description: Annotated[str, MULTI_LINE] = Field(default="", max_length=500)


class JoinTeamIn(Strict):
    """Join a team with its invite code."""

    invite_code: str = Field(min_length=1, max_length=32)


class TeamOut(BaseModel):
    """A team the member belongs to; the invite code is shown only to its members."""

    id: int
    name: str
    description: str
    invite_code: str
    member_count: int
    created_at: datetime


class TeamPage(BaseModel):
    """A page of teams."""

    items: list[TeamOut]
    next_cursor: str | None


class TeamListQuery(Strict):
    """Paging through teams."""

    cursor: str | None = Field(default=None, max_length=200)
    limit: int = Field(default=50, ge=1, le=100)
