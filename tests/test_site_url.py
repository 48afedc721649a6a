"""Links in mail point where the site is served: SITE_URL, else the HOST and PORT it listens on."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import timedelta
from email import message_from_bytes, policy
from pathlib import Path

import pytest
import sqlalchemy as sa
from flask import Flask

from network import config, create_app
from network.extensions import activate, db
from tests import conftest
from tests.world import change_settings


@pytest.mark.parametrize(
    ("environment", "site_url", "derived"),
    [
        ({}, "http://127.0.0.1:5000", True),
        ({"PORT": "8123"}, "http://127.0.0.1:8123", True),
        ({"HOST": "localhost", "PORT": "8080"}, "http://localhost:8080", True),
        ({"HOST": "0.0.0.0", "PORT": "8080"}, "http://127.0.0.1:8080", True),
        ({"HOST": "::", "PORT": "8080"}, "http://127.0.0.1:8080", True),
        ({"HOST": "::1", "PORT": "8080"}, "http://[::1]:8080", True),
        ({"HOST": "192.168.1.20", "PORT": "80"}, "http://192.168.1.20:80", True),
        ({"HOST": "", "PORT": ""}, "http://127.0.0.1:5000", True),
        ({"SITE_URL": "", "PORT": "8123"}, "http://127.0.0.1:8123", True),
        ({"SITE_URL": "https://up.example.org/", "PORT": "8123"}, "https://up.example.org", False),
        ({"SITE_URL": "http://127.0.0.1:5000"}, "http://127.0.0.1:5000", False),
    ],
)
def test_site_url_is_set_or_follows_host_and_port(
    tmp_path: Path, environment: dict[str, str], site_url: str, derived: bool
) -> None:
    loaded = config.load(env={"INSTANCE_PATH": str(tmp_path), **environment})
    assert loaded["SITE_URL"] == site_url
    assert loaded["SITE_URL_DERIVED"] is derived


@pytest.mark.parametrize(
    ("derived", "host", "port", "expected"),
    [
        (True, "127.0.0.1", 8124, "http://127.0.0.1:8124"),
        (True, "0.0.0.0", 9000, "http://127.0.0.1:9000"),
        (False, "0.0.0.0", 9000, "https://up.example.org"),
    ],
)
def test_serve_with_another_port_moves_the_links_unless_site_url_was_set(
    app: Flask,
    monkeypatch: pytest.MonkeyPatch,
    derived: bool,
    host: str,
    port: int,
    expected: str,
) -> None:
    from network.commands import follow_served_address

    change_settings(monkeypatch, app, site_url="https://up.example.org")
    change_settings(monkeypatch, app, site_url_derived=derived)
    follow_served_address(app, host, port)
    assert app.config["SITE_URL"] == expected


@pytest.fixture
def app_on_port_8123(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[Flask]:
    """An app started as `make run PORT=8123` starts it: no SITE_URL, PORT in the environment."""
    monkeypatch.delenv("SITE_URL", raising=False)
    monkeypatch.delenv("HOST", raising=False)
    monkeypatch.setenv("PORT", "8123")
    settings = conftest.test_config(f"sqlite:///{tmp_path / 'site.db'}", tmp_path)
    del settings["SITE_URL"]
    settings["MAIL_OUTBOX"] = str(tmp_path / "outbox")
    app = create_app(settings)
    conftest.reset_schema(app)
    activate(app)
    yield app
    db.session.remove()
    db.engine_for(app).dispose()


def test_every_mail_link_follows_the_port_the_site_runs_on(app_on_port_8123: Flask) -> None:
    from network.accounts import services as accounts
    from network.accounts.models import Role
    from network.campaigns import services as campaigns
    from network.campaigns.models import Campaign
    from network.campaigns.services import CampaignDraft
    from network.db import utcnow
    from network.tasks.campaigns import announce_launch

    app = app_on_port_8123
    assert app.config["SITE_URL"] == "http://127.0.0.1:8123"
    with app.test_request_context():
        organiser = accounts.create_staff(
            email="olga@example.org",
            password="organise the upstanders",
            display_name="Olga",
            role=Role.ORGANISER,
        )
        now = utcnow()
        campaign = campaigns.create_campaign(
            organiser,
            CampaignDraft(
                "Kind words",
                now - timedelta(hours=1),
                now + timedelta(days=7),
                5,
                notify_by_email=True,
            ),
        )
        campaign_id = campaign.id
        db.session.execute(
            sa.update(Campaign).where(Campaign.id == campaign_id).values(status="live")
        )
        db.session.commit()
        assert announce_launch.run(campaign_id) == 1
    (mail,) = Path(app.config["MAIL_OUTBOX"]).glob(f"campaign-{campaign_id}-launch-*.eml")
    message = message_from_bytes(mail.read_bytes(), policy=policy.default)
    assert str(message["List-Unsubscribe"]).startswith("<http://127.0.0.1:8123/campaigns/")
    body = mail.read_text()
    assert f"http://127.0.0.1:8123/campaigns/{campaign_id}" in body
    assert ":5000" not in body

    preview = app.test_cli_runner().invoke(
        args=["send-digests", "--member", "olga@example.org", "--preview"]
    )
    assert preview.exit_code == 0, preview.output
    assert "http://127.0.0.1:8123/digests/unsubscribe/" in preview.output
    assert ":5000" not in preview.output
