"""A report, read from the archive and put together: its figures with what they cover."""

from __future__ import annotations

from datetime import datetime
from functools import cache
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession

from tousu_archive.reports.figures import Rules, daily_figures, monthly_figures
from tousu_archive.reports.load import Scope, load_cases, load_findings, load_runs, resolve_scope
from tousu_archive.reports.period import Period


@cache
def rulebook_rules() -> Rules:
    return Rules.from_rulebooks()


async def build_report(
    session: AsyncSession, tenant_id: str, scope: str | Scope, period: Period, now: datetime
) -> dict[str, Any]:
    """The report of ``scope`` (group, region:<name>, estate:<id>) over ``period``."""
    rules = rulebook_rules()
    where = scope if isinstance(scope, Scope) else await resolve_scope(session, tenant_id, scope)
    cases, rejected = await load_cases(session, where, period.start, period.end)
    if period.kind == "daily":
        figures = daily_figures(cases, rejected=rejected)
    else:
        runs = await load_runs(session, where, cases)
        findings = await load_findings(session, where, period.end, rules.ladder_window_days)
        figures = monthly_figures(
            cases,
            runs,
            findings,
            period_start=period.start,
            period_end=period.end,
            rules=rules,
            rejected=rejected,
        )
    return {
        "kind": period.kind,
        "period": period.label,
        "title": period.title(),
        "tenant_id": tenant_id,
        "scope": where.label,
        "estates": list(where.estates),
        "generated_at": now.isoformat(),
        "rules": {
            "hot_spot_complaints": rules.hot_spot_complaints,
            "ladder_window_days": rules.ladder_window_days,
            "ladder": list(rules.ladder),
        },
        **figures,
    }
