"""What a notifier is asked to deliver."""

from __future__ import annotations

from typing import Any

from pydantic import BaseModel, ConfigDict, Field


class Recipient(BaseModel):
    """Who is told, and the addresses a notifier may use (resolved just before sending)."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    staff_id: str | None = None
    name: str | None = None
    phone: str | None = None
    email: str | None = None
    webhook_url: str | None = None
    wechat_openid: str | None = None


class Notification(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")

    notification_id: str = Field(
        min_length=1, max_length=64, description="Unique; sent as the idempotency key, so a retry is dropped"
    )
    tenant_id: str
    complaint_id: str | None = None
    kind: str = Field(description="escalation, callback_survey, callback_reminder, …")
    recipient: Recipient
    subject: str
    text: str
    data: dict[str, Any] = Field(
        default_factory=dict, description="Template values (WeChat templates, links)"
    )
