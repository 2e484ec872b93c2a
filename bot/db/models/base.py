"""What every table shares: the declarative base, its naming convention, and UTC times."""

from __future__ import annotations

import datetime as dt

from sqlalchemy import (
    BigInteger,
    Integer,
    MetaData,
)
from sqlalchemy.orm import DeclarativeBase

NAMING = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}
OPEN_DELIVERIES = "status IN ('pending', 'processing')"  # an inbox row still to be handled
# SQLite only auto-increments INTEGER primary keys; PostgreSQL gets BIGINT.
BigId = BigInteger().with_variant(Integer(), "sqlite")


def utcnow() -> dt.datetime:
    return dt.datetime.now(dt.UTC)


class Base(DeclarativeBase):
    metadata = MetaData(naming_convention=NAMING)


def aware(value: dt.datetime) -> dt.datetime:
    """SQLite hands back naive datetimes; the desk stores them in UTC."""
    return value if value.tzinfo else value.replace(tzinfo=dt.UTC)
