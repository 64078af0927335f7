"""The reports' HTTP API: a report on demand (JSON, XLSX or PDF), the issued ones, regions.

A report covers a group, a region of it or one estate; the caller must hold ``report.read``
in every estate it covers (a group report: a group-wide role such as quality_manager@*).
"""

from __future__ import annotations

from typing import Annotated, Any

import orjson
from litestar import Request, Response, get, post, put
from litestar.exceptions import NotFoundException, ServiceUnavailableException, ValidationException
from litestar.params import Parameter
from sqlalchemy import delete
from sqlalchemy.ext.asyncio import AsyncSession
from sqlmodel import col, select

from tousu_archive.models import ReportRegion, StoredReport
from tousu_archive.reports.build import build_report
from tousu_archive.reports.issue import issue_report, render
from tousu_archive.reports.load import Scope, ScopeError, resolve_scope
from tousu_archive.reports.period import PeriodError, period
from tousu_shared.clean import CleanModel
from tousu_shared.delivery.tables import EstateTenant
from tousu_shared.identity.principal import Principal
from tousu_shared.identity.web import Scope as IdentityScope
from tousu_shared.pdf_fonts import FormFontError
from tousu_shared.runtime.service import identity_of, runtime_of

_FORMATS = ("json", "xlsx", "pdf")
_MEDIA = {
    "xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    "pdf": "application/pdf",
}


class RegionIn(CleanModel):
    estates: Annotated[
        list[Annotated[str, Parameter(min_length=1, max_length=64)]], Parameter(min_length=1, max_length=1000)
    ]


class ReportRequest(CleanModel):
    period: str
    scope: str = "group"


async def readable_scope(
    request: Request[Any, Any, Any], session: AsyncSession, tenant_id: str | None, scope: str
) -> tuple[Principal, Scope]:
    """The scope the caller may read: every estate of it must be theirs to report on."""
    identity = identity_of(request)
    who = await identity.caller(request)
    group = identity.group(request, who, "report.read", tenant_id, param="tenant_id")
    assert group is not None  # required
    kind, _, name = scope.partition(":")
    if kind == "estate" and name:  # another group's estate is a 404, like its cases
        owner = await session.get(EstateTenant, name)
        identity.require(request, who, "report.read", owner.tenant_id if owner else group, name)
    try:
        where = await resolve_scope(session, group, scope)
    except ScopeError as exc:
        raise NotFoundException(str(exc)) from None
    for estate in where.estates or (None,):
        identity.require(request, who, "report.read", group, estate)
    return who, where


async def _reader(request: Request[Any, Any, Any], tenant_id: str | None) -> tuple[str | None, IdentityScope]:
    """The group a caller reads reports of, and the estates where they may."""
    identity = identity_of(request)
    who, allowed = await identity.scope(request, "report.read")
    return identity.group(request, who, "report.read", tenant_id, param="tenant_id"), allowed


def period_of(kind: str, label: str) -> Any:
    try:
        return period(kind, label)
    except PeriodError as exc:
        raise ValidationException(str(exc)) from None


def _respond(
    report: dict[str, Any], fmt: str, xlsx: bytes | None = None, pdf: bytes | None = None
) -> Response[Any]:
    if fmt == "json":
        return Response(report)
    try:
        body = (
            xlsx
            if fmt == "xlsx" and xlsx is not None
            else pdf
            if fmt == "pdf" and pdf is not None
            else render(report, fmt)
        )
    except FormFontError as exc:
        raise ServiceUnavailableException(str(exc)) from None
    name = f"tousu-{report['kind']}-{report['scope'].replace(':', '-')}-{report['period']}.{fmt}"
    return Response(
        body, media_type=_MEDIA[fmt], headers={"content-disposition": f'attachment; filename="{name}"'}
    )


@get("/v1/reports/{kind:str}", tags=["reports"])
async def get_report(
    request: Request[Any, Any, Any],
    kind: str,
    period: Annotated[str, Parameter(description="monthly: 2026-11; daily: 2026-11-05")],
    of: Annotated[str, Parameter(query="scope", description="group, region:<name> or estate:<id>")] = "group",
    format: Annotated[str, Parameter(description="json, xlsx or pdf")] = "json",
    tenant_id: str | None = None,
) -> Response[Any]:
    """A monthly or daily report, made now from the archive (nothing is stored)."""
    if format not in _FORMATS:
        raise ValidationException(f"format {format!r}: one of {', '.join(_FORMATS)}")
    which = period_of(kind, period)
    rt = runtime_of(request)
    async with rt.sessions() as session:
        _, where = await readable_scope(request, session, tenant_id, of)
        report = await build_report(session, where.tenant_id, where, which, rt.clock.now())
    return _respond(report, format)


