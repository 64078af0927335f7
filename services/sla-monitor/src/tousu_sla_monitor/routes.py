"""Live views: one case's clocks with time left, and a department's queue by due time.

A person sees their own group's cases in the estates where they hold a role that reads
cases (policy ``case.read``); the operator names the group with ``?tenant=``.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any
from zoneinfo import ZoneInfo

import orjson
from litestar import Request, get
from litestar.exceptions import ClientException, NotFoundException
from litestar.params import Parameter
from sqlalchemy import select
from sqlmodel import col

from tousu_shared.identity import Principal
from tousu_shared.runtime.service import identity_of, runtime_of
from tousu_sla_monitor.models import SlaCase, SlaClockRun
from tousu_sla_monitor.store import regime_of, timeline_of

Tenant = Parameter(
    query="tenant", default=None, min_length=1, max_length=64, description="The property group (operator)"
)


def _tenant(request: Request[Any, Any, Any], who: Principal, tenant: str | None) -> str:
    group = identity_of(request).group(request, who, "case.read", tenant)
    assert group is not None
    return group


def _run_json(run: SlaClockRun, now: datetime, tz: ZoneInfo) -> dict[str, Any]:
    def local(t: datetime | None) -> str | None:
        return t.astimezone(tz).isoformat() if t else None

    left = (run.due_at - now).total_seconds() if run.is_open else None
    return {
        "complaint_id": run.complaint_id,
        "name": run.name,
        "owner": run.owner,
        "target": run.target,
        "status": run.status,
        "open": run.is_open,
        "started_at": local(run.started_at),
        "due_at": local(run.due_at),
        "not_before": local(run.not_before),
        "stopped_at": local(run.stopped_at),
        "warned_at": local(run.warned_at),
        "breached_at": local(run.breached_at),
        "paused_seconds": run.paused_seconds,
        "seconds_left": None if left is None else round(left),
    }


@get("/v1/cases/{complaint_id:str}/clocks", tags=["clocks"])
async def case_clocks(
    request: Request[Any, Any, Any], complaint_id: str, tenant: str | None = Tenant
) -> dict[str, Any]:
    """Every clock of one case (each run of a restarted clock), with time left, and its escalations."""
    who = await identity_of(request).caller(request)
    group = _tenant(request, who, tenant)
    rt = runtime_of(request)
    async with rt.sessions() as session:
        case = await session.get(SlaCase, complaint_id)
        if case is None or case.tenant_id != group:
            raise NotFoundException(f"no case {complaint_id} for tenant {group}")
        identity_of(request).require(request, who, "case.read", case.tenant_id, case.estate_id)
        runs = (
            await session.scalars(
                select(SlaClockRun)
                .where(col(SlaClockRun.complaint_id) == complaint_id)
                .order_by(col(SlaClockRun.run))
            )
        ).all()
    timeline = timeline_of(case, rt.state["calendar"])
    tz = ZoneInfo(regime_of(case.regime, case.regime_version).timezone) if case.regime else ZoneInfo("UTC")
    now = rt.clock.now()
    classification = orjson.loads(case.classification) if case.classification else None
    if timeline is not None:
        classification = timeline.reading
    return {
        "complaint_id": case.complaint_id,
        "tenant_id": case.tenant_id,
        "estate_id": case.estate_id,
        "regime": f"{case.regime}@{case.regime_version}" if case.regime else None,
        "classification": classification,
        "revision": timeline.revision if timeline else None,
        "state": case.state,
        "review_item": case.review_item,
        "actions": case.actions,
        "now": now.astimezone(tz).isoformat(),
        "next_due_at": case.next_due_at.astimezone(tz).isoformat() if case.next_due_at else None,
        "clocks": [_run_json(r, now, tz) for r in runs],
        "escalations": [e.to_json(tz) for e in timeline.engine.escalations] if timeline else [],
    }


@get("/v1/queues/{department:str}", tags=["clocks"])
async def department_queue(
    request: Request[Any, Any, Any],
    department: str,
    tenant: str | None = Tenant,
    estate: str | None = Parameter(query="estate", default=None, max_length=64),
    limit: int = Parameter(query="limit", default=100, ge=1, le=500),
    offset: int = Parameter(query="offset", default=0, ge=0),
) -> dict[str, Any]:
    """A department's open clocks, soonest due first (breached ones lead: they are past due)."""
    who, scope = await identity_of(request).scope(request, "case.read")
    group = _tenant(request, who, tenant)
    rt = runtime_of(request)
    query = select(SlaClockRun).where(
        col(SlaClockRun.tenant_id) == group,
        col(SlaClockRun.department) == department,
        col(SlaClockRun.is_open).is_(True),
    )
    if estate:
        query = query.where(col(SlaClockRun.estate_id) == estate)
    if scope.estates is not None:
        query = query.where(col(SlaClockRun.estate_id).in_(sorted(scope.estates)))
    query = query.order_by(col(SlaClockRun.due_at), col(SlaClockRun.complaint_id)).limit(limit).offset(offset)
    async with rt.sessions() as session:
        runs = (await session.scalars(query)).all()
    now = rt.clock.now()
    tz = ZoneInfo("Asia/Shanghai")
    return {
        "department": department,
        "now": now.astimezone(tz).isoformat(),
        "items": [_run_json(r, now, tz) for r in runs],
    }


@get("/v1/open-clocks", tags=["clocks"])
async def open_clocks(
    request: Request[Any, Any, Any],
    ids: str = Parameter(
        query="complaint_ids", min_length=1, max_length=200 * 65, description="comma-separated complaint ids"
    ),
    tenant: str | None = Tenant,
) -> dict[str, Any]:
    """The open clocks of up to 200 cases at once, soonest due first: what a work list shows
    beside each of its rows (a queue of work orders, the overdue cases)."""
    who, scope = await identity_of(request).scope(request, "case.read")
    group = _tenant(request, who, tenant)
    wanted = sorted({i.strip() for i in ids.split(",") if i.strip()})
    if len(wanted) > 200:
        raise ClientException(f"at most 200 complaint ids at once, not {len(wanted)}")
    query = select(SlaClockRun).where(
        col(SlaClockRun.tenant_id) == group,
        col(SlaClockRun.complaint_id).in_(wanted),
        col(SlaClockRun.is_open).is_(True),
    )
    if scope.estates is not None:
        query = query.where(col(SlaClockRun.estate_id).in_(sorted(scope.estates)))
    rt = runtime_of(request)
    async with rt.sessions() as session:
        runs = (await session.scalars(query.order_by(col(SlaClockRun.due_at)))).all()
    now = rt.clock.now()
    tz = ZoneInfo("Asia/Shanghai")
    return {"now": now.astimezone(tz).isoformat(), "items": [_run_json(r, now, tz) for r in runs]}
