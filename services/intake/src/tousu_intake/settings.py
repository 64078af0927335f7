"""Intake's own settings (``TOUSU_*``), beside the ones every service shares."""

from __future__ import annotations

from pathlib import Path

from pydantic import Field, SecretStr
from pydantic_settings import BaseSettings, SettingsConfigDict


class IntakeSettings(BaseSettings):
    model_config = SettingsConfigDict(env_prefix="TOUSU_", extra="ignore")

    channels: str = Field(
        default="all", description="Channel adapters this deployment hosts (comma-separated), or 'all'"
    )
    vault_keys: SecretStr | None = Field(
        default=None, description="Fernet keys, newest first, comma-separated; the first one encrypts"
    )
    vault_index_key: SecretStr | None = Field(
        default=None, description="Key of the blind index that finds a household's contacts"
    )
    vault_keys_file: Path | None = Field(default=None, description="A mounted file with the two lines above")
    channel_rate_per_minute: int = Field(default=600, ge=1, description="Default per account and replica")
    evidence_max_bytes: int = Field(default=10 * 1024 * 1024, ge=0, description="Per complaint, all files")
    repeat_window_hours: float = Field(
        default=168, ge=0, description="How far back a household's earlier complaint counts as repeated"
    )
    repeat_threshold: float = Field(
        default=0.7, gt=0, le=1, description="Share of a message already said before that makes it a repeat"
    )
    clarify_window_hours: float = Field(
        default=48, gt=0, description="How long the next message from the complainant answers the questions"
    )

    def channel_names(self, installed: list[str]) -> list[str]:
        if self.channels.strip() == "all":
            return installed
        return [c.strip() for c in self.channels.split(",") if c.strip()]
