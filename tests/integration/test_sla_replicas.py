"""Two SLA monitor replicas on one database; one is killed with SIGKILL while 10,000 clocks
come due. Every clock still fires, and fires exactly once.

The cases come straight from ``complaints.triaged`` (10,000 triaged complaints produced to
the broker), both replicas share the consumer group and the database, and a virtual clock
moves past every case's registration deadline at once. While the replicas fire, one of
them is killed. The test then reads ``sla.events`` back from Kafka: one warning and one
breach per case, no more, none missing (a message the relay sent again after the crash
carries the same event id, which consumers drop; a second *firing* would carry a new one).
"""

from __future__ import annotations

import asyncio
import os
import signal
from collections import Counter
from collections.abc import AsyncIterator
from datetime import datetime, timedelta
from pathlib import Path

import pytest
import pytest_asyncio
from aiokafka import AIOKafkaProducer

from tests.integration.harness import Stack, kafka_bootstrap, read_events, running_stack, wait_until
from tousu_shared.clock import FileClock
from tousu_shared.contracts.envelope import Envelope
from tousu_shared.contracts.events import Channel, ComplaintTriaged
from tousu_shared.delivery.outbox import envelope_headers
from tousu_shared.ids import new_id

pytestmark = pytest.mark.integration

CASES = int(os.environ.get("TOUSU_TEST_SLA_CASES", "10000"))
T0 = datetime.fromisoformat("2026-03-02T09:00:00+08:00")
TENANT, ESTATE = "replica-group", "replica-estate"


@pytest_asyncio.fixture(scope="module")
async def replicas(tmp_path_factory: pytest.TempPathFactory) -> AsyncIterator[tuple[Stack, Path]]:
    workdir = tmp_path_factory.mktemp("sla-replicas")
    clock = workdir / "clock"
    FileClock.write(clock, T0)
    env = {"TOUSU_CLOCK_FILE": str(clock), "TOUSU_SLA_POLL_SECONDS": "0.1"}
    try:
        async with running_stack(workdir, "rep", env=env, names=["sla-monitor"]) as stack:
            shared_db = stack.services["sla-monitor"].env["TOUSU_DATABASE_URL"]
            second = {"sla-monitor-2": ("sla-monitor", {"TOUSU_DATABASE_URL": shared_db})}
            await stack.start(names=[], deployments=second)
            yield stack, clock
    finally:
        print(f"\nservice logs: {workdir}")


async def test_each_clock_fires_once_across_replicas_and_a_kill(replicas: tuple[Stack, Path]) -> None:
    stack, clock = replicas
    ids = await _produce_triaged(stack, CASES)
    opened = "SELECT count(*) FROM sla_cases WHERE tenant_id = :t AND classification IS NOT NULL"
    await wait_until(lambda: _count(stack, opened, CASES), 240, f"{CASES} cases opened")

    FileClock.write(clock, T0 + timedelta(hours=3))  # every registration clock (2 h) is past due
    fired = (
        "SELECT count(*) FROM sla_clock_runs WHERE tenant_id = :t AND name = 'registration' "
        "AND breached_at IS NOT NULL"
    )
    await wait_until(
        lambda: _count(stack, fired, CASES // 5), 240, "a fifth of the cases fired", interval=0.1
    )
    victim = stack.services["sla-monitor-2"]
    assert victim.kill(signal.SIGKILL) == -signal.SIGKILL
    at_kill = int(await stack.scalar("sla-monitor", fired, t=TENANT))
    assert at_kill < CASES, "the kill came after all the firing: nothing was tested"

    await wait_until(lambda: _count(stack, fired, CASES), 300, "every case fired")
    # started ×2, warning, breach per case
    events = await read_events(stack, f"{stack.topic_prefix}sla.events", expect=CASES * 4)
    firings = Counter((e["complaint_id"], e["type"], e["payload"]["clock"]) for e in events.values())
    for kind in ("ClockWarning", "ClockBreached"):
        per_case = Counter(firings[(c, kind, "registration")] for c in ids)
        assert per_case == Counter({1: CASES}), f"{kind}: cases by number of firings {per_case}"
    print(f"\nkilled sla-monitor-2 with {at_kill} of {CASES} cases fired; {len(events)} distinct events read")


async def _produce_triaged(stack: Stack, n: int) -> list[str]:
    """``n`` noise complaints of a community-standard estate, triaged at T0."""
    producer = AIOKafkaProducer(bootstrap_servers=kafka_bootstrap(), linger_ms=20, acks="all")
    await producer.start()
    ids = []
    try:
        futures = []
        for _ in range(n):
            complaint_id = new_id()
            ids.append(complaint_id)
            payload = ComplaintTriaged(
                regime="community-standard",
                regime_version=1,
                topic="noise",
                category="environment",
                department="security",
                severity="general",
                confidence=0.9,
                classifier="test",
                channel=Channel.phone,
                received_at=T0,
            )
            envelope = Envelope.new(
                payload=payload, occurred_at=T0, tenant_id=TENANT, estate_id=ESTATE, complaint_id=complaint_id
            )
            headers = [(k, v.encode()) for k, v in envelope_headers(envelope).items()]
            topic = f"{stack.topic_prefix}complaints.triaged"
            futures.append(
                await producer.send(topic, envelope.to_bytes(), key=complaint_id.encode(), headers=headers)
            )
        await asyncio.gather(*futures)
    finally:
        await producer.stop()
    return ids


async def _count(stack: Stack, sql: str, want: int, **params: object) -> bool | int:
    got = int(await stack.scalar("sla-monitor", sql, t=TENANT, **params))
    return True if got >= want else got
