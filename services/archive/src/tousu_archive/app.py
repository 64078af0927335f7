"""The archive service process."""

from __future__ import annotations

from typing import Any

from sqlalchemy import event
from sqlalchemy.ext.asyncio import AsyncEngine

from tousu_archive.audit import audit_topics, list_audit, on_audit_event
from tousu_archive.entries_api import correct_case, hold_case, review_case
from tousu_archive.escalations_api import list_escalations
from tousu_archive.export import export_case, export_month
from tousu_archive.handlers import on_any_event
from tousu_archive.library import mark_typical, search_library, unmark_typical
from tousu_archive.models import CaseFile, ClockRun
from tousu_archive.purge import retention_runs
from tousu_archive.reports.api import (
    get_issued,
    get_report,
    list_regions,
    list_reports,
    post_report,
    put_region,
)
from tousu_archive.reports.issue import monthly_reports
from tousu_archive.routes import get_case, household_dossier, list_cases
from tousu_archive.settings import ArchiveSettings
from tousu_shared.contracts.topics import Topics
from tousu_shared.runtime.service import Runtime, ServiceSpec, Subscription, serve


def _every_topic(topics: Topics, regimes: list[str]) -> list[str]:
    return [topics.received(r) for r in regimes] + [
        topics.triaged,
        topics.workorders,
        topics.sla,
        topics.callbacks,
    ]


def setup(rt: Runtime) -> None:
    rt.state["settings"] = settings = ArchiveSettings()
    plan_each_query(rt.engine)
    if settings.monthly_reports:
        rt.background.append(monthly_reports)
    rt.background.append(retention_runs)


def plan_each_query(engine: AsyncEngine) -> None:
    """PostgreSQL plans each case-list query for its own values: a generic plan (what a
    prepared statement gets after five runs) asks the bigram index for a common word such
    as 漏水 across all groups even when one estate's cases are far fewer (50 ms, not 8)."""
    if engine.dialect.name != "postgresql":
        return

    @event.listens_for(engine.sync_engine, "connect")
    def _custom_plans(dbapi_connection: Any, _record: Any) -> None:
        dbapi_connection.run_async(lambda conn: conn.execute("SET plan_cache_mode = force_custom_plan"))


SPEC = ServiceSpec(
    name="archive",
    title="Tousu archive",
    migrations="tousu_archive.migrations",
    writes=lambda topics, regimes: [topics.archive, topics.audit("archive")],
    subscriptions=[
        Subscription("archive", _every_topic, on_any_event, preloads=(CaseFile, ClockRun)),
        Subscription("archive-audit", audit_topics, on_audit_event),
    ],
    routes=[
        get_case,
        list_cases,
        list_escalations,
        household_dossier,
        list_audit,
        get_report,
        post_report,
        list_reports,
        get_issued,
        put_region,
        list_regions,
        review_case,
        correct_case,
        hold_case,
        mark_typical,
        unmark_typical,
        search_library,
        export_case,
        export_month,
    ],
    setup=setup,
)


def main() -> None:
    serve(SPEC)


if __name__ == "__main__":
    main()
