from __future__ import annotations

from datetime import datetime

from sqlmodel import Field, SQLModel

from tousu_shared.db.types import utc_column


class WorkOrder(SQLModel, table=True):
    __tablename__ = "work_orders"

    work_order_id: str = Field(primary_key=True, max_length=64)
    # Unique: whatever is redelivered, a complaint never gets a second work order.
    complaint_id: str = Field(max_length=64, sa_column_kwargs={"unique": True})
    tenant_id: str = Field(index=True, max_length=64)
    estate_id: str = Field(index=True, max_length=64)
    department: str = Field(index=True, max_length=64)
    category: str = Field(max_length=64)
    status: str = Field(default="open", max_length=32)
    created_at: datetime = Field(sa_column=utc_column())
