"""Seeding the SLA bench's database: a fresh, migrated sla-monitor database with N open cases.

Every case is what the monitor itself would have stored for a community-standard@1 noise
complaint (environment / security / general, by phone) received at ``received_at`` and not
touched since: no inputs yet, the engine's events so far counted as published, its two
clock runs (registration 2 h, reply 3 working days) and its next due instant (the
registration warning, 80 % of 2 h = 96 min after it was received).

Cases received at the same instant are identical apart from their ids, so the engine runs
once per distinct ``received_at`` (a :class:`Pattern`) and its rows are copied for each case
with asyncpg's COPY.
"""

from __future__ import annotations

import time
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

import asyncpg
import orjson
from sqlalchemy.ext.asyncio import create_async_engine

from tousu_shared.calendar import load_calendar
from tousu_shared.contracts.events import Channel, ComplaintTriaged
from tousu_shared.db.migrate import upgrade
from tousu_sla_monitor.domain.timeline import Timeline, classification_of
from tousu_sla_monitor.store import regime_of

REGIME, REGIME_VERSION = "community-standard", 1
TENANTS, ESTATES = 50, 500
#: the registration warning comes due this long after a case was received (80 % of 2 h)
WARN_AFTER = timedelta(minutes=96)

CASE_COLUMNS = [
    "complaint_id",
    "tenant_id",
    "estate_id",
    "correlation_id",
    "regime",
    "regime_version",
    "department",
    "received_at",
    "classification",
    "inputs",
    "parameters",
    "published",
    "state",
    "review_item",
    "actions",
    "next_due_at",
    "updated_at",
]
RUN_COLUMNS = [
    "complaint_id",
    "run",
    "tenant_id",
    "estate_id",
    "department",
    "name",
    "owner",
    "target",
    "status",
    "is_open",
    "started_at",
    "due_at",
    "not_before",
    "stopped_at",
    "warned_at",
    "breached_at",
    "paused_seconds",
]


def classification() -> dict[str, Any]:
    """The classification the monitor stores for the bench's complaint (from a real ComplaintTriaged)."""
    triaged = ComplaintTriaged(
        regime=REGIME,
        regime_version=REGIME_VERSION,
        topic="noise",
        category="environment",
        department="security",
        severity="general",
        confidence=0.9,
        classifier="bench",
        channel=Channel.phone,
    )
    return classification_of(triaged)


@dataclass(frozen=True)
class Pattern:
    """What every case received at one instant looks like: the case columns after the ids,
    and one tuple of clock-run columns (after complaint_id/run/tenant/estate) per run."""

    received_at: datetime
    next_due_at: datetime
    case: tuple[Any, ...]
    runs: tuple[tuple[Any, ...], ...]


class Patterns:
    def __init__(self) -> None:
        self._calendar = load_calendar()
        self._regime = regime_of(REGIME, REGIME_VERSION)
        self._classification = classification()
        self._classification_text = orjson.dumps(self._classification).decode()
        self.built = 0

    def at(self, received_at: datetime, now: datetime) -> Pattern:
        timeline = Timeline(self._regime, self._calendar, received_at, self._classification, [], {})
        self.built += 1
        engine = timeline.engine
        next_due = timeline.next_due()
        assert next_due is not None and next_due == received_at + WARN_AFTER, (received_at, next_due)
        department = engine.classification.department
        case = (
            REGIME,
            REGIME_VERSION,
            department,
            received_at,
            self._classification_text,
            orjson.dumps(timeline.inputs).decode(),
            "{}",
            len(engine.events),
            engine.state,
            engine.review_item,
            0,
            next_due,
            now,
        )
        runs = tuple(
            (
                department,
                c.name,
                c.owner,
                c.span.describe(),
                c.status,
                c.open,
                c.started_at,
                c.due_at,
                c.not_before,
                c.stopped_at or c.cancelled_at,
                c.warned_at,
                c.breached_at,
                round(c.paused_seconds),
            )
            for c in engine.clocks
        )
        return Pattern(received_at, next_due, case, runs)


