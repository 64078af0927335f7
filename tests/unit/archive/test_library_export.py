"""The case library (anonymised entries, searchable group-wide) and the auditors' exports."""

from __future__ import annotations

import zipfile
from collections.abc import AsyncIterator
from datetime import UTC, datetime
from io import BytesIO
from pathlib import Path

import orjson
import pypdfium2 as pdfium
import pytest
from litestar import Litestar
from litestar.testing import AsyncTestClient
from sqlmodel import select

from tests.unit.archive.filing import filed_archive
from tests.unit.service_runtime import audit_records, person, routes_client
from tousu_archive.models import CaseFile
from tousu_shared.runtime.service import Runtime

NOW = datetime(2026, 12, 6, tzinfo=UTC)
TOKEN = "archive-library-token"


@pytest.fixture
async def rt(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> AsyncIterator[Runtime]:
    monkeypatch.setenv("TOUSU_ADMIN_TOKEN", TOKEN)
    async with filed_archive(tmp_path, NOW, cases=60) as runtime:
        yield runtime


@pytest.fixture
async def client(rt: Runtime) -> AsyncIterator[AsyncTestClient[Litestar]]:
    async with routes_client(rt, {}) as test_client:
        yield test_client


async def closed_cases(rt: Runtime) -> list[CaseFile]:
    async with rt.sessions() as session:
        return [c for c in await session.scalars(select(CaseFile)) if c.status == "closed"]


ENTRY = {
    "title": "楼上漏水反复发生，一次修好后回访仍不满意",
    "summary": "住户反映卫生间顶部渗水，工程部当日上门，更换楼上防水层，三天后复查无渗水。",
    "lesson": "防水问题先查楼上，维修后一周内复查一次。",
}


async def test_a_typical_case_is_searchable_across_the_group_but_not_by_another(
    rt: Runtime, client: AsyncTestClient[Litestar]
) -> None:
    case = (await closed_cases(rt))[0]
    head = person(rt, "sh-1", f"station_head@{case.estate_id}")
    r = await client.put(f"/v1/library/{case.complaint_id}", json=ENTRY, headers=head)
    assert r.status_code == 200, r.text
    other_estate = "estate-99" if case.estate_id != "estate-99" else "estate-98"
    reader = person(rt, "eng-9", f"engineering@{other_estate}")  # another estate of the same group
    r = await client.get("/v1/library", params={"q": "防水"}, headers=reader)
    assert [e["complaint_id"] for e in r.json()["items"]] == [case.complaint_id]
    assert r.json()["items"][0]["topic"] == case.topic
    outsider = person(rt, "eng-x", "engineering@other-1", tenant="t2")
    r = await client.get("/v1/library", headers=outsider)
    assert r.status_code == 200 and r.json()["items"] == []
    engineer = person(rt, "eng-1", f"engineering@{case.estate_id}")
    r = await client.put(f"/v1/library/{case.complaint_id}", json=ENTRY, headers=engineer)
    assert r.status_code == 403
    assert [a.payload["detail"] for a in await audit_records(rt)] == [{"library": "marked"}]


@pytest.mark.parametrize(
    ("summary", "what"),
    [
        ("7-1-1103 住户反映渗水，工程部当日上门处理完毕", "a room number"),
        ("住户王先生 13812345678 反映渗水，已处理完毕", "a phone number"),
        ("3号楼1201室住户反映渗水，已处理完毕", "a room number"),
    ],
)
async def test_a_library_entry_with_personal_data_is_refused(
    rt: Runtime, client: AsyncTestClient[Litestar], summary: str, what: str
) -> None:
    case = (await closed_cases(rt))[0]
    head = person(rt, "sh-1", f"station_head@{case.estate_id}")
    r = await client.put(f"/v1/library/{case.complaint_id}", json=ENTRY | {"summary": summary}, headers=head)
    assert r.status_code == 400 and what in r.text, r.text


async def test_a_case_exports_as_json_and_pdf(rt: Runtime, client: AsyncTestClient[Litestar]) -> None:
    case = (await closed_cases(rt))[0]
    manager = person(rt, "qm-1", f"quality_manager@{case.estate_id}")
    r = await client.get(f"/v1/complaints/{case.complaint_id}/export.zip", headers=manager)
    assert r.status_code == 200 and r.headers["content-type"] == "application/zip", r.text
    with zipfile.ZipFile(BytesIO(r.content)) as archive:
        assert sorted(archive.namelist()) == ["case.json", "case.pdf", "manifest.json"]
        record = orjson.loads(archive.read("case.json"))
        pdf = pdfium.PdfDocument(archive.read("case.pdf"))
        manifest = orjson.loads(archive.read("manifest.json"))
    assert (
        record["complaint_id"] == case.complaint_id and record["timeline"][0]["type"] == "ComplaintReceived"
    )
    text = "".join(pdf[i].get_textpage().get_text_range() for i in range(len(pdf)))
    assert f"案件档案 {case.complaint_id}" in text and "ComplaintResolved" in text
    assert manifest["by"] == "qm-1" and set(manifest["files"]) == {"case.json", "case.pdf"}
    assert [a.payload["action"] for a in await audit_records(rt)] == ["export"]


async def test_a_month_exports_every_case_with_its_report(
    rt: Runtime, client: AsyncTestClient[Litestar]
) -> None:
    manager = person(rt, "qm-1", "quality_manager@*")
    r = await client.get("/v1/exports/2026-11.zip", headers=manager)
    assert r.status_code == 200, r.text
    with zipfile.ZipFile(BytesIO(r.content)) as archive:
        names = sorted(archive.namelist())
        lines = archive.read("cases.jsonl").splitlines()
        report = orjson.loads(archive.read("report.json"))
    assert names == ["cases.jsonl", "manifest.json", "report.json", "report.pdf", "report.xlsx"]
    assert len(lines) == report["totals"]["cases"] + report["totals"]["rejected"]
    r = await client.get("/v1/exports/2026-11.zip", headers=person(rt, "eng-1", "engineering@*"))
    assert r.status_code == 403
