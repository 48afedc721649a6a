"""An integrator's view of the API: a Python client generated from the served OpenAPI document.

`openapi-python-client` (a dev dependency) generates the client once per session, from the
document a running site serves, into a temporary folder; the tests import it from there. The
scenario then runs over real HTTP against a live server on SQLite and on PostgreSQL.
"""

from __future__ import annotations

import importlib
import json
import pkgutil
import subprocess
import sys
from collections.abc import Callable, Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path
from types import ModuleType
from typing import Any

import pytest
from flask import Flask

from tests.conftest import PASSWORD, service_missing
from tests.harness import free_port, live_server, request_json, standalone_app

GENERATOR = Path(sys.executable).with_name("openapi-python-client")
PACKAGE = "upstander_client"
METHODS = ("get", "put", "post", "delete", "patch")


class GeneratedClient:
    """The generated package, its operations by operationId, and the document it came from."""

    def __init__(self, package: ModuleType, document: dict[str, Any]) -> None:
        self.package = package
        self.document = document
        self.models: Any = importlib.import_module(f"{PACKAGE}.models")
        api = importlib.import_module(f"{PACKAGE}.api")
        # One module per operation, in a folder per tag, named after its operationId.
        self.operations: dict[str, ModuleType] = {}
        for info in pkgutil.walk_packages(api.__path__, f"{PACKAGE}.api."):
            if not info.ispkg:
                module = importlib.import_module(info.name)
                self.operations[info.name.rsplit(".", 1)[-1]] = module

    def call(self, operation_id: str, client: Any, **arguments: Any) -> Any:
        """Call an operation through the generated function; return its detailed response."""
        return self.operations[operation_id].sync_detailed(client=client, **arguments)

    def anonymous(self, origin: str) -> Any:
        return self.package.Client(base_url=origin + "/api/v1", raise_on_unexpected_status=True)

    def with_token(self, origin: str, token: str) -> Any:
        return self.package.AuthenticatedClient(
            base_url=origin + "/api/v1", token=token, raise_on_unexpected_status=True
        )


def served_document(directory: Path) -> dict[str, Any]:
    """Fetch the OpenAPI document from a running site, as an integrator would."""
    port = free_port()
    app = standalone_app(directory / "site", migrate=False)  # the document needs no database
    with live_server(app, port) as origin:
        status, document = request_json(origin, "GET", "/api/v1/openapi.json")
    assert status == 200, document
    assert isinstance(document, dict)
    return document


@pytest.fixture(scope="session")
def generated(tmp_path_factory: pytest.TempPathFactory) -> Iterator[GeneratedClient]:
    if not GENERATOR.exists():
        service_missing(f"openapi-python-client ({GENERATOR})")
    directory = tmp_path_factory.mktemp("generated-client")
    document = served_document(directory)
    (directory / "openapi.json").write_text(json.dumps(document))
    # No post hooks: the generated code is imported, not kept, so it need not be formatted.
    (directory / "config.yaml").write_text("post_hooks: []\n")
    result = subprocess.run(
        [
            str(GENERATOR),
            "generate",
            "--path",
            str(directory / "openapi.json"),
            "--config",
            str(directory / "config.yaml"),
            "--meta",
            "none",
            "--output-path",
            str(directory / PACKAGE),
        ],
        cwd=directory,
        capture_output=True,
        text=True,
        timeout=300,
    )
    output = result.stdout + result.stderr
    assert result.returncode == 0, output
    # The generator skips what it cannot understand with a warning (and exits 0): none allowed.
    assert "Warning" not in output and "Unable" not in output, output
    sys.path.insert(0, str(directory))
    try:
        yield GeneratedClient(importlib.import_module(PACKAGE), document)
    finally:
        sys.path.remove(str(directory))
        for name in [name for name in sys.modules if name.split(".")[0] == PACKAGE]:
            del sys.modules[name]


def test_every_operation_in_the_document_was_generated(generated: GeneratedClient) -> None:
    operation_ids = {
        operation["operationId"]
        for item in generated.document["paths"].values()
        for method, operation in item.items()
        if method in METHODS
    }
    assert len(operation_ids) > 40, operation_ids
    assert set(generated.operations) == operation_ids
    for name, module in generated.operations.items():
        for function in ("sync", "sync_detailed", "asyncio", "asyncio_detailed"):
            assert callable(getattr(module, function, None)), f"{name}.{function}"


