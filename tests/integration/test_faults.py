"""Crashes in the middle of a load: nothing lost, nothing doubled.

Two kinds: a plain ``kill -9`` at a moment the service is busy, and a crash at the worst
moment (``TOUSU_CRASH_AT``): after the database commit but before the Kafka offset commit,
or after the broker took the outbox's messages but before the outbox marked them sent.
Those are the windows where at-least-once delivery hands a consumer the same event twice.
"""

from __future__ import annotations

import asyncio
import signal

import pytest

from tests.integration.harness import (
    Stack,
    add_tenant,
    all_dispatched,
    complaint,
    outbox_rows,
    post_complaints,
    wait_until,
)

N = 500


@pytest.mark.parametrize("victim", ["dispatch", "archive"])
async def test_kill_9_mid_load_loses_and_doubles_nothing(stack: Stack, victim: str) -> None:
    tenant = f"kill-{victim}"
    bodies = await _tenant_with_complaints(stack, tenant, N)

    poster = asyncio.create_task(post_complaints(stack, bodies, concurrency=8))
    # Kill once the victim is busy with this tenant's events, not before.
    await wait_until(lambda: _progress(stack, victim, tenant, 50), timeout=60, what=f"{victim} to be busy")
    assert stack.services[victim].kill(signal.SIGKILL) == -signal.SIGKILL
    await asyncio.sleep(1.0)  # let events for the dead consumer pile up
    await stack.restart(victim)
    ids = await poster

    await _assert_each_complaint_once(stack, tenant, ids)


CRASHES = [
    # victim, crash point, the consumer that then sees the same events again
    ("dispatch", "relay-after-send", "archive"),
    ("archive", "consumer-after-commit", "archive"),
    ("triage", "consumer-after-commit", "triage"),
]


@pytest.mark.parametrize(
    ("victim", "point", "deduplicator"), CRASHES, ids=[f"{v}-{p}" for v, p, _ in CRASHES]
)
async def test_crash_at_the_worst_moment_changes_nothing(
    stack: Stack, victim: str, point: str, deduplicator: str
) -> None:
    tenant = f"crash-{victim}"
    bodies = await _tenant_with_complaints(stack, tenant, 300)
    service = stack.services[victim]
    dedup_log = stack.services[deduplicator]
    skipped_before = dedup_log.log_count("skipped already-processed events")
    assert service.kill(signal.SIGTERM) == 0  # a graceful stop, then back with the crash armed
    await stack.restart(victim, TOUSU_CRASH_AT=f"{point}:3")

    poster = asyncio.create_task(post_complaints(stack, bodies, concurrency=8))
    assert await service.wait_exit(timeout=120) == 137, service.log_tail()
    await stack.restart(victim)
    ids = await poster

    await _assert_each_complaint_once(stack, tenant, ids)
    # The crash really handed somebody the same events twice, and they were dropped.
    assert dedup_log.log_count("skipped already-processed events") > skipped_before


async def _tenant_with_complaints(stack: Stack, tenant: str, n: int) -> list[dict[str, object]]:
    estates = {f"{tenant}-1": "community-standard", f"{tenant}-2": "property-role-matrix"}
    await add_tenant(stack, tenant, estates)
    return [complaint(tenant, list(estates)[i % 2], i) for i in range(n)]


async def _assert_each_complaint_once(stack: Stack, tenant: str, ids: list[str]) -> None:
    n = len(ids)
    await wait_until(lambda: all_dispatched(stack, tenant, n), timeout=180, what=f"all {n} cases archived")
    # Exactly one work order per complaint.
    orders = await stack.rows(
        "dispatch", "SELECT complaint_id FROM work_orders WHERE tenant_id = :t", t=tenant
    )
    assert sorted(r.complaint_id for r in orders) == sorted(ids)
    # No event applied twice into archive's state: each case counted exactly the events it stored
    # (received, triaged, work order created, and what the SLA monitor published so far).
    counts = await stack.rows(
        "archive",
        "SELECT f.complaint_id, f.event_count, count(e.id) AS stored FROM case_files f "
        "JOIN case_events e ON e.complaint_id = f.complaint_id WHERE f.tenant_id = :t "
        "GROUP BY f.complaint_id, f.event_count",
        t=tenant,
    )
    assert len(counts) == n
    assert all(r.event_count == r.stored >= 3 for r in counts)
    # Triage decided once per complaint; the SLA monitor opened one case each; callback saw
    # each work order once.
    assert (
        await stack.scalar(
            "triage", "SELECT count(*) FROM triage_results WHERE complaint_id = ANY(:ids)", ids=ids
        )
        == n
    )
    await wait_until(lambda: _sla_cases(stack, tenant, n), 60, "sla-monitor catch-up")
    callback_cases = "SELECT count(*) FROM callback_cases WHERE tenant_id = :t"
    await wait_until(
        lambda: _rows_at_least(stack, "callback", callback_cases, tenant, n), 60, "callback catch-up"
    )
    # Nothing of this tenant went to a dead-letter queue on the way (a second apply of an
    # event would have hit a unique key and ended there).
    for service in stack.engines:  # one database per service; channel deployments share intake's
        assert await outbox_rows(stack, service, tenant, dlq_only=True) == 0, service


async def _sla_cases(stack: Stack, tenant: str, n: int) -> bool | int:
    sql = "SELECT count(*) FROM sla_cases WHERE tenant_id = :t AND classification IS NOT NULL"
    return await _rows_at_least(stack, "sla-monitor", sql, tenant, n)


async def _rows_at_least(stack: Stack, service: str, sql: str, tenant: str, n: int) -> bool | int:
    got = int(await stack.scalar(service, sql, t=tenant))
    return True if got == n else got


async def _progress(stack: Stack, victim: str, tenant: str, at_least: int) -> bool | int:
    table = "work_orders" if victim == "dispatch" else "case_files"
    got = int(await stack.scalar(victim, f"SELECT count(*) FROM {table} WHERE tenant_id = :t", t=tenant))
    return True if got >= at_least else got
