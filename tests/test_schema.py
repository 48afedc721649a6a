"""The schema comes from the migrations alone, and they match the models."""

from __future__ import annotations

from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from flask import Flask

from network.db import Base
from network.extensions import db


def test_migrations_and_models_agree(app: Flask) -> None:
    with db.engine_for(app).connect() as connection:
        context = MigrationContext.configure(connection, opts={"compare_type": True})
        differences = compare_metadata(context, Base.metadata)
    assert differences == [], f"models and migrations disagree: {differences}"


def test_every_model_table_exists_after_upgrade(app: Flask) -> None:
    import sqlalchemy as sa

    tables = set(sa.inspect(db.engine_for(app)).get_table_names())
    assert set(Base.metadata.tables) <= tables
    assert "alembic_version" in tables
