"""Callback's own settings (``TOUSU_*``): which notifier delivers what."""

from __future__ import annotations

from functools import cache

from pydantic import Field
from pydantic_settings import BaseSettings, SettingsConfigDict


class CallbackSettings(BaseSettings):
    model_config = SettingsConfigDict(env_prefix="TOUSU_", extra="ignore")

    notify_escalation: str | None = Field(
        default=None,
        description="the notifier plugin (tousu.notifiers) that tells staff of an escalation, e.g. webhook",
    )
    notify_poll_seconds: float = Field(default=1.0, gt=0, description="pause when no notification is due")


@cache
def callback_settings() -> CallbackSettings:
    return CallbackSettings()
