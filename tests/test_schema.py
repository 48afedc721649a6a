"""The schema comes from the migrations alone, and they match the models."""

from __future__ import annotations

from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from flask import Flask

from network.db import Base
from network.extensions import db


def test_migrations_and_models_agree(app: Flask) -> None:
    # The test's own connection: on SQLite a second one would wait for the test's write lock.
    with app.app_context():
        context = MigrationContext.configure(db.session.connection(), opts={"compare_type": True})
        differences = compare_metadata(context, Base.metadata)
    assert differences == [], f"models and migrations disagree: {differences}"


def test_every_model_table_exists_after_upgrade(app: Flask) -> None:
    import sqlalchemy as sa

    with app.app_context():
        tables = set(sa.inspect(db.session.connection()).get_table_names())
    assert set(Base.metadata.tables) <= tables
    assert "alembic_version" in tables