@pytest.mark.live
def test_an_integrator_runs_the_first_calls_with_the_generated_client(
    app: Flask, generated: GeneratedClient, create_member: Callable[..., Any]
) -> None:
    models = generated.models
    call = generated.call
    organiser_handle = create_member(role="organiser", trust_level=1)
    with live_server(app, free_port()) as origin:
        anonymous = generated.anonymous(origin)

        # Sign up and get a token, as a new member's bot would.
        signed_up = call(
            "create_member",
            anonymous,
            body=models.SignUpIn(
                email="integrator@example.org",
                password="stand up for each other",
                display_name="Integrator",
                pledge_accepted=True,
            ),
        )
        assert signed_up.status_code == 202, signed_up.content
        issued = call(
            "create_token",
            anonymous,
            body=models.TokenIn(
                email="integrator@example.org", password="stand up for each other", name="bot"
            ),
        )
        assert issued.status_code == 201, issued.content
        member = generated.with_token(origin, issued.parsed.token)
        me = call("get_me", member)
        assert me.status_code == 200 and me.parsed.display_name == "Integrator"

        organiser_token = call(
            "create_token",
            anonymous,
            body=models.TokenIn(email=organiser_handle.email, password=PASSWORD),
        ).parsed.token
        organiser = generated.with_token(origin, organiser_token)

        # A new member's alert waits for review; an organiser approves it.
        def alert(n: int, host: str = "www.instagram.com", category: str = "hate") -> Any:
            return models.AlertIn(
                url=f"https://{host}/p/client-thread-{n}/",
                category=models.Category(category),
                severity=2,
                summary="Dozens of comments mocking a girl for her religion.",
            )

        posted = call("create_alert", member, body=alert(1))
        assert posted.status_code == 201, posted.content
        assert posted.parsed.status == models.AlertStatus.PENDING_REVIEW
        reviewed = call(
            "review_alert",
            organiser,
            alert_id=posted.parsed.id,
            body=models.ReviewIn(decision=models.ReviewInDecision.APPROVE),
        )
        assert reviewed.status_code == 200, reviewed.content
        assert reviewed.parsed.status == models.AlertStatus.OPEN

        # A trusted organiser's alerts go live at once; one is elsewhere, one another category.
        others = [
            call("create_alert", organiser, body=alert(2)),
            call("create_alert", organiser, body=alert(3)),
            call("create_alert", organiser, body=alert(4, host="x.com")),
            call("create_alert", organiser, body=alert(5, category="shaming")),
        ]
        assert [answer.status_code for answer in others] == [201] * 4, others[-1].content
        wanted = {posted.parsed.id, others[0].parsed.id, others[1].parsed.id}

        # Filters and cursors: three matching alerts, two to a page.
        seen: list[int] = []
        cursor: Any = None
        pages = 0
        while True:
            page = call(
                "list_alerts",
                member,
                status=models.AlertStatus.OPEN,
                category=models.Category.HATE,
                platform=models.Platform.INSTAGRAM,
                limit=2,
                **({"cursor": cursor} if cursor else {}),
            )
            assert page.status_code == 200, page.content
            pages += 1
            seen += [item.id for item in page.parsed.items]
            cursor = page.parsed.next_cursor
            if not cursor:
                break
        assert pages == 2 and len(seen) == len(set(seen)) == 3
        assert set(seen) == wanted
        mine = call("list_alerts", member, mine=True)
        assert [item.id for item in mine.parsed.items] == [posted.parsed.id]

        # Claim an action on someone else's alert, then finish it.
        claimed = call(
            "claim_action",
            member,
            alert_id=others[0].parsed.id,
            body=models.ClaimIn(type_=models.ActionType.COUNTER_SPEECH),
        )
        assert claimed.status_code == 201, claimed.content
        finished = call(
            "update_action",
            member,
            action_id=claimed.parsed.id,
            body=models.ActionUpdateIn(status=models.ActionUpdateInStatus.DONE),
        )
        assert finished.status_code == 200, finished.content
        assert finished.parsed.status == models.ActionStatus.DONE

        # Campaigns: members see launched ones only, page by page; organisers drafts too.
        now = datetime.now(UTC)
        campaign_ids = []
        for n in range(3):
            drafted = call(
                "create_campaign",
                organiser,
                body=models.CampaignIn(
                    title=f"Week of kindness {n}",
                    starts_at=now,
                    ends_at=now + timedelta(days=7),
                    goal=10,
                ),
            )
            assert drafted.status_code == 201, drafted.content
            campaign_ids.append(drafted.parsed.id)
        for campaign_id in campaign_ids[:2]:
            launched = call("launch_campaign", organiser, campaign_id=campaign_id)
            assert launched.status_code == 200, launched.content

        def all_campaigns(client: Any) -> list[int]:
            found: list[int] = []
            cursor: Any = None
            while True:
                page = call(
                    "list_campaigns", client, limit=1, **({"cursor": cursor} if cursor else {})
                )
                assert page.status_code == 200, page.content
                found += [item.id for item in page.parsed.items]
                cursor = page.parsed.next_cursor
                if not cursor:
                    return found

        assert all_campaigns(member) == sorted(campaign_ids[:2], reverse=True)
        assert all_campaigns(organiser) == sorted(campaign_ids, reverse=True)
        live = call("list_campaigns", member, status=models.CampaignStatus.LIVE)
        assert {item.status for item in live.parsed.items} == {models.CampaignStatus.LIVE}
