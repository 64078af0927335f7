"""Callback's table: the cases it may call back about, and the state each is in."""

from __future__ import annotations

from datetime import datetime

import sqlalchemy as sa
from pydantic import BaseModel
from sqlmodel import Field, SQLModel

from tousu_shared.contracts.envelope import Envelope
from tousu_shared.db.types import utc_column


class CallbackCase(SQLModel, table=True):
    """One row per complaint that has a work order; ``status`` follows the case's state."""

    __tablename__ = "callback_cases"

    complaint_id: str = Field(primary_key=True, max_length=64)
    tenant_id: str = Field(index=True, max_length=64)
    estate_id: str = Field(index=True, max_length=64)
    work_order_id: str = Field(max_length=64)
    #: "open" when the work order is created, then the case's state: resolved, reopened, closed, …
    status: str = Field(default="open", index=True, max_length=32)
    #: times the case was reopened (a dissatisfied callback, or staff)
    reopened: int = Field(default=0, sa_column_kwargs={"server_default": "0"})
    updated_at: datetime = Field(sa_column=utc_column())

    def event(self, payload: BaseModel, now: datetime) -> Envelope:
        """An event of this case, at ``now``."""
        return Envelope.new(
            payload=payload,
            occurred_at=now,
            tenant_id=self.tenant_id,
            estate_id=self.estate_id,
            complaint_id=self.complaint_id,
        )


class PendingNotification(SQLModel, table=True):
    """The notification outbox: one row per notification, staged in the transaction that
    decided it, delivered by a notifier plugin with retries, then marked (never deleted:
    the reports show what was delivered, and what could not be)."""

    __tablename__ = "notifications"

    notification_id: str = Field(primary_key=True, max_length=64)
    notifier: str = Field(max_length=64)
    tenant_id: str = Field(index=True, max_length=64)
    complaint_id: str | None = Field(default=None, index=True, max_length=64)
    #: the Notification as JSON (addresses are resolved at send time, not stored here)
    body: str = Field(sa_column=sa.Column(sa.Text, nullable=False))
    #: pending → sent, or failed (a refusal, or no delivery after the last attempt)
    status: str = Field(default="pending", max_length=16)
    attempts: int = 0
    next_attempt_at: datetime = Field(sa_column=utc_column(index=True))
    last_error: str | None = Field(default=None, max_length=500)
    created_at: datetime = Field(sa_column=utc_column())
    sent_at: datetime | None = Field(default=None, sa_column=utc_column(nullable=True))


class IntakeFacts(SQLModel, table=True):
    """What intake said of a complaint: how it came in, who took it in, what it says. Written
    by the consumer of ``complaints.received.<regime>`` only (``CaseFile`` by dispatch's, so
    the two never contend for a row)."""

    __tablename__ = "callback_intake_facts"

    complaint_id: str = Field(primary_key=True, max_length=64)
    tenant_id: str = Field(index=True, max_length=64)
    estate_id: str = Field(max_length=64)
    regime: str = Field(max_length=100)
    #: JSON: the estate's values for the regime's parameters
    parameters: str = Field(default="{}", sa_column=sa.Column(sa.Text, nullable=False))
    channel: str = Field(max_length=32)
    account_id: str | None = Field(default=None, max_length=64)
    #: the resident's contact in intake's vault (the address never leaves intake)
    contact_ref: str | None = Field(default=None, max_length=64)
    #: the clerk who registered it (首问责任人), if a clerk did
    registered_by: str | None = Field(default=None, max_length=64)
    received_at: datetime = Field(sa_column=utc_column())
    summary: str = Field(sa_column=sa.Column(sa.Text, nullable=False))
    #: as intake masked it (family name only, e.g. 张**)
    complainant: str | None = Field(default=None, max_length=64)
    room: str | None = Field(default=None, max_length=64)


