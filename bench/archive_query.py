"""`make bench` part: the case list over 1,000,000 archived cases in PostgreSQL.

1. Seed a fresh, migrated archive database with N case files (COPY): 20 property groups of
   20 estates, received over three years, closed mostly, with the classifications, rooms,
   buildings, overdue counts and complaint texts (and their search bigrams) archive keeps.
2. Run the real archive service (``python -m tousu_archive``) on it and the bench's Kafka.
3. Ask its HTTP API for pages as its users do — a group's newest, one estate's closed ones,
   a category in a month, a department's overdue ones, a household, a building, words of the
   complaint (漏水, 高空抛物), a clerk with three estates, a deep page — each shape REPEAT
   times after a warm-up round, one request at a time on loopback. Latency = the client's
   round trip (authentication, the query, the count up to 1,000, JSON).
4. Merge the figures into bench/results.json and print the table.

Usage: uv run python bench/archive_query.py [--cases 1000000] [--repeat 30]
"""

from __future__ import annotations

import argparse
import asyncio
import os
import random
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import asyncpg
import httpx
import sla_report as report
from sla_process import Monitor
from sqlalchemy.ext.asyncio import create_async_engine

from tousu_archive.search import grams
from tousu_shared.db.migrate import upgrade
from tousu_shared.identity.local_issuer import issue

ROOT = Path(__file__).resolve().parent.parent
GROUPS, ESTATES_PER_GROUP = 20, 20
START = datetime(2024, 1, 1, tzinfo=UTC)
SPAN_S = 3 * 365 * 86400
AIM_MS = 100
ADMIN = "bench-admin-token-0123456789abcdef"
#: (topic, category, department, text) — texts of the kind residents write, {b} the building
KINDS = [
    ("water_leak", "maintenance", "engineering", "{b}号楼楼上漏水，卫生间天花板一直滴水"),
    ("elevator", "maintenance", "engineering", "{b}号楼电梯又停了，老人上下楼很不方便"),
    ("noise", "environment", "security", "{b}号楼夜间装修噪音太大，影响孩子休息"),
    ("parking", "environment", "security", "车位被外来车辆占用，{b}号楼门口经常堵车"),
    ("cleaning", "environment", "cleaning", "{b}号楼楼道垃圾几天没人清理，有异味"),
    ("fees", "customer-service", "customer_service", "物业费涨价没有提前公示，要求解释收费标准"),
    ("staff_attitude", "customer-service", "customer_service", "前台工作人员态度差，说话不耐烦"),
    ("drainage", "maintenance", "engineering", "{b}号楼下水道堵塞，污水从地漏反上来"),
    ("greening", "environment", "greening", "小区绿化带杂草丛生，很久没有修剪"),
    ("high_altitude_throwing", "environment", "security", "{b}号楼有人高空抛物，差点砸到行人"),
]
WEIGHTS = [14, 12, 10, 9, 9, 7, 5, 6, 4, 1]
STATUSES = (
    ["closed"] * 90
    + ["withdrawn"] * 3
    + ["rejected"] * 2
    + ["dispatched", "on_site", "planned", "resolved", "reopened"]
)
COLUMNS = [
    "complaint_id", "tenant_id", "estate_id", "regime", "regime_version", "status", "channel", "room",
    "topic", "category", "department", "work_order_id", "received_at", "updated_at", "event_count",
    "state_at", "closed_at", "building", "summary", "search_grams", "assignee", "satisfaction",
    "breaches", "escalations", "callbacks", "reopened", "legal_hold",
]  # fmt: skip


def _args() -> argparse.Namespace:
    pg_port = os.environ.get("TOUSU_PG_PORT", "25442")
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--pg", default=f"postgresql://tousu@127.0.0.1:{pg_port}/postgres", help="admin DSN")
    ap.add_argument("--db", default="tousu_bench_archive", help="database to (re)create")
    ap.add_argument("--kafka", default=f"127.0.0.1:{os.environ.get('TOUSU_KAFKA_PORT', '9094')}")
    ap.add_argument("--cases", type=int, default=1_000_000)
    ap.add_argument("--repeat", type=int, default=50, help="requests per query shape (after one warm-up)")
    ap.add_argument("--results", type=Path, default=ROOT / "bench" / "results.json")
    ap.add_argument("--workdir", type=Path, default=ROOT / ".run" / "bench")
    return ap.parse_args()


