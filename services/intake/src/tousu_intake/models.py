"""Intake's tables: estates, channel accounts, the vault, complaints as registered, evidence."""

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
    #: JSON: the estate's values for its regime's parameters, where it differs from the rulebook's
    parameters: str = Field(default="{}", sa_column=sa.Column(sa.Text, nullable=False))


class ChannelAccount(SQLModel, table=True):
    """One source a channel serves for one property group: an APP, an official account, a mailbox.

    The account binds what arrives through it to its tenant and estates; its secret
    (API key, HMAC secret, WeChat token) is sealed in the vault.
    """

    __tablename__ = "intake_channel_accounts"

    account_id: str = Field(primary_key=True, max_length=64)
    channel: str = Field(max_length=32)
    tenant_id: str = Field(index=True, max_length=64)
    #: comma-separated estate ids this account may write into
    estates: str = Field(sa_column=sa.Column(sa.Text, nullable=False))
    default_estate: str | None = Field(default=None, max_length=64)
    secret_sealed: str = Field(sa_column=sa.Column(sa.Text, nullable=False))
    rate_per_minute: int | None = None
    enabled: bool = True
    created_at: datetime = Field(sa_column=utc_column())

    def estate_ids(self) -> list[str]:
        return [e for e in self.estates.split(",") if e]


class Contact(SQLModel, table=True):
    """The vault: a complainant's personal data, sealed; blind indexes for lookups."""

    __tablename__ = "intake_contacts"

    contact_ref: str = Field(primary_key=True, max_length=64)
    tenant_id: str = Field(index=True, max_length=64)
    name_sealed: str | None = Field(default=None, sa_column=sa.Column(sa.Text))
    phone_sealed: str | None = Field(default=None, sa_column=sa.Column(sa.Text))
    email_sealed: str | None = Field(default=None, sa_column=sa.Column(sa.Text))
    reply_to_sealed: str | None = Field(default=None, sa_column=sa.Column(sa.Text))
    phone_index: str | None = Field(default=None, index=True, max_length=64)
    reply_index: str | None = Field(default=None, index=True, max_length=64)


class Complaint(SQLModel, table=True):
    __tablename__ = "intake_complaints"
    __table_args__ = (
        sa.UniqueConstraint("tenant_id", "channel", "source_message_id", name="uq_intake_source_message"),
        # each channel account's latest complaints (the operator's channel status)
        sa.Index("ix_intake_complaints_account_received", "account_id", "received_at"),
    )

    complaint_id: str = Field(primary_key=True, max_length=64)
    tenant_id: str = Field(index=True, max_length=64)
    estate_id: str = Field(index=True, max_length=64)
    regime: str = Field(max_length=100)
    #: JSON: the estate's parameter values when the complaint came in; its clocks run by them
    parameters: str = Field(default="{}", sa_column=sa.Column(sa.Text, nullable=False))
    channel: str = Field(max_length=32)
    account_id: str | None = Field(default=None, max_length=64)
    #: as said, with phone numbers masked; ``text_sealed`` holds it unmasked, when it differs
    text: str = Field(sa_column=sa.Column(sa.Text, nullable=False))
    text_sealed: str | None = Field(default=None, sa_column=sa.Column(sa.Text))
    room: str | None = Field(default=None, max_length=40)
    location: str | None = Field(default=None, max_length=200)
    persons_involved: str | None = Field(default=None, max_length=200)
    occurred_at: datetime | None = Field(default=None, sa_column=utc_column(nullable=True))
    contact_ref: str = Field(max_length=64, index=True)
    #: masked forms, for staff lists that must not reveal the contact
    contact_name_masked: str | None = Field(default=None, max_length=50)
    contact_phone_masked: str | None = Field(default=None, max_length=32)
    source_message_id: str | None = Field(default=None, max_length=128)
    registered_by: str | None = Field(default=None, max_length=64)
    confirmed: bool = False
    received_at: datetime = Field(sa_column=utc_column())
    #: received (on to triage), rejected (不予受理, recorded), linked (a repeat of ``related_to``)
    status: str = Field(default="received", max_length=16, index=True)
    related_to: str | None = Field(default=None, max_length=64)
    reject_reason: str | None = Field(default=None, max_length=64)


class Clarification(SQLModel, table=True):
    """Questions put to a complainant; their next message on the same channel answers them."""

    __tablename__ = "intake_clarifications"

    complaint_id: str = Field(primary_key=True, max_length=64)
    tenant_id: str = Field(index=True, max_length=64)
    account_id: str = Field(max_length=64)
    #: blind index of the address the answer will come from (reply address, e-mail or phone)
    contact_index: str = Field(index=True, max_length=64)
    questions: str = Field(sa_column=sa.Column(sa.Text, nullable=False), description="one per line")
    asked_at: datetime = Field(sa_column=utc_column())
    answered_at: datetime | None = Field(default=None, sa_column=utc_column(nullable=True))


class EvidenceFile(SQLModel, table=True):
    __tablename__ = "intake_evidence"

    evidence_id: str = Field(primary_key=True, max_length=64)
    complaint_id: str = Field(index=True, max_length=64)
    filename: str = Field(max_length=200)
    content_type: str = Field(max_length=100)
    size: int
    sha256: str = Field(max_length=64)
    data: bytes = Field(sa_column=sa.Column(sa.LargeBinary, nullable=False))
