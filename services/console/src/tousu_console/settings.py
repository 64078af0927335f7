"""The console's settings (``TOUSU_CONSOLE_*``, beside the services' ``TOUSU_*``)."""

from __future__ import annotations

from pathlib import Path

from pydantic import Field, SecretStr
from pydantic_settings import BaseSettings, SettingsConfigDict

from tousu_shared.ports import DEFAULT_PORTS

#: the services the console calls on the signed-in person's behalf
SERVICES = ("intake", "dispatch", "sla-monitor", "callback", "archive", "triage")


class ConsoleSettings(BaseSettings):
    model_config = SettingsConfigDict(env_prefix="TOUSU_CONSOLE_", extra="ignore")

    #: where each service answers (``TOUSU_CONSOLE_URLS__DISPATCH=http://…``); default: local ports
    urls: dict[str, str] = Field(default_factory=dict)
    people_file: Path = Field(
        default=Path("demo/people.yaml"),
        description="who may sign in: login, name, scrypt password hash, group, roles",
    )
    desk_account: str = Field(
        default="jx-desk", description="the desk channel account forms are sent through"
    )
    desk_key: SecretStr | None = Field(default=None, description="its key (else read from desk_key_file)")
    desk_key_file: Path | None = Field(
        default=None, description="a JSON file {account: key} (make run's demo-channel-keys.json)"
    )
    secret: SecretStr | None = Field(
        default=None,
        description="keys the session cookie and the forms' CSRF tokens; the same on every replica "
        "(a local run generates one under the data folder)",
    )
    session_hours: int = Field(default=8, ge=1, le=24, description="how long a sign-in lasts")
    secure_cookies: bool = Field(default=False, description="send the session cookie over HTTPS only")
    request_timeout_seconds: float = Field(default=10, gt=0)
    timezone: str = Field(
        default="Asia/Shanghai", description="the zone the pages show times in (the estates' own, usually)"
    )
    live_updates: bool = Field(default=True, description="read the lifecycle topics to update open pages")

    def url_of(self, service: str) -> str:
        return self.urls.get(service, f"http://127.0.0.1:{DEFAULT_PORTS[service]}").rstrip("/")
