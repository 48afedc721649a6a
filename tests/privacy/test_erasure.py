"""Deleting an account erases the member everywhere; what the network keeps loses every link."""

from __future__ import annotations

import json
import os
import shutil
import sqlite3
import subprocess
from collections.abc import Callable
from typing import Any

import pytest
import sqlalchemy as sa
from flask import Flask
from flask.testing import FlaskClient

from network.accounts.models import AccessToken, Member
from network.alerts.models import AbuseFlag, Alert, AlertReport
from network.campaigns.models import CampaignMember
from network.coordination.models import Action, ActionStatus, Ask
from network.digests.models import Digest
from network.extensions import db
from network.guidance.models import PracticeAnswer
from network.moderation.models import AuditEntry
from network.realtime.models import FeedEvent
from network.teams.models import Team, TeamMembership
from tests.privacy.conftest import History

Api = Callable[..., Any]


def erase(submit: Callable[..., Any], log_in: Callable[..., Any], history: History) -> None:
    """Delete the account the way the member does: the delete page, with their password."""
    log_in(history.member)
    response = submit("/profile/delete", {"password": history.member.password, "confirm": "y"})
    assert response.status_code == 302, response.get_data(as_text=True)


def count_of(model: Any, *where: Any) -> int:
    return int(db.session.scalar(sa.select(sa.func.count()).select_from(model).where(*where)) or 0)


def test_erasure_deletes_what_is_theirs_and_unlinks_what_the_network_keeps(
    app: Flask,
    submit: Callable[..., Any],
    log_in: Callable[..., Any],
    member_with_history: History,
) -> None:
    history = member_with_history
    member_id = history.member.id
    erase(submit, log_in, history)

    with app.app_context():
        assert db.session.get(Member, member_id) is None
        for owned in (
            AccessToken,
            AlertReport,
            AbuseFlag,
            Ask,
            Digest,
            CampaignMember,
            PracticeAnswer,
            TeamMembership,
        ):
            assert count_of(owned, owned.member_id == member_id) == 0, owned.__name__

        # The alert they posted stays for the network, with no trace of its reporter.
        posted = db.session.get(Alert, history.posted_alert_id)
        assert posted is not None and posted.reporter_id is None
        assert posted.summary == history.own_summary
        merged = db.session.get(Alert, history.merged_alert_id)
        assert merged is not None and merged.reporter_count == 2  # the network's count stays true

        # Their done action still counts, without a name or the private note.
        done = db.session.get(Action, history.done_action_id)
        assert done is not None
        assert (done.member_id, done.note, done.anonymous) == (None, None, True)
        assert done.status == ActionStatus.DONE
        # The claim they still held is released, so someone else can take it.
        live = db.session.get(Action, history.live_action_id)
        assert live is not None and live.member_id is None
        assert live.status == ActionStatus.RELEASED

        # The team lives on with its other member, who now owns it.
        team = db.session.get(Team, history.team_id)
        assert team is not None and team.created_by_id is None
        assert [m.role.value for m in team.memberships] == ["owner"]

        events = db.session.scalars(sa.select(FeedEvent)).all()
        log = json.dumps([event.payload for event in events], ensure_ascii=False)
        assert history.member.display_name not in log
        assert not [
            e for e in events if e.event == "ask.created" and f"member:{member_id}" in e.rooms
        ]

        erased = db.session.scalars(
            sa.select(AuditEntry).where(AuditEntry.action == "member.erased")
        ).all()
        assert [(entry.subject_type, entry.subject_id) for entry in erased] == [
            ("member", member_id)
        ]
        assert history.member.email not in json.dumps(erased[0].details)


def test_erased_members_work_still_counts_in_what_an_alert_needs(
    api_as: Api,
    submit: Callable[..., Any],
    log_in: Callable[..., Any],
    create_member: Callable[..., Any],
    member_with_history: History,
) -> None:
    history = member_with_history
    erase(submit, log_in, history)
    onlooker = create_member()
    alert = api_as(onlooker, "GET", f"/api/v1/alerts/{history.merged_alert_id}").get_json()
    assert alert["needs"]["counter_speech"]["done"] == 1
    actions = api_as(onlooker, "GET", f"/api/v1/alerts/{history.merged_alert_id}/actions")
    assert [(a["type"], a["volunteer"]) for a in actions.get_json()["items"]] == [
        ("counter_speech", None)
    ]
    # The released claim opened its slot again.
    flagged = api_as(onlooker, "GET", f"/api/v1/alerts/{history.flagged_alert_id}").get_json()
    assert flagged["needs"]["report_platform"]["claimed"] == 0


def test_their_sessions_and_tokens_stop_working(
    client: FlaskClient,
    api_as: Api,
    create_token: Callable[..., str],
    submit: Callable[..., Any],
    log_in: Callable[..., Any],
    member_with_history: History,
) -> None:
    history = member_with_history
    secret = create_token(history.member)
    erase(submit, log_in, history)
    assert client.get("/profile").status_code == 302
    me = client.get("/api/v1/me", headers={"Authorization": f"Bearer {secret}"})
    assert me.status_code == 401


def database_dump(app: Flask) -> str:
    """Return a dump of the whole test database, as an operator would make one."""
    url = app.config["DATABASE_URL"]
    if url.startswith("sqlite:///"):
        with sqlite3.connect(url.removeprefix("sqlite:///")) as connection:
            return "\n".join(connection.iterdump())
    if shutil.which("pg_dump") is None:
        pytest.skip("pg_dump is not installed")
    url = os.environ["TEST_DATABASE_URL"].replace("postgresql+psycopg://", "postgresql://")
    dumped = subprocess.run(
        ["pg_dump", "--no-owner", url], capture_output=True, text=True, check=True, timeout=60
    )
    return dumped.stdout


@pytest.mark.live
def test_after_erasure_a_database_dump_holds_neither_their_email_nor_their_name(
    app: Flask,
    submit: Callable[..., Any],
    log_in: Callable[..., Any],
    member_with_history: History,
) -> None:
    history = member_with_history
    name = history.member.display_name
    # JSON columns (the feed-event log) keep "ë" escaped, and pg_dump escapes that escape
    # again ("Zo\\u00eb"): the ASCII part of the name finds every spelling.
    traces = [history.member.email, name, name.split(" ", 1)[1]]
    before = database_dump(app)
    # The dump sees committed data: the member is in it, in every form, before.
    assert all(trace in before for trace in traces)
    assert history.note in before

    erase(submit, log_in, history)

    after = database_dump(app)
    assert [trace for trace in traces if trace in after] == []
    assert history.note not in after and history.flag_note not in after
    # What the network keeps is still there.
    assert history.own_summary in after
