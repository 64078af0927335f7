from __future__ import annotations

from datetime import datetime

from sqlmodel import Field, SQLModel

from tousu_shared.db.types import utc_column


class SlaObservedCase(SQLModel, table=True):
    """The last lifecycle event seen per case: proof of consumption until the real state lands."""

    __tablename__ = "sla_observed"

    complaint_id: str = Field(primary_key=True, max_length=64)
    tenant_id: str = Field(max_length=64)
    last_event_type: str = Field(max_length=100)
    events_seen: int = 0
    updated_at: datetime = Field(sa_column=utc_column())
