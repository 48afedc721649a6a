"""A member downloads everything the network stores about them, from the API or their profile."""

from __future__ import annotations

import json
from collections.abc import Callable
from typing import Any

from flask.testing import FlaskClient

from tests.conftest import csrf_token_from
from tests.privacy.conftest import History

Api = Callable[..., Any]


def test_api_export_holds_the_members_whole_history(
    api_as: Api, member_with_history: History
) -> None:
    history = member_with_history
    response = api_as(history.member, "GET", "/api/v1/me/export")
    assert response.status_code == 200
    export = response.get_json()

    profile = export["profile"]
    assert profile["email"] == history.member.email
    assert profile["display_name"] == history.member.display_name
    assert profile["trust_level"] == 1 and profile["status"] == "active"
    assert "password_hash" not in profile and "session_version" not in profile

    assert [(t["team_id"], t["role"]) for t in export["teams"]] == [(history.team_id, "owner")]
    assert [c["campaign_id"] for c in export["campaigns"]] == [history.campaign_id]

    reported = {alert["alert_id"]: alert for alert in export["alerts_reported"]}
    assert set(reported) == {history.posted_alert_id, history.merged_alert_id}
    own = reported[history.posted_alert_id]
    assert own["posted_by_you"] is True and own["summary"] == history.own_summary
    # Reporting a thread someone else posted does not hand over the other member's summary.
    theirs = reported[history.merged_alert_id]
    assert theirs["posted_by_you"] is False and theirs["summary"] is None
    assert theirs["url"].startswith("https://www.instagram.com/p/")

    assert [(f["alert_id"], f["note"]) for f in export["abuse_flags"]] == [
        (history.flagged_alert_id, history.flag_note)
    ]
    actions = {action["id"]: action for action in export["actions"]}
    assert actions[history.done_action_id]["note"] == history.note
    assert actions[history.done_action_id]["status"] == "done"
    assert actions[history.live_action_id]["status"] == "claimed"
    assert [ask["alert_id"] for ask in export["asks"]] == [history.flagged_alert_id]
    assert export["digests"][0]["norm_message"] == "7 in 10 members acted"
    assert export["digests"][0]["numbers"]["network"]["members_acted"] == 7
    assert export["practice_answers"][0]["scenario_code"] == "bodyshaming-comments"


def test_tokens_are_exported_by_name_and_date_never_the_secret_or_its_hash(
    api_as: Api, create_member_with_token: Callable[..., Any]
) -> None:
    member, secret = create_member_with_token()
    response = api_as(member, "GET", "/api/v1/me/export")
    text = response.get_data(as_text=True)
    tokens = response.get_json()["tokens"]
    # The fixture's token and the one api_as made for this call.
    assert len(tokens) == 2
    assert set(tokens[0]) == {"id", "name", "created_at", "revoked_at"}
    assert secret not in text and "upn_" not in text
    assert "token_hash" not in text and "prefix" not in text


def test_export_is_only_for_the_member_themselves(client: FlaskClient) -> None:
    assert client.get("/api/v1/me/export").status_code == 401
    assert client.post("/profile/export").status_code in {302, 400}


def test_export_is_described_in_the_openapi_document(client: FlaskClient) -> None:
    document = client.get("/api/v1/openapi.json").get_json()
    answer = document["paths"]["/me/export"]["get"]["responses"]["200"]
    assert answer["content"]["application/json"]["schema"] == {
        "$ref": "#/components/schemas/MemberExport"
    }
    schemas = document["components"]["schemas"]
    assert {"profile", "alerts_reported", "actions", "digests", "tokens"} <= set(
        schemas["MemberExport"]["properties"]
    )
    assert "token_hash" not in json.dumps(schemas["TokenExport"])


def test_profile_page_downloads_the_export_as_an_attachment(
    client: FlaskClient, log_in: Callable[..., Any], member_with_history: History
) -> None:
    history = member_with_history
    log_in(history.member)
    profile = client.get("/profile").get_data(as_text=True)
    assert 'action="/profile/export"' in profile
    response = client.post("/profile/export", data={"csrf_token": csrf_token_from(profile)})
    assert response.status_code == 200
    assert response.headers["Content-Disposition"] == (
        'attachment; filename="upstander-export.json"'
    )
    assert response.mimetype == "application/json"
    assert response.headers["Cache-Control"] == "no-store"
    export = json.loads(response.get_data(as_text=True))
    assert export["profile"]["email"] == history.member.email
    assert any(action["note"] == history.note for action in export["actions"])


def test_profile_export_refuses_a_post_without_the_csrf_token(
    client: FlaskClient, log_in: Callable[..., Any], create_member: Callable[..., Any]
) -> None:
    log_in(create_member())
    assert client.post("/profile/export").status_code == 400
