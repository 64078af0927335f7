"""Callback's table: the cases it may call back about, and the state each is in."""

from __future__ import annotations

from datetime import datetime

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
