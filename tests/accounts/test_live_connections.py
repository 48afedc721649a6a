"""Revoking a token or resetting a password closes live connections (a real Socket.IO client)."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from typing import Any

import pytest
from flask import Flask

from network.accounts.models import AccessToken, Member
from network.extensions import db
from tests.coordination.test_feed_socket import FeedClient, call
from tests.harness import free_port, live_server, wait_until

pytestmark = pytest.mark.live


@pytest.fixture
def server(app: Flask) -> Iterator[str]:
    with live_server(app, free_port()) as origin:
        yield origin


@pytest.fixture
def feed_client() -> Iterator[Callable[..., FeedClient]]:
    clients: list[FeedClient] = []

    def make() -> FeedClient:
        client = FeedClient()
        clients.append(client)
        return client

    yield make
    for client in clients:
        client.close()


def token_id(app: Flask, secret: str) -> int:
    from network.accounts.tokens import token_digest

    with app.app_context():
        token = db.session.query(AccessToken).filter_by(token_hash=token_digest(secret)).one()
        return token.id


def test_revoking_one_token_closes_only_the_connections_opened_with_it(
    app: Flask,
    server: str,
    feed_client: Callable[..., FeedClient],
    create_member: Any,
    create_token: Any,
) -> None:
    member = create_member()
    revoked, kept = create_token(member), create_token(member)
    first, second = feed_client(), feed_client()
    first.connect(server, auth={"token": revoked})
    second.connect(server, auth={"token": kept})
    status, _body = call(server, "DELETE", f"/api/v1/tokens/{token_id(app, revoked)}", kept)
    assert status == 204
    wait_until(lambda: not first.sio.connected, timeout=10, what="the revoked token's socket")
    assert second.sio.connected, "the member's other token keeps its connection"
    refused = feed_client()
    with pytest.raises(Exception):  # noqa: B017 (python-socketio raises its ConnectionError)
        refused.connect(server, auth={"token": revoked})


def test_a_password_reset_closes_the_members_live_connections(
    app: Flask,
    server: str,
    feed_client: Callable[..., FeedClient],
    create_member: Any,
    create_token: Any,
) -> None:
    from network.accounts import links, recovery

    member, other = create_member(), create_member()
    mine, theirs = feed_client(), feed_client()
    mine.connect(server, auth={"token": create_token(member)})
    theirs.connect(server, auth={"token": create_token(other)})
    with app.test_request_context():
        row = db.session.get(Member, member.id)
        assert row is not None
        recovery.reset_password(links.reset_token(row), "a brand new passphrase 42")
    wait_until(lambda: not mine.sio.connected, timeout=10, what="the member's socket to close")
    assert theirs.sio.connected, "other members stay connected"