@post("/v1/reports/{kind:str}", tags=["reports"], status_code=201)
async def post_report(
    request: Request[Any, Any, Any], kind: str, data: ReportRequest, tenant_id: str | None = None
) -> dict[str, Any]:
    """Make a report and keep it (XLSX and PDF), as the monthly run does; a second one for the
    same period and scope replaces the first. Announced as ``ReportIssued`` on archive.events."""
    which = period_of(kind, data.period)
    rt = runtime_of(request)
    async with rt.sessions() as session, session.begin():
        _, where = await readable_scope(request, session, tenant_id, data.scope)
        try:
            stored = await issue_report(session, rt.topics, where, which, rt.clock.now())
        except FormFontError as exc:
            raise ServiceUnavailableException(str(exc)) from None
    return _issued_out(stored)


@get("/v1/reports", tags=["reports"])
async def list_reports(request: Request[Any, Any, Any], tenant_id: str | None = None) -> dict[str, Any]:
    """The reports issued for the group, newest first (those the caller may read)."""
    group, allowed = await _reader(request, tenant_id)
    rt = runtime_of(request)
    async with rt.sessions() as session:
        rows = await session.scalars(
            select(StoredReport)
            .where(StoredReport.tenant_id == group)
            .order_by(col(StoredReport.created_at).desc())
        )
        items = []
        for row in rows:
            estates = orjson.loads(row.figures)["estates"]
            if allowed.estates is None or set(estates) <= allowed.estates:
                items.append(_issued_out(row))
    return {"items": items}


@get("/v1/reports/issued/{report_id:str}", tags=["reports"])
async def get_issued(request: Request[Any, Any, Any], report_id: str, format: str = "json") -> Response[Any]:
    """An issued report, as it was made."""
    if format not in _FORMATS:
        raise ValidationException(f"format {format!r}: one of {', '.join(_FORMATS)}")
    rt = runtime_of(request)
    async with rt.sessions() as session:
        row = await session.get(StoredReport, report_id)
        if row is None:
            raise NotFoundException(f"no report {report_id!r}")
        report = orjson.loads(row.figures)
        who = await identity_of(request).caller(request)
        for estate in report["estates"] or (None,):
            identity_of(request).require(request, who, "report.read", row.tenant_id, estate)
    return _respond(report, format, xlsx=row.xlsx, pdf=row.pdf)


def _issued_out(row: StoredReport) -> dict[str, Any]:
    return {
        "report_id": row.report_id,
        "kind": row.kind,
        "scope": row.scope,
        "period": row.period,
        "created_at": row.created_at.isoformat(),
        "links": {fmt: f"/v1/reports/issued/{row.report_id}?format={fmt}" for fmt in _FORMATS},
    }


@put("/v1/regions/{region:str}", tags=["reports"])
async def put_region(
    request: Request[Any, Any, Any], region: str, data: RegionIn, tenant_id: str | None = None
) -> dict[str, Any]:
    """Define a region (区域) of the group as a list of its estates, for regional reports."""
    identity = identity_of(request)
    who = await identity.caller(request)
    group = identity.group(request, who, "region.write", tenant_id, param="tenant_id")
    assert group is not None  # required
    if not 1 <= len(region) <= 64:
        raise ValidationException("a region's name has 1 to 64 characters")
    rt = runtime_of(request)
    async with rt.sessions() as session, session.begin():
        estates = sorted(set(data.estates))
        owners = {
            row.estate_id: row.tenant_id
            for row in await session.scalars(
                select(EstateTenant).where(col(EstateTenant.estate_id).in_(estates))
            )
        }
        unknown = [e for e in estates if owners.get(e) != group]
        if unknown:
            raise ValidationException(
                f"not estates of this group (or none of its cases filed yet): {', '.join(unknown)}"
            )
        for estate in estates:
            identity.require(request, who, "region.write", group, estate)
        await session.execute(
            delete(ReportRegion).where(
                col(ReportRegion.tenant_id) == group, col(ReportRegion.region) == region
            )
        )
        session.add_all(ReportRegion(tenant_id=group, region=region, estate_id=e) for e in estates)
    return {"tenant_id": group, "region": region, "estates": estates}


@get("/v1/regions", tags=["reports"])
async def list_regions(request: Request[Any, Any, Any], tenant_id: str | None = None) -> dict[str, Any]:
    group, _ = await _reader(request, tenant_id)
    rt = runtime_of(request)
    async with rt.sessions() as session:
        rows = await session.scalars(select(ReportRegion).where(ReportRegion.tenant_id == group))
        regions: dict[str, list[str]] = {}
        for row in rows:
            regions.setdefault(row.region, []).append(row.estate_id)
    return {
        "tenant_id": group,
        "regions": [{"region": k, "estates": sorted(v)} for k, v in sorted(regions.items())],
    }
