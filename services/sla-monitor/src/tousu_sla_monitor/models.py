"""The monitor's tables: one row per case (its inputs and when it next fires), one per clock run."""

from __future__ import annotations

from datetime import datetime

import sqlalchemy as sa
from sqlmodel import Field, SQLModel

from tousu_shared.db.types import utc_column


class SlaCase(SQLModel, table=True):
    """A case as the monitor keeps it: inputs to rebuild its engine, and its next due instant.

    ``next_due_at`` is indexed: replicas take due cases with FOR UPDATE SKIP LOCKED.
    A case whose actions arrive before its classification waits with ``classification``
    unset (the topics are separate, so their order is not guaranteed).
    """

    __tablename__ = "sla_cases"

    complaint_id: str = Field(primary_key=True, max_length=64)
    tenant_id: str = Field(max_length=64, index=True)
    estate_id: str = Field(max_length=64)
    correlation_id: str = Field(max_length=64)
    regime: str | None = Field(default=None, max_length=100)
    regime_version: int | None = None
    department: str | None = Field(default=None, max_length=64)
    received_at: datetime | None = Field(default=None, sa_column=utc_column(nullable=True))
    classification: str | None = Field(default=None, sa_column=sa.Column(sa.Text))
    inputs: str = Field(default="[]", sa_column=sa.Column(sa.Text, nullable=False))
    parameters: str = Field(default="{}", sa_column=sa.Column(sa.Text, nullable=False))
    published: int = 0
    state: str = Field(default="received", max_length=32)
    review_item: bool = False
    actions: int = 0
    next_due_at: datetime | None = Field(default=None, sa_column=utc_column(nullable=True, index=True))
    updated_at: datetime = Field(sa_column=utc_column())


class SlaClockRun(SQLModel, table=True):
    """One run of one clock of a case (a restarted clock is a new run): the live views' rows."""

    __tablename__ = "sla_clock_runs"
    __table_args__ = (sa.Index("ix_sla_clock_runs_queue", "tenant_id", "department", "is_open", "due_at"),)

    complaint_id: str = Field(primary_key=True, max_length=64)
    run: int = Field(primary_key=True)
    tenant_id: str = Field(max_length=64)
    estate_id: str = Field(max_length=64)
    department: str = Field(max_length=64)
    name: str = Field(max_length=64)
    owner: str | None = Field(default=None, max_length=64)
    target: str = Field(max_length=64)
    status: str = Field(max_length=16)
    is_open: bool
    started_at: datetime = Field(sa_column=utc_column())
    due_at: datetime = Field(sa_column=utc_column())
    not_before: datetime | None = Field(default=None, sa_column=utc_column(nullable=True))
    stopped_at: datetime | None = Field(default=None, sa_column=utc_column(nullable=True))
    warned_at: datetime | None = Field(default=None, sa_column=utc_column(nullable=True))
    breached_at: datetime | None = Field(default=None, sa_column=utc_column(nullable=True))
    paused_seconds: int = 0
