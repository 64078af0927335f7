from __future__ import annotations

from datetime import datetime
from typing import Any

import sqlalchemy as sa
from sqlalchemy.dialects import postgresql
from sqlmodel import Field, SQLModel

from tousu_shared.db.types import UTCDateTime, utc_column

_BIGINT_PK = sa.BigInteger().with_variant(sa.Integer(), "sqlite")


class CaseFile(SQLModel, table=True):
    """One row per complaint: the summary the timeline builds up."""

    __tablename__ = "case_files"

    complaint_id: str = Field(primary_key=True, max_length=64)
    tenant_id: str = Field(index=True, max_length=64)
    estate_id: str = Field(index=True, max_length=64)
    regime: str | None = Field(default=None, max_length=100)
    regime_version: int | None = None
    status: str = Field(max_length=32)
    channel: str | None = Field(default=None, max_length=32)
    room: str | None = Field(default=None, max_length=40)
    topic: str | None = Field(default=None, max_length=64)
    category: str | None = Field(default=None, max_length=64)
    department: str | None = Field(default=None, max_length=64)
    work_order_id: str | None = Field(default=None, max_length=64)
    received_at: datetime | None = Field(default=None, sa_column=utc_column(nullable=True))
    updated_at: datetime = Field(sa_column=utc_column())
    event_count: int = 0
    #: when the event that set ``status`` happened (a later-arriving earlier event never undoes it)
    state_at: datetime | None = Field(default=None, sa_column=utc_column(nullable=True))
    #: when it was closed, withdrawn or rejected
    closed_at: datetime | None = Field(default=None, sa_column=utc_column(nullable=True))
    urgency: str | None = Field(default=None, max_length=64)
    severity: str | None = Field(default=None, max_length=64)
    #: the household: the room's building (7 of 7-1-1103), for the dossier and hot spots
    building: str | None = Field(default=None, max_length=20)
    #: what the complainant said, phone numbers masked (intake's text)
    summary: str | None = Field(default=None, sa_column=sa.Column(sa.Text))
    #: the summary's character bigrams, for the word search (search.py)
    search_grams: list[str] | None = Field(
        default=None, sa_column=sa.Column(postgresql.ARRAY(sa.Text).with_variant(sa.JSON(), "sqlite"))
    )
    assignee: str | None = Field(default=None, max_length=64)
    #: the last callback's answer: satisfied, basically_satisfied, dissatisfied
    satisfaction: str | None = Field(default=None, max_length=32)
    callback_at: datetime | None = Field(default=None, sa_column=utc_column(nullable=True))
    breaches: int = 0
    escalations: int = 0
    callbacks: int = 0
    reopened: int = 0
    #: the first resolution (the reopen rate counts cases resolved at least once)
    resolved_at: datetime | None = Field(default=None, sa_column=utc_column(nullable=True))
    #: the manager's review: was the complaint found true (投诉属实), and against which staff
    substantiated: bool | None = None
    staff_involved: str | None = Field(default=None, max_length=500)
    reviewed_at: datetime | None = Field(default=None, sa_column=utc_column(nullable=True))
    #: the regime's (or the estate's) retention_years, from the work order
    retention_years: float | None = None
    legal_hold: bool = False
    hold_reason: str | None = Field(default=None, max_length=500)
    #: when retention ran out and personal data was removed (the row stays: the case existed)
    purged_at: datetime | None = Field(default=None, sa_column=utc_column(nullable=True))
    #: when retention runs out: closed_at + retention years (None while the case is open)
    purge_after: datetime | None = Field(default=None, sa_column=utc_column(nullable=True))

    def shown(self) -> dict[str, Any]:
        """The case file as the API shows it (the search index is not for reading)."""
        return self.model_dump(mode="json", exclude={"search_grams"})

    def staff(self) -> list[str]:
        return [s for s in (self.staff_involved or "").split(",") if s]


class ClockRun(SQLModel, table=True):
    """One run of one clock of a case and how it ended: what on-time rates count."""

    __tablename__ = "clock_runs"

    complaint_id: str = Field(primary_key=True, max_length=64)
    clock: str = Field(primary_key=True, max_length=64)
    started_at: datetime = Field(sa_column=sa.Column(UTCDateTime(), primary_key=True))
    tenant_id: str = Field(max_length=64)
    estate_id: str = Field(max_length=64)
    department: str | None = Field(default=None, max_length=64)
    due_at: datetime = Field(sa_column=utc_column())
    #: running, met, late (breached, whether or not it stopped since), cancelled
    outcome: str = Field(max_length=16)
    breached_at: datetime | None = Field(default=None, sa_column=utc_column(nullable=True))
    stopped_at: datetime | None = Field(default=None, sa_column=utc_column(nullable=True))


