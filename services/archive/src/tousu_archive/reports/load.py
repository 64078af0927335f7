"""What a report reads from the archive: the period's case files, their clock runs, the
reviews of the ladder's window, and which estates a scope covers."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy.ext.asyncio import AsyncSession
from sqlmodel import col, select

from tousu_archive.models import CaseFile, ClockRun, ReportRegion
from tousu_archive.reports.figures import CaseRow, Finding, RunRow
from tousu_shared.delivery.tables import EstateTenant


class ScopeError(ValueError):
    """A scope that names nothing: an unknown region, a malformed scope."""


@dataclass(frozen=True)
class Scope:
    tenant_id: str
    kind: str  # group, region or estate
    name: str | None
    estates: tuple[str, ...]

    @property
    def label(self) -> str:
        return self.kind if self.name is None else f"{self.kind}:{self.name}"


async def resolve_scope(session: AsyncSession, tenant_id: str, scope: str) -> Scope:
    """``group`` (every estate of the group), ``region:<name>`` or ``estate:<id>``."""
    kind, _, name = scope.strip().partition(":")
    if kind == "group" and not name:
        rows = await session.scalars(
            select(EstateTenant.estate_id).where(EstateTenant.tenant_id == tenant_id)
        )
        return Scope(tenant_id, "group", None, tuple(sorted(rows)))
    if kind == "region" and name:
        rows = await session.scalars(
            select(ReportRegion.estate_id).where(
                ReportRegion.tenant_id == tenant_id, ReportRegion.region == name
            )
        )
        estates = tuple(sorted(rows))
        if not estates:
            raise ScopeError(f"no region {name!r} in this group (PUT /v1/regions/{name} defines it)")
        return Scope(tenant_id, "region", name, estates)
    if kind == "estate" and name:
        return Scope(tenant_id, "estate", name, (name,))
    raise ScopeError(f"scope {scope!r}: group, region:<name> or estate:<id>")


async def load_cases(
    session: AsyncSession, scope: Scope, start: datetime, end: datetime
) -> tuple[list[CaseRow], int]:
    """The scope's cases received in [start, end), and how many of them were rejected."""
    rows = await session.scalars(
        select(CaseFile).where(
            CaseFile.tenant_id == scope.tenant_id,
            col(CaseFile.estate_id).in_(scope.estates),
            col(CaseFile.received_at) >= start,
            col(CaseFile.received_at) < end,
        )
    )
    cases, rejected = [], 0
    for row in rows:
        if row.status == "rejected":
            rejected += 1
            continue
        assert row.received_at is not None  # the query's bounds
        cases.append(
            CaseRow(
                complaint_id=row.complaint_id,
                estate_id=row.estate_id,
                status=row.status,
                received_at=row.received_at,
                category=row.category,
                topic=row.topic,
                department=row.department,
                building=row.building,
                closed_at=row.closed_at,
                resolved_at=row.resolved_at,
                satisfaction=row.satisfaction,
                reopened=row.reopened,
                breaches=row.breaches,
            )
        )
    return cases, rejected


async def load_runs(session: AsyncSession, scope: Scope, cases: list[CaseRow]) -> list[RunRow]:
    department_of = {c.complaint_id: c.department for c in cases}
    runs: list[RunRow] = []
    ids = sorted(department_of)
    for chunk in range(0, len(ids), 1000):  # bounded IN lists
        rows = await session.scalars(
            select(ClockRun).where(
                ClockRun.tenant_id == scope.tenant_id,
                col(ClockRun.complaint_id).in_(ids[chunk : chunk + 1000]),
            )
        )
        runs.extend(
            RunRow(r.complaint_id, r.clock, r.department or department_of[r.complaint_id], r.outcome)
            for r in rows
        )
    return runs


async def load_findings(
    session: AsyncSession, scope: Scope, end: datetime, window_days: int
) -> list[Finding]:
    rows = await session.scalars(
        select(CaseFile).where(
            CaseFile.tenant_id == scope.tenant_id,
            col(CaseFile.estate_id).in_(scope.estates),
            col(CaseFile.substantiated).is_(True),
            col(CaseFile.received_at) >= end - timedelta(days=window_days),
            col(CaseFile.received_at) < end,
        )
    )
    return [Finding(r.received_at, tuple(r.staff())) for r in rows if r.received_at is not None]
