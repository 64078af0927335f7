"""What the end-to-end bench reads back from the running system: when each complaint's work
order was announced (Kafka), how big the messages on a complaint's path are, and how many
complaints archive has filed complete (work order and clocks)."""

from __future__ import annotations

import asyncio
import time
from pathlib import Path
from typing import Any

from aiokafka import AIOKafkaConsumer, TopicPartition

from tests.integration.harness import Stack
from tousu_shared.kafka_offsets import OffsetReader

#: Through = archive files the case with its work order and with every clock the SLA monitor
#: started for it (none, for a category whose regime starts no clock at registration). The
#: bench's databases hold its one property group only, so whole tables are counted.
ARCHIVE_WITH_WORK_ORDER = "SELECT count(*) FROM case_files WHERE work_order_id IS NOT NULL"
ARCHIVE_CLOCK_RUNS = "SELECT count(*) FROM clock_runs"
SLA_CASES = "SELECT count(*) FROM sla_cases"
SLA_CLOCK_RUNS = "SELECT count(*) FROM sla_clock_runs"


def read_accepted(path: Path) -> dict[str, float]:
    """The load generator's ``complaint_id<TAB>accepted at`` lines."""
    out: dict[str, float] = {}
    for line in path.read_text().splitlines():
        cid, at = line.split("\t")
        out[cid] = float(at)
    return out


async def _read_all(bootstrap: str, topic: str, limit: int | None = None) -> list[Any]:
    """Every record of ``topic`` up to its end now (or the first ``limit`` per partition)."""
    reader = OffsetReader(bootstrap, {})
    await reader.start()
    try:
        found = (await reader.partitions([topic])).get(topic, [])
    finally:
        await reader.close()
    partitions = [TopicPartition(topic, p) for p in found]
    if not partitions:
        return []
    consumer = AIOKafkaConsumer(bootstrap_servers=bootstrap, enable_auto_commit=False)
    await consumer.start()
    try:
        consumer.assign(partitions)
        await consumer.seek_to_beginning(*partitions)
        ends = await consumer.end_offsets(partitions)
        goal = {tp: end if limit is None else min(end, limit) for tp, end in ends.items()}
        records: list[Any] = []
        position = dict.fromkeys(partitions, 0)
        while any(position[tp] < goal[tp] for tp in partitions):
            for tp, batch in (await consumer.getmany(timeout_ms=500, max_records=5000)).items():
                for r in batch:
                    if r.offset < goal[tp]:
                        records.append(r)
                position[tp] = batch[-1].offset + 1 if batch else position[tp]
        return records
    finally:
        await consumer.stop()


async def work_orders_announced(bootstrap: str, topic: str) -> dict[str, float]:
    """complaint id → when its ``WorkOrderCreated`` was produced (the record's CreateTime,
    set by dispatch's relay as it sends, after the work order's commit), epoch seconds."""
    out: dict[str, float] = {}
    for r in await _read_all(bootstrap, topic):
        if dict(r.headers).get("tousu-event-type") == b"WorkOrderCreated" and r.key:
            out.setdefault(r.key.decode(), r.timestamp / 1000)
    return out


async def mean_message_bytes(bootstrap: str, topics: list[str], sample: int = 200) -> int:
    """Mean size (value + key + headers) of the first ``sample`` records per partition of ``topics``."""
    sizes: list[int] = []
    for topic in topics:
        for r in await _read_all(bootstrap, topic, limit=sample):
            headers = sum(len(k) + len(v) for k, v in r.headers)
            sizes.append(len(r.value or b"") + len(r.key or b"") + headers)
    return round(sum(sizes) / len(sizes)) if sizes else 0


async def filed(stack: Stack) -> tuple[int, bool]:
    """Cases archive holds with their work order, and whether it has every clock run the
    SLA monitor started (for every case the monitor holds so far)."""
    with_work_order = int(await stack.scalar("archive", ARCHIVE_WITH_WORK_ORDER))
    monitored = int(await stack.scalar("sla-monitor", SLA_CASES))
    started = int(await stack.scalar("sla-monitor", SLA_CLOCK_RUNS))
    archived_runs = int(await stack.scalar("archive", ARCHIVE_CLOCK_RUNS))
    return min(with_work_order, monitored), archived_runs >= started


async def wait_filed(stack: Stack, goal: int, timeout: float, label: str) -> float | None:
    """Wait until ``goal`` complaints are through (see ``ARCHIVE_WITH_WORK_ORDER``); the
    wall-clock instant that was seen (polled every 0.5 s), or None after ``timeout`` s."""
    deadline, shown = time.monotonic() + timeout, time.monotonic()
    while time.monotonic() < deadline:
        cases, clocks_filed = await filed(stack)
        if cases >= goal and clocks_filed:
            return time.time()
        if time.monotonic() - shown > 5:
            print(f"  {label}: {cases:,} of {goal:,} complaints through", flush=True)
            shown = time.monotonic()
        await asyncio.sleep(0.5)
    return None
