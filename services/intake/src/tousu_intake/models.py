"""Intake's tables: the estate directory and the complaints as registered."""

from __future__ import annotations

from datetime import datetime

import sqlalchemy as sa
from sqlmodel import Field, SQLModel

from tousu_shared.db.types import utc_column


class Estate(SQLModel, table=True):
    __tablename__ = "intake_estates"

    estate_id: str = Field(primary_key=True, max_length=64)
    tenant_id: str = Field(index=True, max_length=64)
    name: str = Field(max_length=200)
    regime: str = Field(max_length=100)
    timezone: str = Field(default="Asia/Shanghai", max_length=64)


class Complaint(SQLModel, table=True):
    __tablename__ = "intake_complaints"
    __table_args__ = (
        sa.UniqueConstraint("tenant_id", "channel", "source_message_id", name="uq_intake_source_message"),
    )

    complaint_id: str = Field(primary_key=True, max_length=64)
    tenant_id: str = Field(index=True, max_length=64)
    estate_id: str = Field(index=True, max_length=64)
    regime: str = Field(max_length=100)
    channel: str = Field(max_length=32)
    text: str = Field(sa_column=sa.Column(sa.Text, nullable=False))
    room: str | None = Field(default=None, max_length=40)
    # Clear personal data stays here; events carry masked forms (the vault is its own issue).
    contact_name: str | None = Field(default=None, max_length=50)
    contact_phone: str = Field(max_length=32)
    source_message_id: str | None = Field(default=None, max_length=128)
    received_at: datetime = Field(sa_column=utc_column())
