"""HTTP bodies of callback's staff API."""

from __future__ import annotations

from typing import Literal

from pydantic import ConfigDict, Field

from tousu_shared.clean import CleanModel


class CallbackIn(CleanModel):
    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)

    by: str | None = Field(
        default=None, min_length=1, max_length=64, description="Staff id of who called back (operator only)"
    )
    satisfied: bool = Field(description="Was the resident satisfied with how the case was handled")
    score: int | None = Field(default=None, ge=1, le=5, description="1–5, if the resident gave one")
    comment: str | None = Field(default=None, max_length=2000, description="What the resident said")
    channel: Literal["phone", "visit", "online_survey"] = "phone"
