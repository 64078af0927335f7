"""Filing a generated month into archive the way its consumer does, for the archive tests."""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from datetime import datetime
from pathlib import Path

from tests.unit.service_runtime import service_runtime
from tousu_archive.app import SPEC
from tousu_archive.entries import add_entry
from tousu_archive.handlers import on_any_event
from tousu_archive.models import CaseFile
from tousu_archive.sample_month import LOCAL, MonthSpec, SampleMonth, default_estates, generate
from tousu_shared.contracts.events import CaseReviewed
from tousu_shared.delivery.consumer import HandlerContext
from tousu_shared.delivery.tenancy import TenancyCheck
from tousu_shared.runtime.service import Runtime

MONTH_START = datetime(2026, 11, 1, tzinfo=LOCAL)


async def file_month(rt: Runtime, month: SampleMonth) -> None:
    """What archive's consumer does with each event, in batches; then the reviews."""
    events, tenancy = month.events, TenancyCheck()
    for start in range(0, len(events), 2000):
        async with rt.sessions() as session, session.begin():
            tenancy.committed()
            ctx = HandlerContext(session, rt.clock, rt.topics, "t")
            for event in events[start : start + 2000]:
                assert await tenancy.check(session, event) is None
                await on_any_event(ctx, event)
    async with rt.sessions() as session, session.begin():
        for complaint_id, _, found, staff, at in month.reviews:
            case = await session.get(CaseFile, complaint_id)
            assert case is not None
            review = CaseReviewed(substantiated=found, staff=list(staff), by="qm-1")
            add_entry(session, rt.topics, case, review, at)


@asynccontextmanager
async def filed_archive(
    tmp_path: Path, now: datetime, cases: int = 120, seed: int = 3
) -> AsyncIterator[Runtime]:
    """An archive runtime holding a small generated month of group t1."""
    async with service_runtime(SPEC, tmp_path, now) as runtime:
        await file_month(
            runtime, generate(MonthSpec("t1", default_estates(), MONTH_START, cases=cases, seed=seed))
        )
        yield runtime
