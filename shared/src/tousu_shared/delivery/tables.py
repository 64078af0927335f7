"""Tables every service database has: the outbox and the processed-event ledger."""

from __future__ import annotations

from datetime import datetime
from typing import Any

import sqlalchemy as sa
from sqlmodel import Field, SQLModel

from tousu_shared.db.types import utc_column

_BIGINT_PK = sa.BigInteger().with_variant(sa.Integer(), "sqlite")  # SQLite autoincrements INTEGER only


class OutboxMessage(SQLModel, table=True):
    __tablename__ = "outbox"
    __table_args__ = (
        sa.Index(
            "ix_outbox_unsent",
            "id",
            postgresql_where=sa.text("sent_at IS NULL"),
            sqlite_where=sa.text("sent_at IS NULL"),
        ),
    )

    id: int | None = Field(
        default=None, sa_column=sa.Column(_BIGINT_PK, primary_key=True, autoincrement=True)
    )
    topic: str = Field(max_length=255)
    key: str = Field(max_length=64)
    value: bytes = Field(sa_column=sa.Column(sa.LargeBinary, nullable=False))
    headers: str = Field(default="{}", sa_column=sa.Column(sa.Text, nullable=False))
    created_at: datetime = Field(sa_column=utc_column())
    sent_at: datetime | None = Field(default=None, sa_column=utc_column(nullable=True, index=True))


class ProcessedEvent(SQLModel, table=True):
    """One row per message a consumer has applied; written in the same transaction."""

    __tablename__ = "processed_events"

    consumer: str = Field(primary_key=True, max_length=100)
    event_id: str = Field(primary_key=True, max_length=300)
    processed_at: datetime = Field(sa_column=utc_column())


class EstateTenant(SQLModel, table=True):
    """Which property group an estate belongs to, as this service first saw it; every later
    message naming the estate under another group is refused (``delivery/tenancy.py``)."""

    __tablename__ = "estate_tenants"

    estate_id: str = Field(primary_key=True, max_length=64)
    tenant_id: str = Field(max_length=64)
    first_event_id: str = Field(max_length=64)
    bound_at: datetime = Field(sa_column=utc_column())


def create_estate_tenants_table(op: Any) -> None:
    """Alembic helper: each service's migration that adds the tenancy check creates it."""
    op.create_table(
        "estate_tenants",
        sa.Column("estate_id", sa.String(64), primary_key=True),
        sa.Column("tenant_id", sa.String(64), nullable=False),
        sa.Column("first_event_id", sa.String(64), nullable=False),
        sa.Column("bound_at", sa.DateTime(timezone=True), nullable=False),
    )


def create_delivery_tables(op: Any) -> None:
    """Alembic helper: each service's first migration creates these tables."""
    op.create_table(
        "outbox",
        sa.Column("id", _BIGINT_PK, primary_key=True, autoincrement=True),
        sa.Column("topic", sa.String(255), nullable=False),
        sa.Column("key", sa.String(64), nullable=False),
        sa.Column("value", sa.LargeBinary, nullable=False),
        sa.Column("headers", sa.Text, nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("sent_at", sa.DateTime(timezone=True), nullable=True),
    )
    op.create_index(
        "ix_outbox_unsent",
        "outbox",
        ["id"],
        postgresql_where=sa.text("sent_at IS NULL"),
        sqlite_where=sa.text("sent_at IS NULL"),
    )
    op.create_index("ix_outbox_sent_at", "outbox", ["sent_at"])
    op.create_table(
        "processed_events",
        sa.Column("consumer", sa.String(100), primary_key=True),
        sa.Column("event_id", sa.String(300), primary_key=True),
        sa.Column("processed_at", sa.DateTime(timezone=True), nullable=False),
    )


def drop_delivery_tables(op: Any) -> None:
    op.drop_table("processed_events")
    op.drop_table("outbox")
