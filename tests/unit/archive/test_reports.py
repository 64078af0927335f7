"""A generated month of traffic (every regime, eight estates, a few thousand cases) filed by
archive's consumer; the monthly report's figures against the same figures recomputed here,
independently, from the raw events; the XLSX and PDF as a reader opens them."""

from __future__ import annotations

import asyncio
import shutil
from collections import Counter, defaultdict
from collections.abc import AsyncIterator
from datetime import UTC, datetime, timedelta
from io import BytesIO
from pathlib import Path
from typing import Any

import pypdfium2 as pdfium
import pytest
from litestar import Litestar
from litestar.testing import AsyncTestClient
from openpyxl import load_workbook

from tests.unit.archive.filing import MONTH_START, file_month
from tests.unit.service_runtime import routes_client, service_runtime
from tousu_archive.app import SPEC
from tousu_archive.reports.xlsx import MONTHLY_SHEETS
from tousu_archive.sample_month import MonthSpec, SampleMonth, default_estates, generate
from tousu_shared.contracts.envelope import Envelope
from tousu_shared.runtime.service import Runtime

TOKEN = "archive-report-token"
SPEC_MONTH = MonthSpec("t1", default_estates(), MONTH_START, cases=3000, seed=11)
NOW = datetime(2026, 12, 6, tzinfo=UTC)
ARTEFACTS = Path(__file__).resolve().parents[2] / "artefacts"


@pytest.fixture(scope="module")
def month() -> SampleMonth:
    return generate(SPEC_MONTH)


