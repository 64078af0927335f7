"""The audit trail's reading side: archive keeps every ``AuditRecorded`` of the services
that act on cases, and quality managers query it (policy ``audit.read``), within their own
group and the estates where they hold that role."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Any

import orjson
from litestar import Request, get
from litestar.params import Parameter
from sqlalchemy import func
from sqlmodel import col, select

from tousu_archive.models import AuditEntry
from tousu_shared.contracts.envelope import Envelope
from tousu_shared.contracts.events import AuditRecorded
from tousu_shared.contracts.topics import Topics
from tousu_shared.delivery.consumer import HandlerContext
from tousu_shared.delivery.errors import PermanentError
from tousu_shared.identity.audit import AUDITED_SERVICES
from tousu_shared.runtime.service import identity_of, runtime_of


def audit_topics(topics: Topics, regimes: list[str]) -> list[str]:
    return [topics.audit(service) for service in AUDITED_SERVICES]


async def on_audit_event(ctx: HandlerContext, event: Envelope) -> None:
    record = event.typed_payload()
    if not isinstance(record, AuditRecorded):
        raise PermanentError(f"{event.type} on an audit topic: only AuditRecorded belongs there")
    ctx.session.add(
        AuditEntry(
            event_id=event.event_id,
            tenant_id=event.tenant_id,
            estate_id=event.estate_id,
            complaint_id=event.complaint_id,
            service=record.service,
            action=record.action,
            actor=record.actor,
            actor_kind=record.actor_kind,
            actor_issuer=record.actor_issuer,
            acting_for=record.acting_for,
            detail=orjson.dumps(record.detail).decode(),
            caused_event_id=record.caused_event_id,
            occurred_at=event.occurred_at,
        )
    )


@get("/v1/audit", tags=["audit"])
async def list_audit(
    request: Request[Any, Any, Any],
    complaint_id: str | None = None,
    estate_id: str | None = None,
    actor: str | None = None,
    action: str | None = Parameter(default=None, description="exact, or a prefix ending in ':' or '.'"),
    since: datetime | None = None,
    until: datetime | None = None,
    limit: Annotated[int, Parameter(ge=1, le=500)] = 100,
    offset: Annotated[int, Parameter(ge=0)] = 0,
) -> dict[str, Any]:
    """The audit trail of the caller's group, oldest first."""
    _, scope = await identity_of(request).scope(request, "audit.read")
    query = select(AuditEntry).where(col(AuditEntry.tenant_id) == scope.tenant)
    if scope.estates is not None:
        query = query.where(col(AuditEntry.estate_id).in_(sorted(scope.estates)))
    for column, value in (
        (AuditEntry.complaint_id, complaint_id),
        (AuditEntry.estate_id, estate_id),
        (AuditEntry.actor, actor),
    ):
        if value is not None:
            query = query.where(col(column) == value)
    if action:
        query = query.where(
            col(AuditEntry.action).startswith(action)
            if action.endswith((":", "."))
            else col(AuditEntry.action) == action
        )
    if since:
        query = query.where(col(AuditEntry.occurred_at) >= since)
    if until:
        query = query.where(col(AuditEntry.occurred_at) < until)
    async with runtime_of(request).sessions() as session:
        total = await session.scalar(select(func.count()).select_from(query.subquery()))
        rows = await session.scalars(
            query.order_by(col(AuditEntry.occurred_at), col(AuditEntry.id)).limit(limit).offset(offset)
        )
        items = [_entry_out(row) for row in rows]
    return {"total": total, "limit": limit, "offset": offset, "items": items}


def _entry_out(row: AuditEntry) -> dict[str, Any]:
    out = row.model_dump(mode="json", exclude={"id", "detail"})
    return {**out, "detail": orjson.loads(row.detail)}