class ReportRegion(SQLModel, table=True):
    """Which estates make up a region of a group (区域), for regional reports."""

    __tablename__ = "report_regions"

    tenant_id: str = Field(primary_key=True, max_length=64)
    region: str = Field(primary_key=True, max_length=64)
    estate_id: str = Field(primary_key=True, max_length=64)


class LibraryEntry(SQLModel, table=True):
    """A typical case (典型案例) in the group's case library: anonymised, searchable group-wide."""

    __tablename__ = "library_entries"

    complaint_id: str = Field(primary_key=True, max_length=64)
    tenant_id: str = Field(index=True, max_length=64)
    estate_id: str = Field(max_length=64)
    title: str = Field(max_length=200)
    summary: str = Field(sa_column=sa.Column(sa.Text, nullable=False))
    lesson: str | None = Field(default=None, sa_column=sa.Column(sa.Text))
    topic: str | None = Field(default=None, max_length=64)
    category: str | None = Field(default=None, max_length=64)
    marked_by: str = Field(max_length=255)
    marked_at: datetime = Field(sa_column=utc_column())


class StoredReport(SQLModel, table=True):
    """A report as it was issued (the monthly run, or one asked for), in both formats."""

    __tablename__ = "stored_reports"
    __table_args__ = (
        sa.UniqueConstraint("tenant_id", "kind", "scope", "period", name="uq_stored_reports_period"),
    )

    report_id: str = Field(primary_key=True, max_length=64)
    tenant_id: str = Field(index=True, max_length=64)
    kind: str = Field(max_length=16)
    scope: str = Field(max_length=100)
    period: str = Field(max_length=16)
    created_at: datetime = Field(sa_column=utc_column())
    figures: str = Field(sa_column=sa.Column(sa.Text, nullable=False))
    xlsx: bytes = Field(sa_column=sa.Column(sa.LargeBinary, nullable=False))
    pdf: bytes = Field(sa_column=sa.Column(sa.LargeBinary, nullable=False))


class CaseEvent(SQLModel, table=True):
    """Every event of every case, as received, in arrival order."""

    __tablename__ = "case_events"

    id: int | None = Field(
        default=None, sa_column=sa.Column(_BIGINT_PK, primary_key=True, autoincrement=True)
    )
    event_id: str = Field(max_length=64, sa_column_kwargs={"unique": True})
    complaint_id: str = Field(index=True, max_length=64)
    type: str = Field(max_length=100)
    schema_version: int
    topic: str = Field(max_length=255)
    occurred_at: datetime = Field(sa_column=utc_column())
    causation_id: str | None = Field(default=None, max_length=64)
    payload: str = Field(sa_column=sa.Column(sa.Text, nullable=False))
    #: when a purge removed the personal data from ``payload`` (the only change the database allows)
    redacted_at: datetime | None = Field(default=None, sa_column=utc_column(nullable=True))


class AuditEntry(SQLModel, table=True):
    """The audit trail: who did what to which case, who saw which personal data. Rows are
    only ever inserted; the database refuses UPDATE and DELETE (migration 0003)."""

    __tablename__ = "audit_entries"

    id: int | None = Field(
        default=None, sa_column=sa.Column(_BIGINT_PK, primary_key=True, autoincrement=True)
    )
    event_id: str = Field(max_length=64, sa_column_kwargs={"unique": True})
    tenant_id: str = Field(index=True, max_length=64)
    estate_id: str = Field(index=True, max_length=64)
    complaint_id: str = Field(index=True, max_length=64)
    service: str = Field(max_length=32)
    action: str = Field(index=True, max_length=100)
    actor: str = Field(index=True, max_length=255)
    actor_kind: str = Field(max_length=16)
    actor_issuer: str | None = Field(default=None, max_length=255)
    acting_for: str | None = Field(default=None, max_length=64)
    detail: str = Field(sa_column=sa.Column(sa.Text, nullable=False))
    caused_event_id: str | None = Field(default=None, max_length=64)
    occurred_at: datetime = Field(sa_column=utc_column(index=True))
