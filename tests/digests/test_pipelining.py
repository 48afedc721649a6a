"""One round trip per message: a message's final dot goes out with the next message's envelope.

What must not change with it: the server accepts a message only after the caller recorded the
one before (so a killed worker resends at most one), and a message whose content was written
but whose dot was not is never delivered.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from typing import Any

import pytest
from flask import Flask

from network.mail import Mailer, Outgoing, prepare, sender
from network.settings import settings
from tests.digests.conftest import Dropping, Sink, email_of


@pytest.fixture
def pipelining(dropping: Callable[[set[int]], Dropping]) -> Callable[[], Dropping]:
    """Point the app's mail at a sink that offers PIPELINING, as production servers do."""
    return lambda: dropping(set())  # drops nothing


def outgoing(app: Flask, member_ids: list[int], broken: frozenset[int] = frozenset()) -> list[Any]:
    """Messages to these members, keyed by member id; building the `broken` ones fails."""

    def build(member_id: int) -> Callable[[], Any]:
        def message() -> Any:
            if member_id in broken:
                raise RuntimeError("the template failed")
            return prepare(
                to=email_of(app, member_id),
                subject=f"Digest {member_id}",
                text=f"For member {member_id}\n",
                html=f"<p>For member {member_id}</p>\n",
                message_id=f"<test-{member_id}@example.org>",
            )

        return message

    envelope_from = sender(settings().mail_from).addr_spec
    return [
        Outgoing(member_id, envelope_from, email_of(app, member_id), build(member_id))
        for member_id in member_ids
    ]


def test_the_next_message_is_accepted_only_after_the_caller_recorded_the_one_before(
    app: Flask, pipelining: Callable[[], Dropping], add_members: Callable[..., list[int]]
) -> None:
    sink = pipelining()
    members = add_members(5, frequency="daily")
    accepted_when_answered = []
    with app.app_context(), Mailer() as mailer:
        mailer.vouch(email_of(app, member) for member in members)
        for member_id, error in mailer.stream(outgoing(app, members)):
            assert error is None
            # Give a wrongly sent dot time to arrive: nothing more may have been accepted.
            time.sleep(0.05)
            accepted_when_answered.append((member_id, len(sink.accepted)))
    assert accepted_when_answered == [(member, n) for n, member in enumerate(members, 1)]
    assert sink.per_recipient() == {email_of(app, member): 1 for member in members}


def test_a_message_written_but_not_finished_when_the_caller_stops_is_never_delivered(
    app: Flask, pipelining: Callable[[], Dropping], add_members: Callable[..., list[int]]
) -> None:
    sink = pipelining()
    members = add_members(3, frequency="daily")
    with app.app_context(), Mailer() as mailer:
        mailer.vouch(email_of(app, member) for member in members)
        stream = mailer.stream(outgoing(app, members))
        assert next(stream) == (members[0], None)  # the second one's envelope is out already
        stream.close()
    time.sleep(0.2)
    assert sink.per_recipient() == {email_of(app, members[0]): 1}


@pytest.mark.parametrize("offered", [True, False])
def test_a_message_that_cannot_be_built_fails_alone(
    app: Flask,
    pipelining: Callable[[], Dropping],
    smtp_sink: Callable[..., Sink],
    mail_to: Callable[[Sink], None],
    add_members: Callable[..., list[int]],
    offered: bool,
) -> None:
    members = add_members(4, frequency="daily")
    if offered:
        sink: Sink = pipelining()
    else:
        sink = smtp_sink()
        mail_to(sink)
    with app.app_context(), Mailer() as mailer:
        mailer.vouch(email_of(app, member) for member in members)
        outcomes = dict(mailer.stream(outgoing(app, members, broken=frozenset({members[1]}))))
    assert [outcomes[member] is None for member in members] == [True, False, True, True]
    assert isinstance(outcomes[members[1]], RuntimeError)
    assert sink.per_recipient() == {
        email_of(app, member): 1 for member in members if member != members[1]
    }


DOTTED_LINES = [".", "..", ".hidden", "...", ". a sentence", "a line", ""]