def case_rows(n: int, seed: int = 1) -> list[tuple[Any, ...]]:
    rng = random.Random(seed)
    rows = []
    for i in range(n):
        group = rng.randrange(GROUPS)
        estate = f"g{group:02d}-e{rng.randrange(ESTATES_PER_GROUP):02d}"
        building = min(int(rng.paretovariate(1.2)), 30)
        topic, category, department, text = rng.choices(KINDS, weights=WEIGHTS)[0]
        summary = text.format(b=building)
        received = START + timedelta(seconds=rng.randrange(SPAN_S))
        status = rng.choice(STATUSES)
        ended = status in ("closed", "withdrawn", "rejected")
        closed = received + timedelta(hours=rng.lognormvariate(3, 1)) if ended else None
        breaches = 0 if rng.random() < 0.7 else rng.randint(1, 3)
        rows.append(
            (
                f"c{i:08d}",
                f"g{group:02d}",
                estate,
                "property-role-matrix",
                1,
                status,
                rng.choice(("phone", "app", "wechat")),
                f"{building}-{rng.randint(1, 4)}-{rng.randint(1, 33):02d}{rng.randint(1, 4):02d}",
                topic,
                category,
                department,
                f"wo-{i:08d}",
                received,
                closed or received,
                12,
                closed or received,
                closed,
                str(building),
                summary,
                grams(summary, f"g{group:02d}"),
                f"{estate}-staff-{rng.randint(1, 12)}",
                rng.choice(("satisfied", "satisfied", "basically_satisfied", "dissatisfied"))
                if status == "closed"
                else None,
                breaches,
                breaches,
                1 if status == "closed" else 0,
                1 if rng.random() < 0.08 else 0,
                False,
            )
        )
    return rows


async def seed(args: argparse.Namespace) -> tuple[str, float]:
    admin = await asyncpg.connect(args.pg)
    try:
        await admin.execute(f'DROP DATABASE IF EXISTS "{args.db}" WITH (FORCE)')
        await admin.execute(f'CREATE DATABASE "{args.db}"')
    finally:
        await admin.close()
    dsn = args.pg.rsplit("/", 1)[0] + f"/{args.db}"
    engine = create_async_engine(dsn.replace("postgresql://", "postgresql+asyncpg://", 1))
    try:
        await upgrade(engine, "tousu_archive.migrations")
    finally:
        await engine.dispose()
    t0 = time.monotonic()
    conn = await asyncpg.connect(dsn)
    try:
        chunk = 100_000
        for start in range(0, args.cases, chunk):
            rows = case_rows(min(chunk, args.cases - start), seed=start + 1)
            rows = [(f"c{start + i:08d}", *row[1:]) for i, row in enumerate(rows)]
            await conn.copy_records_to_table("case_files", records=rows, columns=COLUMNS)
            print(f"  seeded {start + len(rows):,} case files ({time.monotonic() - t0:.0f} s)", flush=True)
        estates = [
            (f"g{g:02d}-e{e:02d}", f"g{g:02d}", "seed", START)
            for g in range(GROUPS)
            for e in range(ESTATES_PER_GROUP)
        ]
        await conn.copy_records_to_table(
            "estate_tenants",
            records=estates,
            columns=["estate_id", "tenant_id", "first_event_id", "bound_at"],
        )
        await conn.execute("VACUUM ANALYZE case_files")
        await conn.execute("CHECKPOINT")  # the queries then don't share the disk with the seed's writes
    finally:
        await conn.close()
    return dsn, time.monotonic() - t0


def shapes(data_dir: Path, room: str) -> list[tuple[str, dict[str, str], dict[str, Any]]]:
    """(name, headers, query) of each page users ask for; ``room`` one of g03-e07's."""
    manager = {"authorization": f"Bearer {issue(data_dir, 'qm-g03', 'g03', ['quality_manager@*'])}"}
    clerk_roles = [f"customer_service@g03-e{e:02d}" for e in (1, 2, 3)]
    clerk = {"authorization": f"Bearer {issue(data_dir, 'cs-g03', 'g03', clerk_roles)}"}
    operator = {"authorization": f"Bearer {ADMIN}"}
    month = {"received_from": "2026-11-01T00:00:00+08:00", "received_to": "2026-12-01T00:00:00+08:00"}
    return [
        ("a group's newest cases", manager, {}),
        ("one estate's closed cases", manager, {"estate_id": "g03-e07", "status": "closed"}),
        ("a category in a month", manager, {"category": "maintenance", **month}),
        ("a department's overdue cases", manager, {"department": "security", "overdue": "true"}),
        ("a household (estate + room)", manager, {"estate_id": "g03-e07", "room": room}),
        ("a building's cases", manager, {"estate_id": "g03-e07", "building": "2"}),
        ("words in one estate: 漏水", manager, {"estate_id": "g03-e07", "q": "漏水"}),
        ("rare words group-wide: 高空抛物", manager, {"q": "高空抛物"}),
        ("a clerk of three estates, open cases", clerk, {"status": "dispatched"}),
        ("a deep page (offset 450)", manager, {"offset": "450"}),
        ("the operator, a group's month", operator, {"tenant_id": "g03", **month}),
    ]


