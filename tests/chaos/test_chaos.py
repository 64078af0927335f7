"""The chaos run (``make chaos``): under steady load on the real broker and PostgreSQL, kill -9
each service in turn, then the Kafka broker, then take PostgreSQL away for 30 s.

Afterwards: every complaint intake accepted is in its case file (lost = 0); each has
exactly one work order, in dispatch and in archive's timeline; every clock that came due
fired exactly once (the virtual clock runs 60 times faster, so clocks come due all through
the faults); no message went to a dead-letter topic; and intake never gave an answer a
channel could not act on (it takes a complaint, or says 503 and the channel retries with
the same ``Idempotency-Key``).
"""

from __future__ import annotations

import asyncio
import os
import time
from collections.abc import AsyncIterator
from dataclasses import asdict
from datetime import datetime

import pytest
import pytest_asyncio

from tests.chaos.faults import Chaos, Fault, say
from tests.chaos.invariants import broken, tally
from tests.chaos.load import LoadGenerator
from tests.chaos.report import machine, publish
from tests.chaos.time_lapse import TimeLapse
from tests.integration.harness import (
    SERVICES,
    Stack,
    add_tenant,
    consumer_lag,
    running_stack,
    unsent_outbox_rows,
    wait_until,
)

pytestmark = pytest.mark.chaos

RATE = float(os.environ.get("TOUSU_CHAOS_RATE", "10"))  # complaints per second
PG_DOWN_S = float(os.environ.get("TOUSU_CHAOS_PG_DOWN_S", "30"))
SETTLE_TIMEOUT_S = 240  # after the load: every case filed, every due clock fired, nothing in flight
SPEED = 60  # virtual seconds per wall-clock second
T0 = datetime.fromisoformat("2026-03-02T09:00:00+08:00")  # a Monday morning
#: three groups, every shipped regime at least once
GROUPS = {
    "chaos-a": {"chaos-a-1": "community-standard", "chaos-a-2": "property-role-matrix"},
    "chaos-b": {"chaos-b-1": "logistics-service", "chaos-b-2": "service-station-sop"},
    "chaos-c": {"chaos-c-1": "developer-customer-service", "chaos-c-2": "property-role-matrix"},
}
#: what intake, under load, must not turn away: the run counts refusals, it does not want any
SERVICE_ENV = {
    "TOUSU_CHANNEL_RATE_PER_MINUTE": "1000000",
    # last month's PDF reports at each archive start-up: CPU the run does not test
    "TOUSU_MONTHLY_REPORTS": "false",
    "TOUSU_SLA_POLL_SECONDS": "0.2",
}


@pytest_asyncio.fixture
async def chaos_stack(tmp_path_factory: pytest.TempPathFactory) -> AsyncIterator[tuple[Stack, TimeLapse]]:
    workdir = tmp_path_factory.mktemp("chaos")
    lapse = TimeLapse(workdir / "clock", T0, SPEED)
    env = {**SERVICE_ENV, "TOUSU_CLOCK_FILE": str(lapse.path)}
    try:
        async with running_stack(workdir, "chaos", env=env) as stack:
            yield stack, lapse
    finally:
        print(f"\nservice logs: {workdir}")


@pytest.fixture
def started() -> float:
    """When the run began: ``make chaos`` passes the instant it started the servers."""
    return float(os.environ.get("TOUSU_CHAOS_STARTED_AT") or time.time())


