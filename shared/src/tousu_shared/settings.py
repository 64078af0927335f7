"""Settings from the environment (``TOUSU_*``), one set per service process."""

from __future__ import annotations

from pathlib import Path
from typing import Literal

from pydantic import Field, SecretStr
from pydantic_settings import BaseSettings, SettingsConfigDict

from tousu_shared.ports import DEFAULT_PORTS


class ServiceSettings(BaseSettings):
    model_config = SettingsConfigDict(env_prefix="TOUSU_", extra="ignore")

    kafka_bootstrap: str = "127.0.0.1:9092"
    # the service's own Kafka credentials (a production cluster's SASL user, over TLS)
    kafka_security_protocol: Literal["PLAINTEXT", "SSL", "SASL_PLAINTEXT", "SASL_SSL"] = "PLAINTEXT"
    kafka_sasl_mechanism: Literal["PLAIN", "SCRAM-SHA-256", "SCRAM-SHA-512"] = "SCRAM-SHA-512"
    kafka_username: str | None = None
    kafka_password: SecretStr | None = None
    kafka_password_file: Path | None = Field(default=None, description="a mounted file holding the password")
    kafka_ca_file: Path | None = Field(
        default=None, description="CA bundle for SSL / SASL_SSL (else the system's)"
    )
    database_url: str | None = Field(
        default=None,
        description="SQLAlchemy async URL; default: a SQLite file under .run/data/",
    )
    database_url_file: Path | None = Field(
        default=None,
        description="a mounted file holding the URL (with its password), instead of the variable",
    )
    data_dir: Path = Path(".run/data")
    http_host: str = "127.0.0.1"
    http_port: int | None = None
    topic_prefix: str = Field(default="", description="Prefix for every topic and consumer group")
    topic_partitions: int = Field(default=4, ge=1)
    regimes: str = Field(default="all", description="Comma-separated regime ids, or 'all'")
    auto_migrate: bool = True
    log_level: str = "INFO"
    log_json: bool = True
    relay_batch_size: int = Field(default=500, ge=1)
    relay_poll_seconds: float = Field(default=0.2, gt=0)
    outbox_keep_seconds: float = Field(default=600, ge=0)
    consumer_max_records: int = Field(default=500, ge=1)
    consumer_max_attempts: int = Field(default=3, ge=1)
    graceful_timeout_seconds: float = Field(default=15, gt=0)
    metrics_sample_seconds: float = Field(
        default=15, gt=0, description="How often /metrics' gauges (lag, outbox backlog, DLQ size) are read"
    )
    max_text_chars: int = Field(default=2000, ge=1)
    max_body_bytes: int = Field(default=64 * 1024, ge=1024)
    clock_file: Path | None = Field(
        default=None, description="Virtual time (tests, demos): now is the instant written in this file"
    )

    def port_for(self, service: str) -> int:
        return self.http_port or DEFAULT_PORTS[service]

    def database_url_for(self, service: str) -> str:
        if self.database_url:
            return self.database_url
        if self.database_url_file:
            return read_mounted(self.database_url_file, "TOUSU_DATABASE_URL_FILE")
        self.data_dir.mkdir(parents=True, exist_ok=True)
        return f"sqlite+aiosqlite:///{self.data_dir / service}.db"

    def group_id(self, consumer: str) -> str:
        return f"{self.topic_prefix}tousu.{consumer}"


def read_mounted(path: Path, variable: str) -> str:
    """A secret from a mounted file (a Kubernetes Secret volume), stripped; a missing,
    unreadable or empty file is a ValueError naming the variable that points at it."""
    try:
        value = path.read_text(encoding="utf-8").strip()
    except OSError as exc:
        raise ValueError(f"cannot read {variable} {path}: {exc.strerror}") from None
    if not value:
        raise ValueError(f"{variable} {path} is empty")
    return value
