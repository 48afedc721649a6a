"""Fuzz the JSON API from its own OpenAPI document (schemathesis, through the Flask app).

Every operation gets generated requests, valid and not, as a member with a bearer token (valid
requests aimed at the objects of the small world in tests/world.py) and as a visitor. Whatever
arrives, the answer is never a server error and always matches the document: the documented
status codes and content types, the response schemas, and the one error shape for errors.
Bounded and derandomised, so the run is short and the same every time.
"""

from __future__ import annotations

import os
import re
from typing import Any

import schemathesis
from flask import Flask
from hypothesis import HealthCheck, Phase, given, settings
from schemathesis import GenerationMode
from schemathesis.checks import not_a_server_error
from schemathesis.specs.openapi.checks import (
    content_type_conformance,
    response_schema_conformance,
    status_code_conformance,
)

from tests.alerts.conftest import alert_body
from tests.world import World, world

__all__ = ["world"]

CHECKS = [
    not_a_server_error,
    status_code_conformance,
    content_type_conformance,
    response_schema_conformance,
]
# Examples per operation and mode; FUZZ_EXAMPLES=200 digs deeper when there is time.
EXAMPLES = int(os.environ.get("FUZZ_EXAMPLES", "6"))
PATH_PARAMETER = re.compile(r"{(\w+)}")


def bounded(examples: int) -> settings:
    return settings(
        max_examples=examples,
        derandomize=True,
        database=None,
        deadline=None,
        phases=[Phase.explicit, Phase.generate],
        suppress_health_check=list(HealthCheck),
    )


def fuzz(
    app: Flask, headers: dict[str, str], *, examples: int, ids: dict[str, Any] | None = None
) -> list[str]:
    """Run every operation's bounded examples; return what failed, one entry per operation.

    Valid requests aim at the objects `ids` names (so they reach past "not found"); invalid ones
    make up their own path parameters too."""
    schema = schemathesis.openapi.from_wsgi("/api/v1/openapi.json", app)
    failures = []
    for result in schema.get_all_operations():
        operation = result.ok()
        names = PATH_PARAMETER.findall(operation.path)
        aimed = {name: ids[name] for name in names if ids and name in ids}
        for mode in (GenerationMode.POSITIVE, GenerationMode.NEGATIVE):
            strategy = operation.as_strategy(
                generation_mode=mode,
                path_parameters=aimed if mode == GenerationMode.POSITIVE and aimed else None,
            )

            @given(case=strategy)
            @bounded(examples)
            def check(case: Any) -> None:
                response = case.call(headers=headers)
                case.validate_response(response, checks=CHECKS)

            try:
                check()
            except (Exception, BaseExceptionGroup) as error:  # every failure is reported below
                failures.append(f"{operation.label} ({mode.value}): {error}")
    return failures


def test_a_member_never_meets_a_server_error_or_an_undocumented_answer(
    app: Flask, world: World
) -> None:
    # The member at trust 2 owns an action, an ask, a digest, and joined a live campaign.
    headers = {"Authorization": f"Bearer {world.tokens['trust2']}"}
    failures = fuzz(app, headers, examples=EXAMPLES, ids=world.ids)
    assert not failures, "\n\n".join(failures)


def test_a_visitor_never_meets_a_server_error_or_an_undocumented_answer(app: Flask) -> None:
    failures = fuzz(app, {}, examples=max(1, EXAMPLES // 2))
    assert not failures, "\n\n".join(failures)


# --- what the fuzzer found, kept as plain examples ------------------------------------------------

TOO_BIG = 2**31  # one past PostgreSQL's INTEGER; SQLite cannot bind numbers past 2**63 at all


def test_ids_out_of_range_in_a_url_are_not_found(
    app: Flask, api_as: Any, create_member: Any
) -> None:
    member = create_member()
    for number in (0, TOO_BIG, 2**64, 10**40):
        for method, path in (
            ("GET", f"/api/v1/alerts/{number}"),
            ("PUT", f"/api/v1/campaigns/{number}"),  # was a 405: GET matched the path first
            ("DELETE", f"/api/v1/teams/{number}/members/me"),
        ):
            response = api_as(member, method, path, json={})
            assert response.status_code == 404, (method, path)
            assert response.get_json()["error"]["code"] == "not_found"
    assert app.test_client().get(f"/alerts/{TOO_BIG}").status_code == 404, "pages too"


def test_ids_out_of_range_in_a_body_are_invalid(api_as: Any, create_member: Any) -> None:
    member = create_member(trust_level=1)
    body = alert_body(team_id=TOO_BIG, campaign_id=-(2**70))
    response = api_as(member, "POST", "/api/v1/alerts", json=body)
    assert response.status_code == 422
    assert set(response.get_json()["error"]["fields"]) == {"team_id", "campaign_id"}
    listed = api_as(member, "GET", f"/api/v1/alerts?team_id={2**64}")
    assert listed.status_code == 422


def test_a_second_post_of_a_thread_answers_200_as_documented(
    app: Flask, api_as: Any, create_member: Any
) -> None:
    body = alert_body()
    assert (
        api_as(create_member(trust_level=1), "POST", "/api/v1/alerts", json=body).status_code == 201
    )
    again = api_as(create_member(trust_level=1), "POST", "/api/v1/alerts", json=body)
    assert again.status_code == 200
    document = app.test_client().get("/api/v1/openapi.json").get_json()
    responses = document["paths"]["/alerts"]["post"]["responses"]
    assert responses["200"]["content"] == responses["201"]["content"]
