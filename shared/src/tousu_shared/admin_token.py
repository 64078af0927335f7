"""The operator token that guards staff and admin endpoints until people sign in (identity).

From ``TOUSU_ADMIN_TOKEN`` or a mounted ``TOUSU_ADMIN_TOKEN_FILE``; a local run without
either generates one under the data folder, shared by every service of the run
(``make run`` prints where it is).
"""

from __future__ import annotations

import hmac
import os
import secrets
from pathlib import Path
from typing import Any

from litestar import Request
from litestar.exceptions import NotAuthorizedException
from pydantic import Field, SecretStr
from pydantic_settings import BaseSettings, SettingsConfigDict

from tousu_shared.logging import get_logger

log = get_logger(__name__)

ADMIN_TOKEN_FILE = "admin-token"


class AdminTokenSettings(BaseSettings):
    model_config = SettingsConfigDict(env_prefix="TOUSU_", extra="ignore")

    admin_token: SecretStr | None = Field(default=None, description="Bearer token of the admin endpoints")
    admin_token_file: Path | None = None


def admin_token(data_dir: Path, settings: AdminTokenSettings | None = None) -> str:
    settings = settings or AdminTokenSettings()
    if settings.admin_token:
        return settings.admin_token.get_secret_value()
    path = settings.admin_token_file or data_dir / ADMIN_TOKEN_FILE
    if settings.admin_token_file is None and not path.exists():
        path.parent.mkdir(parents=True, exist_ok=True)
        try:
            fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        except FileExistsError:
            pass  # another service of this run generated it a moment ago
        else:
            with os.fdopen(fd, "w") as f:
                f.write(secrets.token_urlsafe(32) + "\n")
            log.warning(
                "generated a development admin token; set TOUSU_ADMIN_TOKEN in production", path=str(path)
            )
    try:
        token = path.read_text().strip()
    except OSError as exc:
        raise ValueError(f"cannot read the admin token file {path}: {exc.strerror}") from None
    if not token:
        raise ValueError(f"the admin token file {path} is empty")
    return token


def require_admin(request: Request[Any, Any, Any], token: str) -> None:
    scheme, _, given = (request.headers.get("authorization") or "").partition(" ")
    if scheme.lower() != "bearer" or not hmac.compare_digest(given.strip().encode(), token.encode()):
        raise NotAuthorizedException("send Authorization: Bearer <admin token>")
