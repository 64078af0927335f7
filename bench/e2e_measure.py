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

#: a complaint is through once archive files it with its work order and a started clock
FILED_COMPLETE = """
SELECT count(*) FROM case_files c
 WHERE c.tenant_id = :t AND c.work_order_id IS NOT NULL
   AND EXISTS (SELECT 1 FROM clock_runs r WHERE r.complaint_id = c.complaint_id)
"""


def read_accepted(path: Path) -> dict[str, float]:
    """The load generator's ``complaint_id<TAB>accepted at`` lines."""
    out: dict[str, float] = {}
    for line in path.read_text().splitlines():
        cid, at = line.split("\t")
        out[cid] = float(at)
    return out


async def _read_all(bootstrap: str, topic: str, limit: int | None = None) -> list[Any]:
    """Every record of ``topic`` up to its end now (or the first ``limit`` per partition)."""
    consumer = AIOKafkaConsumer(bootstrap_servers=bootstrap, enable_auto_commit=False)
    await consumer.start()
    try:
        partitions = [TopicPartition(topic, p) for p in (consumer.partitions_for_topic(topic) or set())]
        if not partitions:
            await consumer.topics()  # refresh metadata once
            partitions = [TopicPartition(topic, p) for p in (consumer.partitions_for_topic(topic) or set())]
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


async def filed_complete(stack: Stack, tenant: str) -> int:
    return int(await stack.scalar("archive", FILED_COMPLETE, t=tenant))


async def wait_filed(stack: Stack, tenant: str, goal: int, timeout: float, label: str) -> float | None:
    """Wait until archive holds ``goal`` complete cases of ``tenant``; the wall-clock instant
    it saw them (polled every 0.25 s), or None after ``timeout`` s. Prints progress."""
    deadline, shown = time.monotonic() + timeout, 0.0
    while time.monotonic() < deadline:
        got = await filed_complete(stack, tenant)
        if got >= goal:
            return time.time()
        if time.monotonic() - shown > 5:
            print(f"  {label}: {got:,} of {goal:,} complaints filed complete", flush=True)
            shown = time.monotonic()
        await asyncio.sleep(0.25)
    return None
