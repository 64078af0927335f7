"""HTTP request bodies of intake's admin API (channels define their own bodies)."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated

from pydantic import BaseModel, ConfigDict, Field

from tousu_shared.clean import CleanModel

_ID = r"^[A-Za-z0-9][A-Za-z0-9_.:-]*$"


class EstateIn(CleanModel):
    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)

    tenant_id: str = Field(min_length=1, max_length=64, pattern=_ID)
    name: str = Field(min_length=1, max_length=200)
    regime: str = Field(min_length=1, max_length=100)
    timezone: str = Field(default="Asia/Shanghai", max_length=64)
    parameters: dict[str, Annotated[float, Field(ge=0)]] = Field(
        default_factory=dict,
        max_length=100,
        description="The estate's values for the regime's parameters (e.g. onsite_limit: 10); "
        "the rest keep the rulebook's",
    )


class ChannelAccountIn(CleanModel):
    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)

    channel: str = Field(min_length=1, max_length=32, description="The adapter's name, e.g. http, wechat")
    tenant_id: str = Field(min_length=1, max_length=64, pattern=_ID)
    estates: list[str] = Field(min_length=1, max_length=1000, description="Estates it may write into")
    default_estate: str | None = Field(default=None, description="For messages that name no estate")
    secret: str | None = Field(
        default=None, min_length=16, max_length=200, description="Omit to have one generated (shown once)"
    )
    rate_per_minute: int | None = Field(default=None, ge=1, le=100_000)
    enabled: bool = True


class ChannelAccountOut(BaseModel):
    account_id: str
    channel: str
    tenant_id: str
    estates: list[str]
    default_estate: str | None
    rate_per_minute: int | None
    enabled: bool
    url: str = Field(description="Where the channel's messages go")
    secret: str | None = Field(default=None, description="Only in the answer that created it")
    last_received_at: datetime | None = Field(
        default=None, description="When the account's latest complaint came in (in the list)"
    )
    received_last_24h: int | None = Field(
        default=None, description="How many complaints came in through it in the last 24 hours (in the list)"
    )
