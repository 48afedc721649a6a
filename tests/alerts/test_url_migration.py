"""Migration 0010_realtime: existing alerts get the new canonical forms, the unique index holds."""

from __future__ import annotations

import importlib.util
from pathlib import Path
from types import ModuleType
from typing import Any

import sqlalchemy as sa
from flask import Flask

from network.alerts.models import Alert, AlertStatus
from network.alerts.urls import canonicalise
from network.extensions import db
from tests.alerts.conftest import alert_body

MIGRATION = Path(__file__).parents[2] / "migrations" / "versions" / "0010_realtime.py"


def migration() -> ModuleType:
    spec = importlib.util.spec_from_file_location("migration_0010_realtime", MIGRATION)
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def posted_as_before(app: Flask, api_as: Any, member: Any, url: str, old: str, **extra: Any) -> int:
    """Post an alert, then give it the URL and canonical form the older rules had stored."""
    response = api_as(member, "POST", "/api/v1/alerts", json=alert_body())
    assert response.status_code == 201, response.get_data(as_text=True)
    alert_id = int(response.get_json()["id"])
    with app.app_context():
        db.session.execute(
            sa.update(Alert)
            .where(Alert.id == alert_id)
            .values(url=url, canonical_url=old, canonical_hash=f"{alert_id:064d}", **extra)
        )
        db.session.commit()
    return alert_id


def test_existing_alerts_get_the_new_canonical_forms(
    app: Flask, api_as: Any, create_member: Any
) -> None:
    reporter = create_member(trust_level=1)
    open_id = posted_as_before(
        app,
        api_as,
        reporter,
        "https://twitter.com/Someone/status/55?s=20",
        "https://x.com/Someone/status/55",
    )
    closed_id = posted_as_before(
        app,
        api_as,
        reporter,
        "https://fxtwitter.com/someone/status/56",
        "https://fxtwitter.com/someone/status/56",
        status=AlertStatus.RESOLVED,
        platform="other",
    )
    with app.app_context():
        migration().recanonicalise(db.session.connection())
        db.session.commit()
        for alert_id, url in (
            (open_id, "https://x.com/i/status/55"),
            (closed_id, "https://x.com/i/status/56"),
        ):
            alert = db.session.get(Alert, alert_id)
            assert alert is not None
            assert alert.canonical_url == url
            assert alert.canonical_hash == canonicalise(url).digest
            assert alert.platform == "x"


def test_two_active_alerts_of_one_thread_keep_the_oldest_on_the_new_form(
    app: Flask, api_as: Any, create_member: Any
) -> None:
    reporter = create_member(trust_level=1)
    variants = [
        "https://twitter.com/someone/status/77",
        "https://x.com/SOMEONE/status/77/",
        "https://vxtwitter.com/someone/status/77?s=46",
    ]
    old_forms = [f"https://x.com/old/form/{n}" for n in range(3)]
    ids = [
        posted_as_before(app, api_as, reporter, url, old)
        for url, old in zip(variants, old_forms, strict=True)
    ]
    with app.app_context():
        migration().recanonicalise(db.session.connection())
        db.session.commit()
        oldest, *others = (db.session.get(Alert, alert_id) for alert_id in ids)
        assert oldest is not None and oldest.canonical_url == "https://x.com/i/status/77"
        for alert, old in zip(others, old_forms[1:], strict=True):
            assert alert is not None and alert.canonical_url == old, "left as it was"
        hashes = [alert.canonical_hash for alert in (oldest, *others) if alert is not None]
        assert len(set(hashes)) == 3

    # The next report of the thread joins the oldest.
    response = api_as(
        create_member(trust_level=1),
        "POST",
        "/api/v1/alerts",
        json=alert_body(url="https://mobile.twitter.com/x/status/77"),
    )
    assert response.status_code == 200 and response.get_json()["id"] == ids[0]


def test_a_form_an_older_alert_moved_to_is_never_held_twice(
    app: Flask, api_as: Any, create_member: Any
) -> None:
    reporter = create_member(trust_level=1)
    # The older alert moves onto the form the newer one already had under the old rules.
    newer_form = "https://x.com/i/status/88"
    first = posted_as_before(app, api_as, reporter, "https://twitter.com/a/status/88", "old-1")
    second = posted_as_before(app, api_as, reporter, "https://x.com/b/status/88", newer_form)
    with app.app_context():
        db.session.execute(
            sa.update(Alert)
            .where(Alert.id == second)
            .values(canonical_hash=canonicalise(newer_form).digest)
        )
        db.session.commit()
        migration().recanonicalise(db.session.connection())
        db.session.commit()
        one, two = db.session.get(Alert, first), db.session.get(Alert, second)
        assert one is not None and two is not None
        assert one.canonical_hash == canonicalise(newer_form).digest
        assert two.canonical_hash != one.canonical_hash