class CaseFile(SQLModel, table=True):
    """What dispatch's events say of a case: its classification, what staff did, promised and
    resolved. Written by the consumer of ``workorders.events`` only."""

    __tablename__ = "callback_case_files"

    complaint_id: str = Field(primary_key=True, max_length=64)
    tenant_id: str = Field(index=True, max_length=64)
    estate_id: str = Field(max_length=64)
    regime: str | None = Field(default=None, max_length=100)
    parameters: str = Field(default="{}", sa_column=sa.Column(sa.Text, nullable=False))
    #: who registered or first dispatched it (the receiver when intake named no clerk)
    receiver: str | None = Field(default=None, max_length=64)
    category: str | None = Field(default=None, max_length=64)
    topic: str | None = Field(default=None, max_length=64)
    level: str | None = Field(default=None, max_length=64)
    department: str | None = Field(default=None, max_length=64)
    #: JSON list of {at, verb, by, note}: what staff did, in order
    steps: str = Field(default="[]", sa_column=sa.Column(sa.Text, nullable=False))
    promised: str | None = Field(default=None, sa_column=sa.Column(sa.Text))
    resolution: str | None = Field(default=None, sa_column=sa.Column(sa.Text))
    resolved_at: datetime | None = Field(default=None, sa_column=utc_column(nullable=True))


class CallbackTask(SQLModel, table=True):
    """One callback to make: opened when the regime's callback clock starts (each resolution
    of the case opens one), done when the resident answers, ``unreachable`` when the last
    allowed attempt fails, ``cancelled`` when the case moves on without it."""

    __tablename__ = "callback_tasks"

    task_id: str = Field(primary_key=True, max_length=64)
    complaint_id: str = Field(index=True, max_length=64)
    tenant_id: str = Field(index=True, max_length=64)
    estate_id: str = Field(index=True, max_length=64)
    work_order_id: str = Field(max_length=64)
    department: str | None = Field(default=None, index=True, max_length=64)
    round: int = 1
    assignee_role: str = Field(max_length=64)
    assignee: str | None = Field(default=None, index=True, max_length=64)
    #: comma-separated: phone, visit, online_survey
    channels: str = Field(max_length=100)
    not_before: datetime | None = Field(default=None, sa_column=utc_column(nullable=True))
    due_at: datetime = Field(sa_column=utc_column(index=True))
    #: open → done | unreachable | cancelled
    status: str = Field(default="open", index=True, max_length=16)
    attempts: int = 0
    attempts_allowed: int = 1
    retry_seconds: int = 0
    next_attempt_at: datetime | None = Field(default=None, sa_column=utc_column(nullable=True))
    #: satisfied, basically_satisfied, dissatisfied, or unreachable
    outcome: str | None = Field(default=None, max_length=32)
    score: int | None = None
    comment: str | None = Field(default=None, sa_column=sa.Column(sa.Text))
    confirmed: bool | None = None
    channel_used: str | None = Field(default=None, max_length=32)
    done_by: str | None = Field(default=None, max_length=64)
    done_at: datetime | None = Field(default=None, sa_column=utc_column(nullable=True))
    #: the case went back to its department because of this callback
    reopened: bool = False
    #: the online survey: the link's id (single use), when it expires, when it was answered
    survey_id: str | None = Field(default=None, max_length=64)
    survey_expires_at: datetime | None = Field(default=None, sa_column=utc_column(nullable=True))
    survey_used_at: datetime | None = Field(default=None, sa_column=utc_column(nullable=True))
    opened_at: datetime = Field(sa_column=utc_column())


class StaffContact(SQLModel, table=True):
    """Where a member of an estate's staff is told things (notifiers read it just before
    sending; it never travels on Kafka, and reads of it are masked)."""

    __tablename__ = "staff_contacts"

    estate_id: str = Field(primary_key=True, max_length=64)
    staff_id: str = Field(primary_key=True, max_length=64)
    tenant_id: str = Field(index=True, max_length=64)
    phone: str | None = Field(default=None, max_length=32)
    email: str | None = Field(default=None, max_length=254)
    wechat_openid: str | None = Field(default=None, max_length=128)
    webhook_url: str | None = Field(default=None, max_length=500)
    updated_at: datetime = Field(sa_column=utc_column())
