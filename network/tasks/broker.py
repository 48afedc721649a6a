"""The Redis broker's transport: kombu's, with one client per channel for what it sends.

kombu builds a new redis-py client for every message it sends, and a client copies its table of
some 170 reply handlers when it is built: ~0.17 ms of CPU a job on a slow host, a sixth of
queueing one. A client over the channel's connection pool is safe to share between threads (each
command borrows a connection from the pool), so one serves every send of the channel; a pool the
channel replaced (after a lost connection) gets a client of its own."""

from __future__ import annotations

from typing import Any

from kombu.transport import redis


class Channel(redis.Channel):
    _sending: Any = None

    def _create_client(self, asynchronous: bool = False) -> Any:
        if asynchronous:
            return super()._create_client(asynchronous=True)
        client = self._sending
        if client is None or client.connection_pool is not self.pool:
            client = self._sending = super()._create_client()
        return client


class Transport(redis.Transport):
    Channel = Channel


def transport_for(broker_url: str) -> str | None:
    """Return this transport's name for a plain `redis://` broker, else None (kombu chooses)."""
    return f"{__name__}:Transport" if broker_url.startswith("redis://") else None
