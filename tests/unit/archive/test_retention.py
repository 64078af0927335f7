"""Retention under a virtual clock: three years after a case ended its personal data is gone
from the case file and the timeline, an audit record and a CasePurged entry remain, a case
on legal hold is untouched, open cases are kept, and last month's figures still add up."""

from __future__ import annotations

from collections.abc import AsyncIterator
from datetime import UTC, datetime, timedelta
from pathlib import Path

import orjson
import pytest
import sqlalchemy as sa
from litestar import Litestar
from litestar.testing import AsyncTestClient
from sqlmodel import col, select

from tests.unit.archive.filing import filed_archive
from tests.unit.service_runtime import audit_records, outbox, person, routes_client
from tousu_archive.models import CaseEvent, CaseFile
from tousu_archive.purge import purge_due
from tousu_archive.reports.build import build_report
from tousu_archive.reports.period import month
from tousu_archive.retention import add_years
from tousu_shared.clock import VirtualClock
from tousu_shared.runtime.service import Runtime

NOW = datetime(2026, 12, 6, tzinfo=UTC)
TOKEN = "archive-retention-token"


@pytest.fixture
async def rt(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> AsyncIterator[Runtime]:
    monkeypatch.setenv("TOUSU_ADMIN_TOKEN", TOKEN)
    async with filed_archive(tmp_path, NOW) as runtime:
        yield runtime


@pytest.fixture
async def client(rt: Runtime) -> AsyncIterator[AsyncTestClient[Litestar]]:
    async with routes_client(rt, {}) as test_client:
        yield test_client


async def files(rt: Runtime) -> dict[str, CaseFile]:
    async with rt.sessions() as session:
        return {c.complaint_id: c for c in await session.scalars(select(CaseFile))}


async def received_payload(rt: Runtime, complaint_id: str) -> dict[str, object]:
    async with rt.sessions() as session:
        row = await session.scalar(
            select(CaseEvent).where(
                col(CaseEvent.complaint_id) == complaint_id,
                col(CaseEvent.type).in_(["ComplaintReceived", "ComplaintRejected"]),
            )
        )
        assert row is not None
        return dict(orjson.loads(row.payload))


async def test_after_three_years_personal_data_is_gone_but_the_case_and_its_audit_remain(
    rt: Runtime, client: AsyncTestClient[Litestar]
) -> None:
    before = await files(rt)
    ended = {k: c for k, c in before.items() if c.closed_at is not None}
    still_open = set(before) - set(ended)
    held = sorted(k for k, c in ended.items() if c.status == "closed")[0]
    r = await client.post(
        f"/v1/complaints/{held}/hold",
        json={"hold": True, "reason": "业主已起诉，诉讼保全"},
        headers=person(rt, "lc-1", f"legal_compliance@{before[held].estate_id}"),
    )
    assert r.status_code == 201, r.text
    r = await client.post(
        f"/v1/complaints/{held}/hold",
        json={"hold": True, "reason": "x"},
        headers=person(rt, "eng-1", f"engineering@{before[held].estate_id}"),
    )
    assert r.status_code == 403
    figures_before = await report_totals(rt)

    clock = rt.clock
    assert isinstance(clock, VirtualClock)
    last_closed = max(c.closed_at for c in ended.values() if c.closed_at)
    clock.set(add_years(last_closed, 3) - timedelta(days=1))
    early = {k for k, c in ended.items() if c.closed_at and add_years(c.closed_at, 3) <= clock.now()}
    assert set(await purge_due(rt, 10_000)) == early - {held}, "only what three years have passed for"
    clock.set(add_years(last_closed, 3) + timedelta(seconds=1))
    await purge_due(rt, 10_000)

    after = await files(rt)
    for cid in set(ended) - {held}:
        case = after[cid]
        assert case.purged_at is not None and case.summary is None and case.room is None, cid
        payload = await received_payload(rt, cid)
        assert payload.get("text") is None and payload.get("contact") is None and payload["room"] is None
        assert case.category == before[cid].category and case.closed_at == before[cid].closed_at
    assert after[held].purged_at is None and after[held].summary == before[held].summary
    assert (await received_payload(rt, held))["text"] == before[held].summary
    assert all(after[cid].purged_at is None and after[cid].summary for cid in still_open)

    purged_events = [e for t, e in await outbox(rt) if e.type == "CasePurged"]
    assert {e.complaint_id for e in purged_events} == set(ended) - {held}
    audits = [e for e in await audit_records(rt) if e.payload["action"] == "case.purge"]
    assert {e.complaint_id for e in audits} == set(ended) - {held}
    assert all(e.payload["detail"]["retention_years"] == 3 for e in audits)
    assert await report_totals(rt) == figures_before, "past months' figures survive the purge"

    r = await client.get(f"/v1/complaints/{held}", headers={"authorization": f"Bearer {TOKEN}"})
    assert r.json()["legal_hold"] is True
    assert [e["type"] for e in r.json()["timeline"]][-1] == "LegalHoldChanged"


async def test_the_timeline_is_append_only(rt: Runtime) -> None:
    async with rt.engine.begin() as conn:
        with pytest.raises(sa.exc.DatabaseError, match="append-only"):
            await conn.execute(sa.text("DELETE FROM case_events WHERE id = 1"))
    async with rt.engine.begin() as conn:
        with pytest.raises(sa.exc.DatabaseError, match="append-only"):
            await conn.execute(sa.text("UPDATE case_events SET payload = '{}' WHERE id = 1"))
    async with rt.engine.begin() as conn:  # a redaction, once
        await conn.execute(
            sa.text("UPDATE case_events SET payload = '{}', redacted_at = '2030-01-01' WHERE id = 1")
        )
    async with rt.engine.begin() as conn:
        with pytest.raises(sa.exc.DatabaseError, match="append-only"):
            await conn.execute(sa.text("UPDATE case_events SET payload = '{\"a\": 1}' WHERE id = 1"))


async def test_a_review_is_a_new_entry_and_feeds_the_ladder(
    rt: Runtime, client: AsyncTestClient[Litestar]
) -> None:
    case = next(c for c in (await files(rt)).values() if c.status == "closed")
    manager = person(rt, "qm-1", f"quality_manager@{case.estate_id}")
    r = await client.post(
        f"/v1/complaints/{case.complaint_id}/review",
        json={"substantiated": True, "staff": ["zhang-3"], "note": "服务态度问题属实"},
        headers=manager,
    )
    assert r.status_code == 201, r.text
    assert r.json()["substantiated"] is True and r.json()["staff_involved"] == "zhang-3"
    r = await client.post(
        f"/v1/complaints/{case.complaint_id}/corrections",
        json={"field": "category", "value": "customer-service", "reason": "误分类"},
        headers=manager,
    )
    assert r.status_code == 201 and r.json()["category"] == "customer-service"
    r = await client.post(
        f"/v1/complaints/{case.complaint_id}/corrections",
        json={"field": "status", "value": "open", "reason": "x"},
        headers=manager,
    )
    assert r.status_code == 400 and "topic, category, department, room" in r.text
    async with rt.sessions() as session:
        report = await build_report(session, "t1", "group", month("2026-11"), rt.clock.now())
    assert {"staff_id": "zhang-3", "substantiated": 1, "rung": "talk", "rung_name": "谈心教育"} in report[
        "staff_ladder"
    ]


async def report_totals(rt: Runtime) -> dict[str, object]:
    async with rt.sessions() as session:
        report = await build_report(session, "t1", "group", month("2026-11"), rt.clock.now())
    return dict(report["totals"])
