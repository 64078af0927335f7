"""The monthly run: on the 1st archive issues last month's group report of every group, once
(a restart the same day issues nothing twice), kept in both formats and announced."""

from __future__ import annotations

from collections.abc import AsyncIterator
from datetime import UTC, datetime
from pathlib import Path

import pytest

from tests.unit.archive.filing import filed_archive
from tests.unit.service_runtime import outbox
from tousu_archive.reports.issue import issue_monthly
from tousu_archive.reports.period import LOCAL
from tousu_shared.clock import VirtualClock
from tousu_shared.runtime.service import Runtime


@pytest.fixture
async def rt(tmp_path: Path) -> AsyncIterator[Runtime]:
    async with filed_archive(tmp_path, datetime(2026, 11, 20, tzinfo=UTC), cases=40) as runtime:
        yield runtime


async def test_the_first_of_the_month_issues_last_months_report_once(rt: Runtime) -> None:
    clock = rt.clock
    assert isinstance(clock, VirtualClock)
    clock.set(datetime(2026, 12, 1, 0, 5, tzinfo=LOCAL))
    [report] = await issue_monthly(rt)
    assert (report.tenant_id, report.kind, report.scope, report.period) == (
        "t1",
        "monthly",
        "group",
        "2026-11",
    )
    assert report.pdf.startswith(b"%PDF") and report.xlsx.startswith(b"PK")
    assert await issue_monthly(rt) == [], "issued once, however often the run looks"
    issued = [e for _, e in await outbox(rt) if e.type == "ReportIssued"]
    assert [(e.payload["period"], e.payload["cases"] > 0) for e in issued] == [("2026-11", True)]
    assert issued[0].estate_id.startswith("estate-"), "an estate of the group, for consumers' tenancy check"
