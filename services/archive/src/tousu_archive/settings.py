"""Archive's own settings (``TOUSU_*`` environment variables)."""

from __future__ import annotations

from pydantic import Field
from pydantic_settings import BaseSettings, SettingsConfigDict


class ArchiveSettings(BaseSettings):
    model_config = SettingsConfigDict(env_prefix="TOUSU_", extra="ignore")

    monthly_reports: bool = Field(
        default=True,
        description="issue last month's reports on the 1st (false: on demand only, all replicas but one)",
    )
    report_check_seconds: float = Field(
        default=600, gt=0, description="how often archive looks for last month's reports to issue"
    )
    retention_check_seconds: float = Field(
        default=3600, gt=0, description="how often archive looks for case files whose retention ran out"
    )
    retention_batch: int = Field(
        default=500, ge=1, le=10_000, description="case files purged per run, at most"
    )