def _ids(n: int) -> tuple[str, str, str]:
    complaint_id = f"bench-{n:08d}"
    return complaint_id, f"bench-t{n % TENANTS:02d}", f"bench-e{n % ESTATES:03d}"


def case_rows(plan: Iterable[tuple[int, Pattern]]) -> Iterator[tuple[Any, ...]]:
    for n, p in plan:
        complaint_id, tenant, estate = _ids(n)
        yield (complaint_id, tenant, estate, complaint_id, *p.case)


def run_rows(plan: Iterable[tuple[int, Pattern]]) -> Iterator[tuple[Any, ...]]:
    for n, p in plan:
        complaint_id, tenant, estate = _ids(n)
        for run, columns in enumerate(p.runs):
            yield (complaint_id, run, tenant, estate, *columns)


async def fresh_database(admin_dsn: str, name: str) -> str:
    """Drop and create ``name``, migrate it with the sla-monitor migrations; its asyncpg DSN."""
    admin = await asyncpg.connect(admin_dsn)
    try:
        await admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        await admin.execute(f'CREATE DATABASE "{name}"')
    finally:
        await admin.close()
    dsn = admin_dsn.rsplit("/", 1)[0] + f"/{name}"
    engine = create_async_engine(dsn.replace("postgresql://", "postgresql+asyncpg://", 1))
    try:
        await upgrade(engine, "tousu_sla_monitor.migrations")
    finally:
        await engine.dispose()
    return dsn


async def copy_cases(
    conn: asyncpg.Connection, plan: list[tuple[int, Pattern]], label: str, chunk: int = 100_000
) -> float:
    """COPY the cases of ``plan`` and their clock runs, printing progress; returns seconds taken."""
    t0 = time.monotonic()
    for start in range(0, len(plan), chunk):
        part = plan[start : start + chunk]
        await conn.copy_records_to_table("sla_cases", records=case_rows(part), columns=CASE_COLUMNS)
        await conn.copy_records_to_table("sla_clock_runs", records=run_rows(part), columns=RUN_COLUMNS)
        done = start + len(part)
        rate = done / max(time.monotonic() - t0, 1e-9)
        print(f"  seed {label}: {done:>9,} / {len(plan):,} cases ({rate:,.0f} cases/s)", flush=True)
    return time.monotonic() - t0


def spread(
    first: int, count: int, start: datetime, step: timedelta, per_step: int
) -> Iterator[tuple[int, datetime]]:
    """Case numbers ``first..first+count-1`` with due instants ``start``, ``start+step``, …,
    ``per_step`` cases at each instant."""
    for i in range(count):
        yield first + i, start + step * (i // per_step)


def plan_for(numbered_dues: Iterable[tuple[int, datetime]], patterns: Patterns) -> list[tuple[int, Pattern]]:
    """One pattern per distinct due instant (received 96 min before it)."""
    seen: dict[datetime, Pattern] = {}
    now = datetime.now(UTC)
    out = []
    for n, due in numbered_dues:
        p = seen.get(due)
        if p is None:
            p = seen[due] = patterns.at(due - WARN_AFTER, now)
        out.append((n, p))
    return out


def stream(
    first: int, count: int, start: datetime, rate: int, patterns: Patterns
) -> list[tuple[int, Pattern]]:
    """``count`` cases coming due at a steady ``rate`` per second from ``start``: rate/100 cases
    every 1/100 s (one pattern per instant)."""
    per_tick = max(1, rate // 100)
    return plan_for(spread(first, count, start, timedelta(seconds=per_tick / rate), per_tick), patterns)


def far_future(first: int, count: int, now: datetime, patterns: Patterns) -> list[tuple[int, Pattern]]:
    """``count`` cases received over the last 56 min, so due 40–96 min from ``now``, ~300 per instant."""
    steps = max(1, count // 300)
    step = timedelta(minutes=56) / steps
    return plan_for(spread(first, count, now + timedelta(minutes=40), step, -(-count // steps)), patterns)
