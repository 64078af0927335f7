"""What dispatch's HTTP routes share: the admin guard, the 4xx answers, the regime rules."""

from __future__ import annotations

from functools import cache
from typing import Any

from litestar import Request
from litestar.exceptions import ClientException, HTTPException
from litestar.status_codes import HTTP_409_CONFLICT, HTTP_422_UNPROCESSABLE_ENTITY

from tousu_dispatch.domain.actions import ActionRefused, RegimeRules
from tousu_shared.admin_token import admin_token, require_admin
from tousu_shared.regimes import load_regime
from tousu_shared.runtime.service import Runtime, runtime_of

ADMIN_TOKEN = "admin_token"


class Unprocessable(ClientException):
    status_code = HTTP_422_UNPROCESSABLE_ENTITY


class Conflict(ClientException):
    status_code = HTTP_409_CONFLICT


def setup(rt: Runtime) -> None:
    """Read the admin token once, at start (a missing or empty token file stops the process)."""
    rt.state[ADMIN_TOKEN] = admin_token(rt.settings.data_dir)


def admin_guard(request: Request[Any, Any, Any]) -> Runtime:
    rt = runtime_of(request)
    require_admin(request, rt.state[ADMIN_TOKEN])
    return rt


def refused(exc: ActionRefused) -> HTTPException:
    return Unprocessable(exc.detail) if exc.kind == "invalid" else Conflict(exc.detail)


@cache
def _rules(ref: str) -> RegimeRules:
    return RegimeRules.of(load_regime(ref))


def regime_rules(ref: str | None) -> RegimeRules:
    """The rules of the regime a work order runs under (loaded once per reference)."""
    if ref is None:
        return RegimeRules.unknown()
    try:
        return _rules(ref)
    except LookupError as exc:  # the regime file is not deployed here
        raise Conflict(f"the work order runs under {ref}, which this deployment cannot load: {exc}") from None
