"""Callback's table: the cases it may call back about, and the state each is in."""

from __future__ import annotations

from datetime import datetime

import sqlalchemy as sa
from sqlmodel import Field, SQLModel

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
    updated_at: datetime = Field(sa_column=utc_column())


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