@pytest.fixture(scope="module")
def filed(month: SampleMonth, tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The month filed once (about half a minute), in a database each test gets a copy of."""
    folder = tmp_path_factory.mktemp("filed")

    async def run() -> None:
        async with service_runtime(SPEC, folder, NOW) as runtime:
            await file_month(runtime, month)

    asyncio.run(run())
    return folder / "svc.db"


@pytest.fixture
async def rt(filed: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> AsyncIterator[Runtime]:
    monkeypatch.setenv("TOUSU_ADMIN_TOKEN", TOKEN)
    shutil.copyfile(filed, tmp_path / "svc.db")
    async with service_runtime(SPEC, tmp_path, NOW) as runtime:
        yield runtime


@pytest.fixture
async def client(rt: Runtime) -> AsyncIterator[AsyncTestClient[Litestar]]:
    async with routes_client(rt, {"authorization": f"Bearer {TOKEN}"}) as test_client:
        yield test_client


# -- the same figures, recomputed from the raw events --------------------------------------
def recompute(month: SampleMonth, start: datetime, end: datetime) -> dict[str, Any]:
    by_case: dict[str, list[Envelope]] = defaultdict(list)
    for event in month.events:
        by_case[event.complaint_id].append(event)
    cases: dict[str, dict[str, Any]] = {}
    rejected = 0
    runs: dict[tuple[str, str, str], set[str]] = defaultdict(set)
    for cid, events in by_case.items():
        first = events[0].payload
        received = datetime.fromisoformat(first["received_at"])
        if not start <= received < end:
            continue
        if events[0].type == "ComplaintRejected":
            rejected += 1
            continue
        types = {e.type for e in events}
        triaged = next(e.payload for e in events if e.type == "ComplaintTriaged")
        callbacks = sorted((e for e in events if e.type == "CallbackRecorded"), key=lambda e: e.occurred_at)
        closed = [e.occurred_at for e in events if e.type == "CaseClosed"]
        cases[cid] = {
            "estate": events[0].estate_id,
            "received": received,
            "category": triaged["category"],
            "topic": triaged["topic"],
            "department": triaged["department"],
            "building": first["room"].split("-")[0],
            "status": "closed" if closed else "withdrawn" if "ComplaintWithdrawn" in types else "open",
            "closed_at": max(closed) if closed else None,
            "resolved": "ComplaintResolved" in types,
            "reopened": "ComplaintReopened" in types,
            "satisfaction": callbacks[-1].payload["satisfaction"] if callbacks else None,
            "overdue": "ClockBreached" in types,
        }
        for e in events:
            if e.type in ("ClockMet", "ClockBreached", "ClockStoppedLate"):
                runs[(cid, e.payload["clock"], e.payload["started_at"])].add(e.type)
    late = {k for k, seen in runs.items() if seen & {"ClockBreached", "ClockStoppedLate"}}
    met = {k for k, seen in runs.items() if "ClockMet" in seen and k not in late}
    return {"cases": cases, "rejected": rejected, "late": late, "met": met}


def share(part: int, whole: int) -> float | None:
    return round(part / whole, 4) if whole else None


def expected_totals(raw: dict[str, Any]) -> dict[str, Any]:
    cases = raw["cases"].values()
    answered = [c for c in cases if c["satisfaction"]]
    happy = [c for c in answered if c["satisfaction"] in ("satisfied", "basically_satisfied")]
    resolved = [c for c in cases if c["resolved"]]
    closed = [c for c in cases if c["status"] == "closed"]
    hours = [(c["closed_at"] - c["received"]).total_seconds() / 3600 for c in closed]
    met, late = len(raw["met"]), len(raw["late"])
    return {
        "cases": len(raw["cases"]),
        "rejected": raw["rejected"],
        "closed": len(closed),
        "withdrawn": sum(c["status"] == "withdrawn" for c in cases),
        "open": sum(c["status"] == "open" for c in cases),
        "overdue_cases": sum(c["overdue"] for c in cases),
        "clock_runs_decided": met + late,
        "on_time_rate": share(met, met + late),
        "answered": len(answered),
        "satisfaction_rate": share(len(happy), len(answered)),
        "reopen_rate": share(sum(c["reopened"] for c in resolved), len(resolved)),
        "avg_handling_hours": round(sum(hours) / len(hours), 2),
    }


async def test_the_monthly_report_adds_up_to_the_raw_events(
    rt: Runtime, client: AsyncTestClient[Litestar], month: SampleMonth
) -> None:
    r = await client.get("/v1/reports/monthly", params={"period": "2026-11", "tenant_id": "t1"})
    assert r.status_code == 200, r.text
    report = r.json()
    raw = recompute(month, MONTH_START, MONTH_START.replace(month=12))
    cases = raw["cases"]
    assert 2500 < len(cases) < 3000, "a few thousand cases, some rejected"
    assert {k: report["totals"][k] for k in expected_totals(raw)} == expected_totals(raw)
    assert report["estates"] == sorted(SPEC_MONTH.estates)

    categories = Counter(c["category"] for c in cases.values())
    assert {row["name"]: row["cases"] for row in report["by_category"]} == categories
    assert {row["name"]: row["share"] for row in report["by_category"]} == {
        k: share(v, len(cases)) for k, v in categories.items()
    }

    for row in report["by_department"]:
        ids = {cid for cid, c in cases.items() if c["department"] == row["department"]}
        met = sum(k[0] in ids for k in raw["met"])
        late = sum(k[0] in ids for k in raw["late"])
        answered = [cases[i]["satisfaction"] for i in ids if cases[i]["satisfaction"]]
        happy = sum(a != "dissatisfied" for a in answered)
        assert (row["cases"], row["on_time_rate"], row["satisfaction_rate"]) == (
            len(ids),
            share(met, met + late),
            share(happy, len(answered)),
        ), row["department"]

    per_clock = {row["clock"]: (row["met"], row["late"]) for row in report["by_clock"]}
    assert per_clock == {
        name: (sum(k[1] == name for k in raw["met"]), sum(k[1] == name for k in raw["late"]))
        for name in {k[1] for k in raw["met"] | raw["late"]}
    }

    spots = Counter((c["estate"], c["building"], c["topic"]) for c in cases.values())
    assert {(s["estate_id"], s["building"], s["topic"]): s["cases"] for s in report["hot_spots"]} == {
        k: n for k, n in spots.items() if n >= 3
    }
    assert report["hot_spots"], "skewed buildings make hot spots"

    found = Counter(s for _, _, ok, staff, _ in month.reviews if ok for s in staff)
    ladder = {row["staff_id"]: (row["substantiated"], row["rung"]) for row in report["staff_ladder"]}
    rungs = {1: "talk", 2: "public_criticism", 3: "fails_review"}
    assert ladder == {s: (n, rungs.get(n, "suspension")) for s, n in found.items()}
    assert {row["rung"] for row in report["staff_ladder"]} >= {"talk", "public_criticism"}

    assert sum(d["cases"] for d in report["by_day"]) == len(cases)
    assert len(report["by_day"]) == 30


async def test_a_region_and_an_estate_report_cover_only_their_estates(
    rt: Runtime, client: AsyncTestClient[Litestar], month: SampleMonth
) -> None:
    east = ["estate-01", "estate-02", "estate-03"]
    r = await client.put("/v1/regions/east", params={"tenant_id": "t1"}, json={"estates": east})
    assert r.status_code == 200, r.text
    raw = recompute(month, MONTH_START, MONTH_START.replace(month=12))
    for scope, estates in (("region:east", east), ("estate:estate-05", ["estate-05"])):
        r = await client.get(
            "/v1/reports/monthly", params={"period": "2026-11", "tenant_id": "t1", "scope": scope}
        )
        assert r.status_code == 200, r.text
        assert r.json()["totals"]["cases"] == sum(c["estate"] in estates for c in raw["cases"].values())
    r = await client.get(
        "/v1/reports/monthly", params={"period": "2026-11", "tenant_id": "t1", "scope": "region:west"}
    )
    assert r.status_code == 404
    r = await client.put("/v1/regions/bad", params={"tenant_id": "t1"}, json={"estates": ["not-ours"]})
    assert r.status_code == 400 and "not-ours" in r.text


async def test_the_daily_report_counts_each_units_day(
    rt: Runtime, client: AsyncTestClient[Litestar], month: SampleMonth
) -> None:
    r = await client.get("/v1/reports/daily", params={"period": "2026-11-18", "tenant_id": "t1"})
    assert r.status_code == 200, r.text
    day = MONTH_START.replace(day=18)
    raw = recompute(month, day, day + timedelta(days=1))
    per_unit = Counter(c["department"] for c in raw["cases"].values())
    assert {u["department"]: u["cases"] for u in r.json()["by_department"]} == per_unit
    assert r.json()["totals"] == {"cases": len(raw["cases"]), "rejected": raw["rejected"]}


@pytest.mark.parametrize(
    ("params", "message"),
    [
        ({"period": "2026-13"}, "YYYY-MM"),
        ({"period": "last month"}, "YYYY-MM"),
        ({"period": "2026-11", "format": "docx"}, "json, xlsx, pdf"),
        ({"period": "2026-11", "scope": "street:x"}, "group, region:<name> or estate:<id>"),
    ],
)
async def test_a_bad_report_request_says_what_is_expected(
    client: AsyncTestClient[Litestar], params: dict[str, str], message: str
) -> None:
    r = await client.get("/v1/reports/monthly", params={"tenant_id": "t1", **params})
    assert r.status_code in (400, 404) and message in r.text, r.text


async def test_the_issued_report_opens_in_excel_and_reads_as_a_pdf(
    rt: Runtime, client: AsyncTestClient[Litestar], month: SampleMonth
) -> None:
    r = await client.post("/v1/reports/monthly", params={"tenant_id": "t1"}, json={"period": "2026-11"})
    assert r.status_code == 201, r.text
    links = r.json()["links"]
    xlsx = await client.get(links["xlsx"])
    assert xlsx.status_code == 200 and xlsx.headers["content-type"].startswith(
        "application/vnd.openxmlformats"
    )
    book = load_workbook(BytesIO(xlsx.content), read_only=True)
    assert book.sheetnames == ["概况 Summary", *(title for title, _, _ in MONTHLY_SHEETS)]
    report = (await client.get(links["json"])).json()
    clocks = list(book["时钟 Clocks"].iter_rows(min_row=2, values_only=True))
    assert [(row[0], row[2], row[3]) for row in clocks] == [
        (c["clock"], c["met"], c["late"]) for c in report["by_clock"]
    ]
    summary = {row[0]: row[1] for row in book["概况 Summary"].iter_rows(values_only=True) if row and row[0]}
    assert summary["案件 Cases"] == report["totals"]["cases"]

    pdf = await client.get(links["pdf"])
    assert pdf.status_code == 200 and pdf.content.startswith(b"%PDF")
    document = pdfium.PdfDocument(pdf.content)
    text = "".join(document[i].get_textpage().get_text_range() for i in range(len(document)))
    for expected in ("2026年11月 投诉月度分析报告", "每日投诉量", "热点问题", "员工被投诉阶梯", "按时率"):
        assert expected in text
    assert str(report["totals"]["cases"]) in text
    ARTEFACTS.mkdir(exist_ok=True)
    for index in range(len(document)):
        image = document[index].render(scale=1.4).to_pil()
        shades = image.convert("L").getcolors(256) or []
        assert len(shades) > 8, "charts and text, not a blank page"
        image.save(ARTEFACTS / f"monthly-report-p{index + 1}.png")

    listed = (await client.get("/v1/reports", params={"tenant_id": "t1"})).json()["items"]
    assert [i["report_id"] for i in listed] == [r.json()["report_id"]]
