"""Callback's own settings (``TOUSU_*``): which notifier delivers what, and the online survey."""

from __future__ import annotations

from functools import cache
from pathlib import Path

from pydantic import Field, SecretStr
from pydantic_settings import BaseSettings, SettingsConfigDict


class CallbackSettings(BaseSettings):
    model_config = SettingsConfigDict(env_prefix="TOUSU_", extra="ignore")

    notify_escalation: str | None = Field(
        default=None,
        description="the notifier plugin (tousu.notifiers) that tells staff of an escalation, e.g. webhook",
    )
    notify_callback: str | None = Field(
        default=None,
        description="the notifier plugin that tells the named caller a callback task is due, e.g. sms",
    )
    notify_poll_seconds: float = Field(default=1.0, gt=0, description="pause when no notification is due")
    survey_secret: SecretStr | None = Field(
        default=None, description="HMAC key signing survey links (else a generated development key)"
    )
    survey_secret_file: Path | None = Field(default=None, description="the same, from a mounted file")
    survey_ttl_hours: float = Field(default=72, gt=0, le=24 * 90, description="how long a survey link works")
    survey_channels: list[str] = Field(
        default=["email", "wechat"],
        description="channels whose deployments deliver replies: a complaint that came by one gets "
        "its survey link back the same way (JSON list)",
    )
    survey_base_url: str | None = Field(
        default=None,
        description="where residents reach the survey page (the public URL of callback's /survey); "
        "default: this service's own address",
    )


@cache
def callback_settings() -> CallbackSettings:
    return CallbackSettings()