@pytest.mark.parametrize("pipelined", [True, False], ids=["pipelining", "one by one"])
def test_lines_that_start_with_a_dot_arrive_as_written(
    app: Flask,
    pipelined: bool,
    dropping: Callable[..., Dropping],
    smtp_sink: Callable[..., Sink],
    mail_to: Callable[[Sink], None],
    add_members: Callable[..., list[int]],
) -> None:
    # A lone "." line would end DATA early and cut the message (or let the rest be read as
    # commands); the mailer doubles a line's first dot, and the server takes it off again.
    if pipelined:
        sink: Sink = dropping(set())
    else:
        sink = smtp_sink()
        mail_to(sink)
    members = add_members(3, frequency="daily")
    texts = {
        member: "\n".join([*DOTTED_LINES[number:], *DOTTED_LINES[:number], "."]) + "\n"
        for number, member in enumerate(members)
    }
    with app.app_context(), Mailer() as mailer:
        envelope_from = sender(settings().mail_from).addr_spec
        mailer.vouch(email_of(app, member) for member in members)
        messages = [
            Outgoing(
                member,
                envelope_from,
                email_of(app, member),
                lambda member=member: prepare(
                    to=email_of(app, member),
                    subject="Dots",
                    text=texts[member],
                    html="<p>.</p>\n",
                    message_id=f"<dots-{member}@example.org>",
                ),
            )
            for member in members
        ]
        assert [error for _member, error in mailer.stream(messages)] == [None] * len(members)
    for member in members:
        (message,) = sink.to(email_of(app, member))
        text = message.get_body(preferencelist=("plain",))
        assert text is not None
        assert text.get_content().replace("\r\n", "\n") == texts[member]


def in_two_parts(app: Flask, member_ids: list[int], events: list[Any]) -> list[Outgoing]:
    """Messages built in two parts (`Outgoing.begin`), each part noted in `events`."""
    whole = {message.key: message for message in outgoing(app, member_ids)}

    def begin(member_id: int) -> Callable[[], Any]:
        events.append(("begin", member_id))

        def rest() -> Any:
            events.append(("rest", member_id))
            return whole[member_id].build()

        return rest

    return [
        Outgoing(
            member,
            message.sender,
            message.to,
            lambda member=member: begin(member)(),
            lambda member=member: begin(member),
        )
        for member, message in whole.items()
    ]


def test_the_record_is_settled_before_each_dot_while_the_next_message_is_begun(
    app: Flask, pipelining: Callable[[], Dropping], add_members: Callable[..., list[int]]
) -> None:
    """A caller that records asynchronously finishes in `settle`: it is called before each
    final dot, when the server holds every message before and none after; the next message's
    first part is built before it (while the record travels), its second part after it."""
    sink = pipelining()
    members = add_members(4, frequency="daily")
    events: list[Any] = []

    def settle() -> None:
        time.sleep(0.05)  # a dot written too early would be accepted by now
        events.append(("settle", len(sink.accepted)))

    with app.app_context(), Mailer() as mailer:
        mailer.vouch(email_of(app, member) for member in members)
        for member_id, error in mailer.stream(in_two_parts(app, members, events), settle):
            assert error is None
            events.append(("recorded", member_id))
    first, second, third, fourth = members
    assert events == [
        ("begin", first),  # a new connection: built whole before its envelope
        ("rest", first),
        ("begin", second),
        ("settle", 0),
        ("rest", second),
        ("recorded", first),
        ("begin", third),
        ("settle", 1),
        ("rest", third),
        ("recorded", second),
        ("begin", fourth),
        ("settle", 2),
        ("rest", fourth),
        ("recorded", third),
        ("settle", 3),
        ("recorded", fourth),
    ]
    assert sink.per_recipient() == {email_of(app, member): 1 for member in members}


@pytest.mark.parametrize("failing", [1, 2, 3])
def test_a_record_that_fails_stops_the_stream_before_the_next_message_is_accepted(
    app: Flask,
    pipelining: Callable[[], Dropping],
    add_members: Callable[..., list[int]],
    failing: int,
) -> None:
    """When settling the record of a message fails, the error reaches the caller and the
    message written after it (its dot not sent) is never delivered."""
    sink = pipelining()
    members = add_members(3, frequency="daily")
    settled = 0

    def settle() -> None:
        nonlocal settled
        settled += 1
        if settled == failing:
            raise RuntimeError("the record failed")

    recorded = []
    with app.app_context(), Mailer() as mailer:
        mailer.vouch(email_of(app, member) for member in members)
        with pytest.raises(RuntimeError, match="the record failed"):
            for member_id, error in mailer.stream(in_two_parts(app, members, []), settle):
                assert error is None
                recorded.append(member_id)
    time.sleep(0.2)
    assert recorded == members[: failing - 1]
    assert sink.per_recipient() == {email_of(app, member): 1 for member in recorded}