@pytest.mark.timeout(900)  # ~5 min on a quiet 2-core machine; a busy one takes longer
async def test_nothing_lost_nothing_doubled_under_chaos(
    chaos_stack: tuple[Stack, TimeLapse], started: float
) -> None:
    stack, lapse = chaos_stack
    startup_s, loadavg_at_start = time.time() - started, os.getloadavg()[0]
    say(f"stack of {len(SERVICES)} services up ({startup_s:.0f} s after the servers started)")
    for tenant, group in GROUPS.items():
        await add_tenant(stack, tenant, group)
    estates = [(tenant, estate) for tenant, group in GROUPS.items() for estate in group]
    load = LoadGenerator(stack, estates, RATE)
    chaos = Chaos(stack, load)

    stop_offering = asyncio.Event()
    lapse.run()
    sending = asyncio.create_task(load.run(stop_offering))
    say(f"load: {RATE:g} complaints/s over {len(estates)} estates; virtual time ×{SPEED}")
    try:
        await chaos.settle_in()
        for name in SERVICES:
            await chaos.kill_service(name)
        await chaos.kill_broker()
        await chaos.stop_postgres(PG_DOWN_S)
        await asyncio.sleep(5)  # a little steady load after the last fault
    finally:
        stop_offering.set()
    await asyncio.wait_for(sending, timeout=120)
    clock_end = await lapse.freeze()
    duration = load.stopped_at - load.started_at
    say(f"load stopped after {duration:.0f} s: {len(load.submissions):,} offered; waiting for the pipeline")

    unsettled = await _wait_settled(stack, load, clock_end)
    tallies = await tally(stack, load, list(GROUPS), clock_end)
    await _clocks_due_during_faults(stack, lapse, load, chaos.faults, clock_end)
    problems = broken(tallies, load.answers)
    if unsettled:
        problems.append(f"the pipeline did not settle in {SETTLE_TIMEOUT_S} s: {unsettled}")
    publish(
        {
            "passed": not problems,
            "problems": problems,
            "load": {
                "rate_per_s": RATE,
                "duration_s": round(duration, 1),
                "senders": load.senders,
                "tenants": len(GROUPS),
                "estates": len(estates),
                "regimes": len({r for group in GROUPS.values() for r in group.values()}),
                "virtual_speed": SPEED,
                "virtual_from": T0.isoformat(),
                "virtual_to": clock_end.isoformat(),
            },
            "answers": asdict(load.answers),
            "faults": [f.as_dict() for f in chaos.faults],
            "tallies": asdict(tallies),
            "startup_s": round(startup_s, 1),
            "wall_s": round(time.time() - started, 1),
            "machine": machine(await stack.scalar("intake", "SHOW server_version"), loadavg_at_start),
        }
    )
    assert not problems, "\n".join(problems)


async def _wait_settled(stack: Stack, load: LoadGenerator, clock_end: datetime) -> str | None:
    """None once the pipeline settled; else what it still waited for when time ran out (the
    run then still counts and reports, so a broken invariant shows as a number)."""
    try:
        await wait_until(lambda: _settled(stack, load, clock_end), SETTLE_TIMEOUT_S, "settling", interval=2)
    except AssertionError:
        return str(await _settled(stack, load, clock_end))
    return None


async def _settled(stack: Stack, load: LoadGenerator, clock_end: datetime) -> bool | str:
    """Every accepted complaint filed, every clock due by ``clock_end`` fired, every outbox
    published and every consumer group caught up."""
    ids = [s.complaint_id for s in load.accepted]
    filed = await stack.scalar(
        "archive",
        "SELECT count(*) FROM case_files WHERE complaint_id = ANY(:ids) AND work_order_id IS NOT NULL",
        ids=ids,
    )
    if filed < len(ids):
        return f"{filed} of {len(ids)} accepted complaints filed with their work order"
    opened = await stack.scalar(
        "sla-monitor",
        "SELECT count(*) FROM sla_cases WHERE complaint_id = ANY(:ids) AND classification IS NOT NULL",
        ids=ids,
    )
    if opened < len(ids):
        return f"{opened} of {len(ids)} cases opened by the SLA monitor"
    due_sql = "SELECT count(*) FROM sla_cases WHERE next_due_at <= :t"
    due = await stack.scalar("sla-monitor", due_sql, t=clock_end)
    if due:
        return f"{due} cases with clocks still to fire"
    unsent = {k: v for k, v in (await unsent_outbox_rows(stack)).items() if v}
    lag = {k: v for k, v in (await consumer_lag(stack)).items() if v}
    return True if not unsent and not lag else f"unsent outbox rows {unsent}, consumer lag {lag}"


async def _clocks_due_during_faults(
    stack: Stack, lapse: TimeLapse, load: LoadGenerator, faults: list[Fault], clock_end: datetime
) -> None:
    """How many clocks came due while each fault was on (so the firing really met them)."""
    for f in faults:
        t0 = lapse.at(load.started_at + f.at_s)
        t1 = lapse.at(load.started_at + f.at_s + f.recovered_s)
        f.clocks_due_during = int(
            await stack.scalar(
                "sla-monitor",
                "SELECT count(*) FROM sla_clock_runs WHERE due_at > :a AND due_at <= :b AND due_at <= :end "
                "AND (stopped_at IS NULL OR stopped_at > due_at)",
                a=t0,
                b=t1,
                end=clock_end,
            )
        )
