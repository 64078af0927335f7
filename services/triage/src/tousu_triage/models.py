from __future__ import annotations

from datetime import datetime

from sqlmodel import Field, SQLModel

from tousu_shared.db.types import utc_column


class TriageResult(SQLModel, table=True):
    __tablename__ = "triage_results"

    complaint_id: str = Field(primary_key=True, max_length=64)
    regime: str = Field(max_length=100)
    topic: str = Field(max_length=64)
    category: str = Field(max_length=64)
    department: str = Field(max_length=64)
    confidence: float
    triaged_at: datetime = Field(sa_column=utc_column())
    #: 1, then 2, 3 … each time a clarification answer was read with the complaint
    revision: int = 1
