"""The admin token that guards estate and channel-account management.

From ``TOUSU_ADMIN_TOKEN`` or a mounted ``TOUSU_ADMIN_TOKEN_FILE``; a local run without
either generates one under the data folder (``make run`` reads it from there).
"""

from __future__ import annotations

import hmac
import os
import secrets
from pathlib import Path
from typing import Any

from litestar import Request
from litestar.exceptions import NotAuthorizedException

from tousu_intake.settings import IntakeSettings
from tousu_shared.logging import get_logger

log = get_logger(__name__)

ADMIN_TOKEN_FILE = "intake-admin-token"


def admin_token(settings: IntakeSettings, data_dir: Path) -> str:
    if settings.admin_token:
        return settings.admin_token.get_secret_value()
    path = settings.admin_token_file or data_dir / ADMIN_TOKEN_FILE
    if settings.admin_token_file is None and not path.exists():
        path.parent.mkdir(parents=True, exist_ok=True)
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        with os.fdopen(fd, "w") as f:
            f.write(secrets.token_urlsafe(32) + "\n")
        log.warning(
            "generated a development admin token; set TOUSU_ADMIN_TOKEN in production", path=str(path)
        )
    try:
        return path.read_text().strip()
    except OSError as exc:
        raise ValueError(f"cannot read the admin token file {path}: {exc.strerror}") from None


def require_admin(request: Request[Any, Any, Any], token: str) -> None:
    scheme, _, given = (request.headers.get("authorization") or "").partition(" ")
    if scheme.lower() != "bearer" or not hmac.compare_digest(given.strip().encode(), token.encode()):
        raise NotAuthorizedException("send Authorization: Bearer <admin token>")