async def measure(port: int, data_dir: Path, repeat: int, room: str) -> dict[str, list[float]]:
    times: dict[str, list[float]] = {}
    async with httpx.AsyncClient(base_url=f"http://127.0.0.1:{port}", timeout=30) as client:
        for name, headers, params in shapes(data_dir, room):
            r = await client.get("/v1/complaints", params=params, headers=headers)  # warm-up
            if r.status_code != 200:
                raise RuntimeError(f"{name}: {r.status_code} {r.text[:300]}")
            print(
                f"  {name}: {r.json()['total']:,}{'+' if r.json()['total_is_lower_bound'] else ''} matches",
                flush=True,
            )
            times[name] = []
            for _ in range(repeat):
                t0 = time.perf_counter()
                r = await client.get("/v1/complaints", params=params, headers=headers)
                times[name].append((time.perf_counter() - t0) * 1000)
                assert r.status_code == 200, r.text
    return times


async def main() -> None:
    args = _args()
    args.workdir.mkdir(parents=True, exist_ok=True)
    print(f"archive bench: seeding {args.cases:,} case files …", flush=True)
    dsn, seed_s = await seed(args)
    data_dir = args.workdir / "archive-data"
    env = {
        "TOUSU_DATABASE_URL": dsn.replace("postgresql://", "postgresql+asyncpg://", 1),
        "TOUSU_KAFKA_BOOTSTRAP": args.kafka,
        "TOUSU_TOPIC_PREFIX": "bench.",
        "TOUSU_LOG_LEVEL": "WARNING",
        "TOUSU_ADMIN_TOKEN": ADMIN,
        "TOUSU_DATA_DIR": str(data_dir),
        "TOUSU_MONTHLY_REPORTS": "false",  # measured: the case list, not last month's reports
    }
    log = args.workdir / "archive.log"
    log.write_bytes(b"")
    service = Monitor(env, log, module="tousu_archive")
    try:
        await service.start()
        conn = await asyncpg.connect(dsn)
        try:  # a household with a few cases, as a clerk would look one up
            room = await conn.fetchval(
                "SELECT room FROM case_files WHERE estate_id = 'g03-e07' "
                "GROUP BY room ORDER BY count(*) DESC LIMIT 1"
            )
        finally:
            await conn.close()
        times = await measure(service.port, data_dir, args.repeat, room)
    finally:
        await service.stop()
    every = [t for values in times.values() for t in values]
    results = {
        "archive_query_p50_ms": report.rounded(every, 50),
        "archive_query_p95_ms": report.rounded(every, 95),
        "archive_query_p99_ms": report.rounded(every, 99),
        "archive_cases": args.cases,
        "archive_seed_s": round(seed_s, 1),
        "archive_query_requests": len(every),
        "archive_query_shapes_p95_ms": {name: report.rounded(values, 95) for name, values in times.items()},
        "archive_query_shapes_p50_ms": {name: report.rounded(values, 50) for name, values in times.items()},
        "archive_measured_at": datetime.now(UTC).isoformat(timespec="seconds"),
    }
    conn = await asyncpg.connect(args.pg)
    try:
        facts = await report.machine(conn, "archive_end")  # read as the queries ended
        data = report.write_results(args.results, results, facts)
    finally:
        await conn.close()
    print_table(data)


def rows(r: dict[str, Any]) -> list[tuple[str, str, str, bool | None]]:
    p95 = r["archive_query_p95_ms"]
    out: list[tuple[str, str, str, bool | None]] = [
        ("case list p95, every shape", f"{p95:.1f} ms", f"≤ {AIM_MS} ms", p95 <= AIM_MS),
        (
            "case list p50 / p99",
            f"{r['archive_query_p50_ms']:.1f} / {r['archive_query_p99_ms']:.1f} ms",
            "",
            None,
        ),
    ]
    p50 = r.get("archive_query_shapes_p50_ms", {})
    out += [
        (f"  {name} (p50 / p95)", f"{p50.get(name, 0):.1f} / {v:.1f} ms", "", None)
        for name, v in r["archive_query_shapes_p95_ms"].items()
    ]
    out.append(("seeding (COPY, vacuum analyze, checkpoint)", f"{r['archive_seed_s']:.0f} s", "", None))
    return out


def title(r: dict[str, Any]) -> str:
    cases, requests = r["archive_cases"], r["archive_query_requests"]
    return f"Archive case list, {cases:,} cases in PostgreSQL ({requests} requests)"


def print_table(r: dict[str, Any]) -> None:
    report.show_table(title(r), rows(r))


def markdown(r: dict[str, Any]) -> str:
    """The archive table in Markdown, for the README."""
    return report.markdown_table(title(r), rows(r))


if __name__ == "__main__":
    asyncio.run(main())
