"""An event is published for the other web processes before this process's clients are sent it
(network/realtime/fanout.py), on a real Redis and python-socketio's own server."""

from __future__ import annotations

import secrets
import threading
from collections.abc import Iterator
from typing import Any

import pytest
import redis
import socketio

from network.realtime.fanout import Messages, PublishFirst, client_manager

NAMESPACE = "/feed"
ROOM = "network"


class Local:
    """python-socketio's server with the manager under test and `clients` members connected to
    this process; every packet handed to one of them is passed to `on_send` first."""

    def __init__(self, url: str, channel: str, clients: int = 3) -> None:
        self.manager = PublishFirst(url, channel=channel, write_only=True)
        self.server = socketio.Server(client_manager=self.manager, async_mode="threading")
        self.sent: list[tuple[str, Any]] = []
        self.on_send: Any = None
        self._lock = threading.Lock()
        for number in range(clients):
            sid = self.manager.connect(f"eio-{number}", NAMESPACE)
            self.manager.enter_room(sid, NAMESPACE, ROOM)
        self.server._send_eio_packet = self._send  # the edge where a client's packet leaves

    def _send(self, eio_sid: str, eio_packet: Any) -> None:
        if self.on_send is not None:
            self.on_send()
        with self._lock:
            self.sent.append((eio_sid, eio_packet.data))

    def emit(self, number: int) -> None:
        self.server.emit("alert.created", {"event_id": number}, to=ROOM, namespace=NAMESPACE)


@pytest.fixture
def channel() -> str:
    return f"upstander-test-{secrets.token_hex(4)}"


@pytest.fixture
def listener(redis_url: str, channel: str) -> Iterator[Any]:
    """What another web process hears on the channel."""
    client = redis.Redis.from_url(redis_url)
    pubsub = client.pubsub(ignore_subscribe_messages=True)
    pubsub.subscribe(channel)
    pubsub.get_message(timeout=1)
    yield pubsub
    pubsub.close()
    client.close()


def test_the_other_processes_hear_of_an_event_before_this_ones_clients_are_sent_it(
    redis_url: str, channel: str, listener: Any
) -> None:
    local = Local(redis_url, channel)
    heard_first: list[bool] = []
    # Waits up to a second: python-socketio's own manager publishes only after this returns.

    def check() -> None:
        if not heard_first:
            heard_first.append(listener.get_message(timeout=1) is not None)

    local.on_send = check

    local.emit(1)

    assert heard_first[0] is True
    assert len(local.sent) == 3  # each local client got it once
    assert all('"event_id":1' in data for _sid, data in local.sent)


def test_this_process_clients_still_hear_an_event_when_redis_is_unreachable(channel: str) -> None:
    local = Local("redis://127.0.0.1:9/0", channel)  # nothing listens on the discard port

    local.emit(7)

    assert sorted(sid for sid, _data in local.sent) == ["eio-0", "eio-1", "eio-2"]


def test_emits_from_many_threads_each_reach_every_local_client_once_in_each_threads_order(
    redis_url: str, channel: str, listener: Any
) -> None:
    local = Local(redis_url, channel, clients=2)
    threads, per_thread = 8, 25

    def emitter(first: int) -> None:
        for number in range(first, first + per_thread):
            local.emit(number)

    workers = [threading.Thread(target=emitter, args=(n * 1000,)) for n in range(threads)]
    for worker in workers:
        worker.start()
    for worker in workers:
        worker.join()

    numbers = [int(data.split('"event_id":')[1].rstrip("}]")) for _sid, data in local.sent]
    emitted = [number for n in range(threads) for number in range(n * 1000, n * 1000 + per_thread)]
    assert sorted(numbers) == sorted(emitted * 2)  # two local clients
    for n in range(threads):
        mine = [number for number in numbers if n * 1000 <= number < (n + 1) * 1000]
        assert mine == sorted(mine)
    published = 0
    while listener.get_message(timeout=1) is not None:
        published += 1
    assert published == threads * per_thread


@pytest.mark.parametrize(
    ("url", "ours"),
    [
        ("redis://127.0.0.1:6379/0", True),
        ("rediss://cache.example:6380/0", True),
        (None, False),
        ("", False),
        ("amqp://guest@127.0.0.1//", False),  # Kombu: Flask-SocketIO's own choice
        ("redis+sentinel://127.0.0.1:26379", False),
    ],
)
def test_only_redis_queues_get_the_publishing_manager(url: str | None, ours: bool) -> None:
    assert isinstance(client_manager(url, "channel"), PublishFirst) is ours


def _number(data: str) -> int:
    return int(data.split('"event_id":')[1].split(",")[0])


def _events(first: int, count: int) -> list[tuple[str, dict[str, Any], list[str]]]:
    kinds = ["action.updated", "alert.updated", "notice.created"]
    return [
        (kinds[n % 3], {"event_id": first + n, "alert": {"id": 7, "title": "ü ✓"}}, [ROOM])
        for n in range(count)
    ]


@pytest.mark.parametrize("count", [1, 2, 5])
def test_a_commits_events_go_out_in_one_message_heard_first_and_in_order(
    redis_url: str, channel: str, listener: Any, count: int
) -> None:
    local = Local(redis_url, channel, clients=2)
    heard: list[Any] = []

    def check() -> None:
        if not heard:
            message = listener.get_message(timeout=1)
            heard.append(None if message is None else Messages.loads(message["data"]))

    local.on_send = check

    local.manager.emit_together(_events(10, count), NAMESPACE)

    assert heard[0] is not None, "published before the first local client was sent anything"
    assert listener.get_message(timeout=0.2) is None, "one message for the commit"
    for sid in ("eio-0", "eio-1"):
        numbers = [
            int(data.split('"event_id":')[1].split(",")[0]) for s, data in local.sent if s == sid
        ]
        assert numbers == list(range(10, 10 + count))
    # Another web process hands each event to its own clients, in the commit's order.
    other = Local(redis_url, f"{channel}-other", clients=1)
    other.manager._handle_emit(heard[0])
    received = [data for _sid, data in other.sent]
    assert [_number(data) for data in received] == list(range(10, 10 + count))
    events = [event for event, _payload, _rooms in _events(10, count)]
    assert all(event in data for event, data in zip(events, received, strict=True))


def test_a_commits_events_reach_this_process_clients_when_redis_is_unreachable(
    channel: str,
) -> None:
    local = Local("redis://127.0.0.1:9/0", channel, clients=1)

    local.manager.emit_together(_events(1, 3), NAMESPACE)

    assert len(local.sent) == 3


@pytest.mark.parametrize(
    "value",
    [
        {"method": "emit", "data": [{"event_id": 1, "summary": "Ünïcode ✓ \u2028"}], "room": ["a"]},
        {"big": 2**70, "list": [1, None, True, 1.5]},
        {"surrogate": "\ud800"},
    ],
)
def test_messages_read_as_the_standard_library_writes_them_and_back(value: Any) -> None:
    import json

    written = Messages.dumps(value)
    assert Messages.loads(written) == value
    assert json.loads(written) == value
    assert Messages.loads(json.dumps(value)) == value
