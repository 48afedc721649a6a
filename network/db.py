"""Declarative base with a constraint naming convention, UTC timestamps and enum columns."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import UTC, datetime
from enum import StrEnum
from typing import Any, TypeVar

import sqlalchemy as sa
from sqlalchemy.orm import DeclarativeBase
from sqlalchemy.orm.instrumentation import manager_of_class

NAMING_CONVENTION = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}


class Base(DeclarativeBase):
    """Base of every model; the metadata Alembic compares against."""

    metadata = sa.MetaData(naming_convention=NAMING_CONVENTION)


Model = TypeVar("Model", bound=Base)


def as_loaded(model: type[Model], values: Iterable[tuple[str, Any]]) -> Model:
    """An instance of `model` holding these column values as a load would hold them: in its
    dict, with no history (outside any session; make_transient_to_detached gives it an identity).

    Half the time of the constructor, which sends every value through the attribute's events
    to record it as a change that nothing then writes (~40 µs for an alert's 25 columns)."""
    instance: Model = manager_of_class(model).new_instance()
    instance.__dict__.update(values)
    return instance


def utcnow() -> datetime:
    """Return the current time as an aware UTC datetime."""
    return datetime.now(UTC)


# The years a member's dates may name: far enough either way for any campaign or query, and
# safe to convert between time zones and to add days to.
EARLIEST_MOMENT = datetime(2000, 1, 1, tzinfo=UTC)
LATEST_MOMENT = datetime(2100, 1, 1, tzinfo=UTC)


def storable_moment(value: datetime) -> bool:
    """Tell whether a date and time sent by a member lies within the years the network handles."""
    moment = value if value.tzinfo is not None else value.replace(tzinfo=UTC)
    try:
        return EARLIEST_MOMENT <= moment.astimezone(UTC) < LATEST_MOMENT
    except OverflowError:
        return False


class UTCDateTime(sa.TypeDecorator[datetime]):
    """Store aware datetimes as UTC and always read them back aware (SQLite forgets the zone)."""

    impl = sa.DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value: datetime | None, dialect: sa.Dialect) -> datetime | None:
        if value is None:
            return None
        if value.tzinfo is None:
            raise ValueError("naive datetimes are not stored; use utcnow()")
        return value.astimezone(UTC)

    def process_result_value(self, value: datetime | None, dialect: sa.Dialect) -> datetime | None:
        if value is None:
            return None
        return value.replace(tzinfo=UTC) if value.tzinfo is None else value.astimezone(UTC)


def enum_column_type(enum: type[StrEnum], name: str) -> sa.Enum:
    """Store a StrEnum as a string with a CHECK constraint listing its values."""
    return sa.Enum(
        enum,
        name=name,
        native_enum=False,
        create_constraint=True,
        length=max(len(member.value) for member in enum),
        values_callable=lambda members: [member.value for member in members],
        validate_strings=True,
    )


def json_list() -> sa.JSON:
    """Return the JSON type used for short lists of codes (platforms, languages, actions)."""
    return sa.JSON()
