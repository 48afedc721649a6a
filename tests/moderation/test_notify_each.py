"""Telling several members at once (`notify_each`): one notice and one unread more for each member
named, nothing else about any member changed, in one statement on PostgreSQL."""

from __future__ import annotations

import random
from typing import Any

import pytest
import sqlalchemy as sa
from flask import Flask

from network.accounts.models import Member
from network.extensions import db
from network.notices import services
from network.notices.models import Notice
from tests.world import counting_statements

MEMBERS = 5


def member_rows() -> dict[int, dict[str, Any]]:
    rows = db.session.execute(sa.select(Member.__table__)).mappings()
    return {row["id"]: dict(row) for row in rows}


def notices_by_member() -> dict[int, list[Notice]]:
    found: dict[int, list[Notice]] = {}
    for notice in db.session.scalars(sa.select(Notice).order_by(Notice.id)):
        found.setdefault(notice.member_id, []).append(notice)
    return found


@pytest.mark.parametrize(
    "picks",
    [
        [],
        [0],
        [0, 1, 2, 3, 4],
        [3, 1, 3, 1],  # named twice: one notice each
        [4, 2, 0],
    ],
)
@pytest.mark.parametrize("body", ["", "  Not hateful, a joke between friends.  ", "x" * 700])
def test_each_member_named_gets_one_notice_and_one_unread_more_and_nothing_else_changes(
    app: Flask, create_member: Any, picks: list[int], body: str
) -> None:
    with app.test_request_context():
        members = [create_member().id for _ in range(MEMBERS)]
        db.session.commit()
        before = member_rows()
        told = sorted({members[pick] for pick in picks})

        ids = services.notify_each(
            [members[pick] for pick in picks], "alert_rejected", alert_id=None, body=body
        )
        db.session.commit()

        after, notices = member_rows(), notices_by_member()
        assert len(ids) == len(told)
        assert [notices[member][0].id for member in told] == ids  # in member order
        for member in members:
            mine = notices.get(member, [])
            assert len(mine) == (1 if member in told else 0)
            for notice in mine:
                assert (notice.kind, notice.alert_id, notice.read_at) == (
                    "alert_rejected",
                    None,
                    None,
                )
                assert notice.body == body.strip()[:500]
            unread = after[member].pop("unread_notices") - before[member].pop("unread_notices")
            assert unread == (1 if member in told else 0)
            assert after[member] == before[member]  # no other column written


@pytest.mark.parametrize("seed", range(6))
def test_counters_match_the_notices_after_any_sequence_of_tellings(
    app: Flask, create_member: Any, seed: int
) -> None:
    rng = random.Random(seed)
    with app.test_request_context():
        members = [create_member().id for _ in range(MEMBERS)]
        for _step in range(8):
            named = [rng.choice(members) for _ in range(rng.randint(0, 7))]
            services.notify_each(named, rng.choice(services.KINDS))
            db.session.commit()
        unread = dict(db.session.execute(sa.select(Member.id, Member.unread_notices)).all())
        for member, notices in notices_by_member().items():
            assert unread[member] == len(notices)


def test_telling_many_members_costs_what_telling_one_does(app: Flask, create_member: Any) -> None:
    with app.test_request_context():
        members = [create_member().id for _ in range(MEMBERS)]
        db.session.commit()
        with counting_statements(app) as one:
            services.notify_each(members[:1], "alert_approved")
        with counting_statements(app) as many:
            services.notify_each(members, "alert_approved")
        db.session.commit()

    def sent(statements: list[str]) -> list[str]:  # not the tests' own savepoints
        return [s for s in statements if "SAVEPOINT" not in s]

    expected = 1 if db.engine_for(app).dialect.name == "postgresql" else 2
    assert len(sent(many)) == len(sent(one)) == expected
