"""What dispatch's HTTP routes share: who calls and what they may do to a work order, the
4xx answers, the regime rules."""

from __future__ import annotations

from datetime import datetime
from functools import cache
from typing import Any

from litestar import Request
from litestar.exceptions import ClientException, HTTPException
from litestar.status_codes import HTTP_409_CONFLICT, HTTP_422_UNPROCESSABLE_ENTITY
from sqlalchemy.ext.asyncio import AsyncSession

from tousu_dispatch.domain.actions import ActionRefused, RegimeRules
from tousu_dispatch.models import WorkOrder
from tousu_shared.contracts.envelope import Envelope
from tousu_shared.identity import Principal
from tousu_shared.identity.audit import record_audit
from tousu_shared.regimes import load_regime
from tousu_shared.runtime.service import Runtime, identity_of, runtime_of


class Unprocessable(ClientException):
    status_code = HTTP_422_UNPROCESSABLE_ENTITY


class Conflict(ClientException):
    status_code = HTTP_409_CONFLICT


async def caller(request: Request[Any, Any, Any]) -> tuple[Runtime, Principal]:
    """The runtime and the authenticated caller (401 otherwise)."""
    return runtime_of(request), await identity_of(request).caller(request)


def allow(request: Request[Any, Any, Any], who: Principal, permission: str, order: WorkOrder) -> None:
    """403 (or 404 for another group's work order) unless the policy lets ``who`` do this."""
    identity_of(request).require(request, who, permission, order.tenant_id, order.estate_id)


def audit(
    session: AsyncSession,
    rt: Runtime,
    who: Principal,
    action: str,
    order: WorkOrder,
    *,
    by: str,
    now: datetime,
    event: Envelope | None = None,
    detail: dict[str, Any] | None = None,
) -> None:
    """The audit record of an act on a work order, in the act's own transaction."""
    record_audit(
        session,
        rt.topics,
        "dispatch",
        who,
        action,
        tenant_id=order.tenant_id,
        estate_id=order.estate_id,
        complaint_id=order.complaint_id,
        now=now,
        acting_for=by,
        detail={"work_order_id": order.work_order_id, **(detail or {})},
        caused=event,
    )


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
