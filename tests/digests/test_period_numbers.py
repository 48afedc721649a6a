"""The network's numbers of a period, worked out once by the dispatcher for all its batches."""

from __future__ import annotations

import json
from collections.abc import Callable
from datetime import date, timedelta
from typing import Any

import pytest
from flask import Flask
from hypothesis import given
from hypothesis import strategies as st

from network.digests import services
from network.digests.numbers import NetworkNumbers, PeriodNumbers, period_numbers
from network.digests.periods import from_key, period_ending
from network.extensions import db
from tests.digests.conftest import digest_rows
from tests.world import change_settings, counting_statements

WEEK = period_ending("weekly", "Europe/Amsterdam", date(2026, 11, 23), 8)
COUNT = st.integers(min_value=0, max_value=10**9)
NAMES = st.text(min_size=1, max_size=30)
NETWORK = st.builds(
    NetworkNumbers,
    active_members=COUNT,
    members_acted=COUNT,
    alerts_handled=COUNT,
    actions_by_type=st.dictionaries(NAMES, COUNT, max_size=7),
    median_minutes_to_first_action=st.none() | st.floats(0, 10**6, allow_nan=False),
    goal_reached_share=st.none() | st.floats(0, 1),
    outcomes=st.dictionaries(NAMES, COUNT, max_size=5),
    goal_reached=COUNT,
)


@given(network=NETWORK, acted_before=COUNT, active_before=COUNT)
def test_the_numbers_come_through_a_jobs_json_unchanged(
    network: NetworkNumbers, acted_before: int, active_before: int
) -> None:
    numbers = PeriodNumbers(network, acted_before, active_before)
    read = PeriodNumbers.from_json(json.loads(json.dumps(numbers.as_json())))
    assert read == numbers
    # The norm is chosen from the share, not from its rounded figure: the same to the last bit.
    assert read.network.share == network.share


GOOD = PeriodNumbers(NetworkNumbers(10, 4, 3, {"report_platform": 2}, 12.5, 0.5, {}), 3, 9)


def _without(key: str) -> dict[str, Any]:
    data = GOOD.as_json()
    del data[key]
    return data


def _network_with(**changes: Any) -> dict[str, Any]:
    data = GOOD.as_json()
    data["network"] = {**data["network"], **changes}
    return data


@pytest.mark.parametrize(
    "data",
    [
        None,
        [],
        "numbers",
        {},
        _without("network"),
        _without("acted_before"),
        {**GOOD.as_json(), "active_before": "many"},
        {**GOOD.as_json(), "network": None},
        _network_with(unknown=1),
        _network_with(active_members=-1),
        _network_with(members_acted=2.5),
        _network_with(alerts_handled="3"),
    ],
)
def test_numbers_that_cannot_be_read_are_refused(data: Any) -> None:
    with pytest.raises(ValueError, match="not a period's numbers"):
        PeriodNumbers.from_json(data)


def _members_who_acted(
    add_members: Callable[..., list[int]],
    add_alert: Callable[..., int],
    add_action: Callable[..., int],
) -> list[int]:
    members = add_members(6)
    alert = add_alert(WEEK.start - timedelta(days=7))
    moment = WEEK.start + timedelta(hours=2)
    for member_id in members[:4]:
        add_action(alert, member_id, "report_platform", claimed_at=moment, done_at=moment)
    return members


