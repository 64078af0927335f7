"""HTTP request and response bodies of intake."""

from __future__ import annotations

from pydantic import BaseModel, ConfigDict, Field

from tousu_shared.contracts.events import Channel

_ID = r"^[A-Za-z0-9][A-Za-z0-9_.:-]*$"


class ContactIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    name: str | None = Field(default=None, max_length=50)
    phone: str = Field(pattern=r"^\+?[0-9][0-9 ()-]{4,24}$", description="Mobile or landline")


class ComplaintIn(BaseModel):
    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)

    tenant_id: str = Field(min_length=1, max_length=64, pattern=_ID)
    estate_id: str = Field(min_length=1, max_length=64, pattern=_ID)
    channel: Channel
    text: str = Field(min_length=1, description="What the resident says, as said")
    room: str | None = Field(default=None, max_length=40, description="Building-unit-room, e.g. 7-1-1103")
    contact: ContactIn
    source_message_id: str | None = Field(
        default=None,
        max_length=128,
        description="The channel's message id: a retried delivery creates no second complaint",
    )


class ComplaintAccepted(BaseModel):
    complaint_id: str
    status: str
    regime: str
    duplicate: bool = False


class EstateIn(BaseModel):
    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)

    tenant_id: str = Field(min_length=1, max_length=64, pattern=_ID)
    name: str = Field(min_length=1, max_length=200)
    regime: str = Field(min_length=1, max_length=100)
    timezone: str = Field(default="Asia/Shanghai", max_length=64)
