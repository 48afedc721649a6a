"""Fixed-window counting that costs one storage round trip per limit and request.

Flask-Limiter's fixed window asks the store up to four times for one counted request: a test
before the view, a hit after it, and a count and an expiry for the X-RateLimit-* headers. Here
every count answers with its window, which the headers then reuse; and a limit counted only when
the view succeeds (`deduct_when`) reserves its unit before the view and gives it back after a
view that does not count. The common case (a post that goes through) then costs one round trip,
and two concurrent requests can no longer both pass the test for the last unit.
"""

from __future__ import annotations

import time
from collections import Counter
from typing import Any

from flask import g, has_request_context
from limits import RateLimitItem
from limits.storage import RedisStorage, Storage
from limits.strategies import FixedWindowRateLimiter
from limits.util import WindowStats

# KEYS[1] counter; ARGV expiry, amount, cost. Counts only if the cost still fits the limit.
_RESERVE = """
local count = tonumber(redis.call("get", KEYS[1]) or "0")
local cost = tonumber(ARGV[3])
local taken = 0
if count + cost <= tonumber(ARGV[2]) then
    count = redis.call("incrby", KEYS[1], cost)
    if count == cost then
        redis.call("expire", KEYS[1], ARGV[1])
    end
    taken = 1
end
return {taken, count, redis.call("ttl", KEYS[1])}
"""

# KEYS[1] counter; ARGV expiry, cost. Flask-Limiter's hit (counts even past the limit).
_HIT = """
local count = redis.call("incrby", KEYS[1], ARGV[2])
if count == tonumber(ARGV[2]) then
    redis.call("expire", KEYS[1], ARGV[1])
end
return {count, redis.call("ttl", KEYS[1])}
"""

# KEYS[1] counter; ARGV cost. A window emptied again is dropped, so it starts at a real count.
_REFUND = """
local count = tonumber(redis.call("get", KEYS[1]) or "0")
if count <= 0 then
    return {0, -2}
end
count = redis.call("decrby", KEYS[1], ARGV[1])
if count <= 0 then
    redis.call("del", KEYS[1])
    return {0, -2}
end
return {count, redis.call("ttl", KEYS[1])}
"""


class OneTripFixedWindow(FixedWindowRateLimiter):
    """Fixed window whose counts return their window and whose tests reserve, in a request."""

    def __init__(self, storage: Storage) -> None:
        super().__init__(storage)
        self._scripts: dict[str, Any] = {}
        if isinstance(storage, RedisStorage):
            connection = storage.get_connection()
            for name, source in (("reserve", _RESERVE), ("hit", _HIT), ("refund", _REFUND)):
                self._scripts[name] = connection.register_script(source.encode())

    def hit(self, item: RateLimitItem, *identifiers: str, cost: int = 1) -> bool:
        key = item.key_for(*identifiers)
        if "hit" in self._scripts:
            count, ttl = self._scripts["hit"]([self._stored(key)], [item.get_expiry(), cost])
            self._remember(key, item.amount, int(count), int(ttl))
        else:
            count = self.storage.incr(key, item.get_expiry(), amount=cost)
            self._remember(key, item.amount, count, None)
        return bool(count <= item.amount)

    def test(self, item: RateLimitItem, *identifiers: str, cost: int = 1) -> bool:
        reserved = _reserved()
        if reserved is None:
            return super().test(item, *identifiers, cost=cost)
        key = item.key_for(*identifiers)
        if "reserve" in self._scripts:
            taken, count, ttl = self._scripts["reserve"](
                [self._stored(key)], [item.get_expiry(), item.amount, cost]
            )
            self._remember(key, item.amount, int(count), int(ttl))
        else:
            count = self.storage.get(key)
            taken = count + cost <= item.amount
            if taken:
                count = self.storage.incr(key, item.get_expiry(), amount=cost)
            self._remember(key, item.amount, count, None)
        if taken:
            reserved[key] += cost
        return bool(taken)

    def settle(self, item: RateLimitItem, identifiers: list[str], counts: bool, cost: int) -> None:
        """Keep the unit reserved before the view if the view counts, else give it back.

        Without a reservation (the test refused, or ran outside a request) a view that counts is
        hit as Flask-Limiter would."""
        key = item.key_for(*identifiers)
        reserved = _reserved()
        if reserved is None or reserved[key] < cost:
            if counts:
                self.hit(item, *identifiers, cost=cost)
            return
        reserved[key] -= cost
        if not counts:
            self._give_back(key, cost, item.amount)

    def give_back_unsettled(self) -> None:
        """End the request: give back what it reserved and never settled, forget its windows."""
        if not has_request_context():
            return
        # Several requests may share one app context (and so g) in tests: start each afresh.
        g.pop("limit_windows", None)
        reserved: Counter[str] = g.pop("limit_reserved", None) or Counter()
        for key, units in reserved.items():
            if units > 0:
                self._give_back(key, units, None)

    def _give_back(self, key: str, cost: int, amount: int | None) -> None:
        if "refund" in self._scripts:
            count, ttl = self._scripts["refund"]([self._stored(key)], [cost])
            count, ttl = int(count), int(ttl)
        else:
            storage: Any = self.storage
            count, ttl = max(0, storage.decr(key, cost)), None
        if amount is not None:
            self._remember(key, amount, count, ttl)

    def get_window_stats(self, item: RateLimitItem, *identifiers: str) -> WindowStats:
        windows = g.get("limit_windows") if has_request_context() else None
        window = windows.get(item.key_for(*identifiers)) if windows else None
        return window if window is not None else super().get_window_stats(item, *identifiers)

    def _stored(self, key: str) -> str:
        storage: Any = self.storage
        return str(storage.prefixed_key(key))

    def _remember(self, key: str, amount: int, count: int, ttl: int | None) -> None:
        if not has_request_context():
            return
        reset = self.storage.get_expiry(key) if ttl is None else max(ttl, 0) + time.time()
        windows = g.setdefault("limit_windows", {})
        windows[key] = WindowStats(reset, max(0, amount - count))


def _reserved() -> Counter[str] | None:
    """This request's reserved units per counter key; None outside a request."""
    if not has_request_context():
        return None
    reserved: Counter[str] = g.setdefault("limit_reserved", Counter())
    return reserved
