"""Issuing a report: made, rendered in both formats, kept, and announced; and the monthly
run that issues last month's group report for every group on the 1st."""

from __future__ import annotations

import asyncio
from datetime import datetime
from typing import TYPE_CHECKING, Any

import orjson
from sqlalchemy.ext.asyncio import AsyncSession
from sqlmodel import col, select

from tousu_archive.models import StoredReport
from tousu_archive.reports.build import build_report
from tousu_archive.reports.load import Scope, resolve_scope
from tousu_archive.reports.pdf import render_pdf
from tousu_archive.reports.period import Period, previous_month
from tousu_archive.reports.xlsx import render_xlsx
from tousu_shared.contracts.envelope import Envelope
from tousu_shared.contracts.events import ReportIssued
from tousu_shared.contracts.topics import Topics
from tousu_shared.delivery.outbox import add_event
from tousu_shared.delivery.tables import EstateTenant
from tousu_shared.ids import new_id
from tousu_shared.logging import get_logger

if TYPE_CHECKING:
    from tousu_shared.runtime.service import Runtime

log = get_logger(__name__)


def render(report: dict[str, Any], fmt: str) -> bytes:
    return render_xlsx(report) if fmt == "xlsx" else render_pdf(report)


async def issue_report(
    session: AsyncSession, topics: Topics, scope: Scope, period: Period, now: datetime
) -> StoredReport:
    report = await build_report(session, scope.tenant_id, scope, period, now)
    xlsx, pdf = await asyncio.to_thread(lambda: (render_xlsx(report), render_pdf(report)))
    stored = await session.scalar(
        select(StoredReport).where(
            StoredReport.tenant_id == scope.tenant_id,
            StoredReport.kind == period.kind,
            StoredReport.scope == scope.label,
            StoredReport.period == period.label,
        )
    )
    if stored is None:
        stored = StoredReport(
            report_id=new_id(),
            tenant_id=scope.tenant_id,
            kind=period.kind,
            scope=scope.label,
            period=period.label,
            created_at=now,
            figures="",
            xlsx=b"",
            pdf=b"",
        )
        session.add(stored)
    report["report_id"] = stored.report_id
    stored.created_at, stored.figures, stored.xlsx, stored.pdf = now, orjson.dumps(report).decode(), xlsx, pdf
    payload = ReportIssued(
        report_id=stored.report_id,
        kind=period.kind,
        scope=scope.label,
        period=period.label,
        cases=report["totals"]["cases"],
    )
    event = Envelope.new(
        payload=payload,
        occurred_at=now,
        tenant_id=scope.tenant_id,
        estate_id=scope.estates[0],  # an estate of the group: consumers check each estate's group
        complaint_id=f"report:{stored.report_id}",
    )
    add_event(session, topics.archive, event, now)
    return stored


async def issue_monthly(rt: Runtime) -> list[StoredReport]:
    """Last month's group report of every group that has none yet."""
    now = rt.clock.now()
    which = previous_month(now)
    issued = []
    async with rt.sessions() as session, session.begin():
        groups = sorted(set(await session.scalars(select(EstateTenant.tenant_id))))
        done = set(
            await session.scalars(
                select(StoredReport.tenant_id).where(
                    col(StoredReport.kind) == "monthly",
                    col(StoredReport.scope) == "group",
                    col(StoredReport.period) == which.label,
                )
            )
        )
        for group in groups:
            if group in done:
                continue
            scope = await resolve_scope(session, group, "group")
            issued.append(await issue_report(session, rt.topics, scope, which, now))
            log.info("monthly report issued", tenant=group, period=which.label)
    return issued


async def monthly_reports(rt: Runtime) -> None:
    """Background job: every ``report_check_seconds``, issue last month's reports not yet
    issued (so a service that was down on the 1st catches up when it comes back)."""
    interval = rt.state["settings"].report_check_seconds
    while True:
        try:
            await issue_monthly(rt)
        except Exception:
            log.exception("monthly report run failed")
        await asyncio.sleep(interval)