def test_a_batch_states_the_dispatchers_numbers_without_working_them_out_again(
    app: Flask,
    add_members: Callable[..., list[int]],
    add_alert: Callable[..., int],
    add_action: Callable[..., int],
) -> None:
    members = _members_who_acted(add_members, add_alert, add_action)
    with app.app_context():
        worked_out = period_numbers(WEEK, 8)
    assert worked_out.network.members_acted == 4

    def build(member_ids: list[int], numbers: dict[str, Any] | None) -> list[str]:
        batch = services.Batch(member_ids, "weekly", "Europe/Amsterdam", WEEK.key, numbers)
        with counting_statements(app) as statements, app.app_context():
            services.build_batch(batch, "job")
        return statements

    without = build(members[:3], None)
    given_numbers = build(members[3:], worked_out.as_json())
    # The network's aggregates (and last period's participation) ran only without them.
    assert len(without) > len(given_numbers)
    rows = {row["member_id"]: row for row in digest_rows(app, members)}
    assert {json.dumps(rows[m]["numbers"]["network"], sort_keys=True) for m in members} == {
        json.dumps(worked_out.network.as_dict(), sort_keys=True)
    }
    assert {rows[m]["norm_message"] for m in members[:3]} == {
        rows[m]["norm_message"] for m in members[3:]
    }

    # Numbers the dispatcher says are different are what the digests state: they are not
    # worked out again.
    other = PeriodNumbers(NetworkNumbers(50, 40, 7, {}, None, None, {}), 10, 50)
    more = add_members(1)
    build(more, other.as_json())
    (row,) = digest_rows(app, more)
    assert row["numbers"]["network"]["members_acted"] == 40
    assert row["norm_kind"] == "descriptive"


def test_a_batch_with_unreadable_numbers_works_them_out(
    app: Flask,
    add_members: Callable[..., list[int]],
    add_alert: Callable[..., int],
    add_action: Callable[..., int],
    caplog: pytest.LogCaptureFixture,
) -> None:
    members = _members_who_acted(add_members, add_alert, add_action)
    batch = services.Batch(members, "weekly", "Europe/Amsterdam", WEEK.key, {"network": 5})
    with app.app_context():
        services.build_batch(batch, "job")
    rows = digest_rows(app, members)
    assert {row["numbers"]["network"]["members_acted"] for row in rows} == {4}
    assert "unreadable numbers" in caplog.text


def test_the_dispatcher_hands_each_period_its_own_numbers_once(
    app: Flask,
    add_members: Callable[..., list[int]],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    change_settings(monkeypatch, app, digest_batch_size=2)
    add_members(5, frequency="daily")
    add_members(3, frequency="weekly", time_zone="America/New_York")
    with app.app_context():
        with counting_statements(app) as statements:
            batches = services.due_batches()
        alone = len(statements)
        by_period: dict[tuple[str, str], list[services.Batch]] = {}
        for batch in batches:
            by_period.setdefault((batch.period_key, batch.time_zone), []).append(batch)
        assert len(by_period) == 2 and len(batches) == 5
        for (period_key, time_zone), period_batches in by_period.items():
            first = period_batches[0]
            assert all(batch.numbers == first.numbers for batch in period_batches)
            assert first.numbers is not None
            expected = period_numbers(from_key(period_key, time_zone, 8), 8)
            assert PeriodNumbers.from_json(first.numbers) == expected
        db.session.rollback()
    # More batches of a period do not make the dispatcher work the numbers out again.
    change_settings(monkeypatch, app, digest_batch_size=1)
    with app.app_context(), counting_statements(app) as statements:
        assert len(services.due_batches()) == 8
    assert len(statements) == alone


def test_one_members_dispatch_works_out_only_their_groups_numbers(
    app: Flask, add_members: Callable[..., list[int]]
) -> None:
    # `upstander send-digests --member`: the member's own group alone, however many are due.
    [member] = add_members(1, frequency="daily")
    add_members(2, frequency="daily")
    with app.app_context(), counting_statements(app) as statements:
        [batch] = services.due_batches(member)
        db.session.rollback()
    alone = len(statements)
    assert batch.member_ids == [member]
    with app.app_context():
        [everyone] = services.due_batches()
        db.session.rollback()
    assert batch.numbers == everyone.numbers and batch.period_key == everyone.period_key
    # Other groups due at the same time (other time zones, the weekly digest) cost it nothing.
    add_members(2, frequency="weekly", time_zone="America/New_York")
    add_members(2, frequency="daily", time_zone="Asia/Tokyo")
    with app.app_context(), counting_statements(app) as statements:
        assert [b.member_ids for b in services.due_batches(member)] == [[member]]
        assert len(services.due_batches()) == 3
        db.session.rollback()
    assert len(statements) - alone > alone  # the whole network's dispatch did more
    with app.app_context(), counting_statements(app) as statements:
        services.due_batches(member)
        db.session.rollback()
    assert len(statements) == alone
