"""The console's settings (``TOUSU_CONSOLE_*``, beside the services' ``TOUSU_*``)."""

from __future__ import annotations

from pathlib import Path
from typing import Literal

from pydantic import Field, SecretStr, model_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

from tousu_shared.ports import DEFAULT_PORTS

#: the services the console calls on the signed-in person's behalf
SERVICES = ("intake", "dispatch", "sla-monitor", "callback", "archive", "triage")


class ConsoleSettings(BaseSettings):
    model_config = SettingsConfigDict(env_prefix="TOUSU_CONSOLE_", extra="ignore")

    #: where each service answers, JSON (``{"dispatch": "http://dispatch", …}``); default: the
    #: local ports. Triage's may hold ``{regime}`` where each regime has a deployment of its own.
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

    # Signing in with the group's identity provider (OpenID Connect) instead of the people file.
    oidc_issuer: str | None = Field(
        default=None, description="the provider's issuer URL; set, people sign in there (oidc.py)"
    )
    oidc_client_id: str = "tousu-console"
    oidc_client_secret: SecretStr | None = None
    oidc_client_secret_file: Path | None = Field(default=None, description="a mounted Secret's file")
    oidc_redirect_url: str | None = Field(
        default=None,
        description="this console's /login/oidc/callback as the provider knows it (default: as requested)",
    )
    oidc_scopes: str = "openid profile"
    oidc_bearer: Literal["access_token", "id_token"] = Field(
        default="access_token",
        description="which of the provider's tokens the services are called with (a JWT they trust)",
    )
    oidc_groups_claim: str = "groups"
    oidc_operator_group: str | None = Field(
        default=None, description="members of this group (in the groups claim) see the operator pages"
    )
    oidc_label: str = Field(default="统一身份认证", description="the sign-in button's words")

    @model_validator(mode="after")
    def _one_secret(self) -> ConsoleSettings:
        if self.oidc_client_secret and self.oidc_client_secret_file:
            raise ValueError("give one of TOUSU_CONSOLE_OIDC_CLIENT_SECRET and _CLIENT_SECRET_FILE")
        if self.oidc_issuer and not self.oidc_issuer.startswith(("https://", "http://")):
            raise ValueError(f"TOUSU_CONSOLE_OIDC_ISSUER must be an http(s) URL, not {self.oidc_issuer!r}")
        return self

    def client_secret(self) -> str | None:
        if self.oidc_client_secret:
            return self.oidc_client_secret.get_secret_value()
        if self.oidc_client_secret_file:
            try:
                return self.oidc_client_secret_file.read_text(encoding="utf-8").strip()
            except OSError as exc:
                raise ValueError(f"cannot read {self.oidc_client_secret_file}: {exc.strerror}") from None
        return None

    def url_of(self, service: str, regime: str | None = None) -> str:
        url = self.urls.get(service, f"http://127.0.0.1:{DEFAULT_PORTS[service]}").rstrip("/")
        return url.replace("{regime}", regime) if regime else url
