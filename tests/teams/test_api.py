"""Teams over the API: create, list, join with the code, leave."""

from __future__ import annotations

from typing import Any


def test_team_is_created_listed_and_joined_with_its_code(api_as: Any, create_member: Any) -> None:
    owner, friend = create_member(), create_member()
    created = api_as(owner, "POST", "/api/v1/teams", json={"name": "Class 4B"})
    assert created.status_code == 201
    team = created.get_json()
    assert team["member_count"] == 1

    assert api_as(friend, "GET", f"/api/v1/teams/{team['id']}").status_code == 404
    wrong = api_as(
        friend, "POST", f"/api/v1/teams/{team['id']}/members", json={"invite_code": "WRONGCODE1"}
    )
    assert wrong.status_code == 403
    assert wrong.get_json()["error"]["code"] == "invalid_invite_code"

    joined = api_as(
        friend,
        "POST",
        f"/api/v1/teams/{team['id']}/members",
        json={"invite_code": team["invite_code"].lower()},
    )
    assert joined.status_code == 200
    assert joined.get_json()["member_count"] == 2
    again = api_as(
        friend,
        "POST",
        f"/api/v1/teams/{team['id']}/members",
        json={"invite_code": team["invite_code"]},
    )
    assert again.get_json()["member_count"] == 2, "joining twice counts once"

    listed = api_as(friend, "GET", "/api/v1/teams").get_json()
    assert [t["id"] for t in listed["items"]] == [team["id"]]
    assert listed["next_cursor"] is None


def test_joining_a_missing_team_is_a_404(api_as: Any, create_member: Any) -> None:
    member = create_member()
    response = api_as(member, "POST", "/api/v1/teams/999999/members", json={"invite_code": "X"})
    assert response.status_code == 404


def test_teams_are_paged_with_a_cursor(api_as: Any, create_member: Any) -> None:
    member = create_member()
    ids = [
        api_as(member, "POST", "/api/v1/teams", json={"name": f"T{i}"}).get_json()["id"]
        for i in range(5)
    ]
    first = api_as(member, "GET", "/api/v1/teams?limit=2").get_json()
    second = api_as(
        member, "GET", f"/api/v1/teams?limit=2&cursor={first['next_cursor']}"
    ).get_json()
    third = api_as(
        member, "GET", f"/api/v1/teams?limit=2&cursor={second['next_cursor']}"
    ).get_json()
    seen = [t["id"] for page in (first, second, third) for t in page["items"]]
    assert seen == ids and third["next_cursor"] is None
    bad = api_as(member, "GET", "/api/v1/teams?cursor=%%%")
    assert bad.status_code == 422 and "cursor" in bad.get_json()["error"]["fields"]


def test_leaving_the_team_passes_ownership_on(api_as: Any, create_member: Any) -> None:
    owner, friend = create_member(), create_member()
    team = api_as(owner, "POST", "/api/v1/teams", json={"name": "Club"}).get_json()
    api_as(
        friend,
        "POST",
        f"/api/v1/teams/{team['id']}/members",
        json={"invite_code": team["invite_code"]},
    )
    assert api_as(owner, "DELETE", f"/api/v1/teams/{team['id']}/members/me").status_code == 204
    assert api_as(owner, "GET", f"/api/v1/teams/{team['id']}").status_code == 404
    assert api_as(friend, "GET", f"/api/v1/teams/{team['id']}").get_json()["member_count"] == 1
