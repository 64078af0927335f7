"""Dispatch's tables: one work order per complaint, and the staff actions taken on it."""

from __future__ import annotations

from datetime import datetime

import sqlalchemy as sa
from pydantic import BaseModel
from sqlmodel import Field, SQLModel

from tousu_shared.contracts.envelope import Envelope
from tousu_shared.db.types import utc_column


class WorkOrder(SQLModel, table=True):
    __tablename__ = "work_orders"

    work_order_id: str = Field(primary_key=True, max_length=64)
    # Unique: whatever is redelivered, a complaint never gets a second work order.
    complaint_id: str = Field(max_length=64, sa_column_kwargs={"unique": True})
    tenant_id: str = Field(index=True, max_length=64)
    estate_id: str = Field(index=True, max_length=64)
    #: the regime id and version the case runs under (None on work orders older than 0002)
    regime: str | None = Field(default=None, max_length=100)
    regime_version: int | None = None
    department: str = Field(index=True, max_length=64)
    category: str = Field(max_length=64)
    topic: str | None = Field(default=None, max_length=64)
    urgency: str | None = Field(default=None, max_length=64)
    severity: str | None = Field(default=None, max_length=64)
    #: "open" when created, then the case's state after each verb (dispatched, …, closed)
    status: str = Field(default="open", index=True, max_length=32)
    created_at: datetime = Field(sa_column=utc_column())
    updated_at: datetime = Field(sa_column=utc_column())
    #: when intake received the complaint (003's warranty counts from it); None before 0005
    received_at: datetime | None = Field(default=None, sa_column=utc_column(nullable=True))
    #: JSON: the estate's values for the regime's parameters, as the complaint was received
    parameters: str = Field(default="{}", sa_column=sa.Column(sa.Text, nullable=False))
    #: who has it (a staff id of the estate's roster) and since when; None: in the department queue
    assignee: str | None = Field(default=None, index=True, max_length=64)
    team_id: str | None = Field(default=None, max_length=64)
    assigned_at: datetime | None = Field(default=None, sa_column=utc_column(nullable=True))
    #: times the case came back to the department (a dissatisfied callback, or staff), and why last
    reopened: int = Field(default=0, sa_column_kwargs={"server_default": "0"})
    reopen_reason: str | None = Field(default=None, sa_column=sa.Column(sa.Text))

    def event(self, payload: BaseModel, now: datetime, caused_by: Envelope | None = None) -> Envelope:
        """An event of this work order's case, at ``now``."""
        return Envelope.new(
            payload=payload,
            occurred_at=now,
            tenant_id=self.tenant_id,
            estate_id=self.estate_id,
            complaint_id=self.complaint_id,
            caused_by=caused_by,
        )

    def regime_ref(self) -> str | None:
        if self.regime is None:
            return None
        return self.regime if self.regime_version is None else f"{self.regime}@{self.regime_version}"


class WorkOrderAction(SQLModel, table=True):
    """What a member of staff did to a work order; ``action_id`` is the id of the event sent."""

    __tablename__ = "work_order_actions"
    __table_args__ = (sa.UniqueConstraint("work_order_id", "seq", name="uq_work_order_actions_seq"),)

    action_id: str = Field(primary_key=True, max_length=64)
    work_order_id: str = Field(foreign_key="work_orders.work_order_id", index=True, max_length=64)
    #: 1, 2, … in the order the actions were taken on this work order
    seq: int
    verb: str = Field(max_length=32)
    by_staff: str = Field(max_length=64)
    to_role: str | None = Field(default=None, max_length=64)
    reason: str | None = Field(default=None, max_length=500)
    note: str | None = Field(default=None, sa_column=sa.Column(sa.Text))
    due_at: datetime | None = Field(default=None, sa_column=utc_column(nullable=True))
    clock: str | None = Field(default=None, max_length=64)
    severity: str | None = Field(default=None, max_length=64)
    #: the handover record of a dispatch (004: 诉求+背景+业主期望; the complaint is the case's)
    background: str | None = Field(default=None, sa_column=sa.Column(sa.Text))
    expectation: str | None = Field(default=None, sa_column=sa.Column(sa.Text))
    occurred_at: datetime = Field(sa_column=utc_column())


class EstateRoster(SQLModel, table=True):
    """An estate's teams, people, shifts and on-call (a Roster document, as uploaded)."""

    __tablename__ = "dispatch_rosters"

    estate_id: str = Field(primary_key=True, max_length=64)
    tenant_id: str = Field(index=True, max_length=64)
    document: str = Field(sa_column=sa.Column(sa.Text, nullable=False))
    updated_at: datetime = Field(sa_column=utc_column())


class Approval(SQLModel, table=True):
    """A plan or a compensation waiting for (or given) a second person's decision."""

    __tablename__ = "dispatch_approvals"

    approval_id: str = Field(primary_key=True, max_length=64)
    work_order_id: str = Field(foreign_key="work_orders.work_order_id", index=True, max_length=64)
    kind: str = Field(max_length=32)  # plan | compensation
    approver_role: str | None = Field(default=None, max_length=64)
    subject: str = Field(sa_column=sa.Column(sa.Text, nullable=False))  # JSON: the plan or compensation
    requested_by: str = Field(max_length=64)
    requested_at: datetime = Field(sa_column=utc_column())
    status: str = Field(default="pending", max_length=16)  # pending | approved | rejected
    decided_by: str | None = Field(default=None, max_length=64)
    decided_at: datetime | None = Field(default=None, sa_column=utc_column(nullable=True))
    note: str | None = Field(default=None, max_length=2000)
