"""Reading where topics stand: partitions, message counts, consumer lag.

Used by ``tousu dlq`` (how many messages a DLQ holds) and by each service's metrics
sampler (its consumer groups' lag, its DLQs' size). Nothing here consumes or commits.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any

from aiokafka import AIOKafkaConsumer, TopicPartition
from aiokafka.admin import AIOKafkaAdminClient


class OffsetReader:
    """An admin client and a group-less consumer, opened once and reused."""

    def __init__(self, bootstrap: str, options: Mapping[str, Any]) -> None:
        self._admin = AIOKafkaAdminClient(bootstrap_servers=bootstrap, request_timeout_ms=15000, **options)
        self._consumer = AIOKafkaConsumer(
            bootstrap_servers=bootstrap, group_id=None, enable_auto_commit=False, **options
        )

    async def start(self) -> None:
        await self._admin.start()
        await self._consumer.start()

    async def close(self) -> None:
        await self._consumer.stop()
        await self._admin.close()

    async def list_topics(self) -> list[str]:
        return list(await self._admin.list_topics())

    async def partitions(self, topics: Iterable[str]) -> dict[str, list[int]]:
        """The partitions of each topic that exists (a missing one is left out)."""
        existing = set(await self._admin.list_topics())
        wanted = [t for t in dict.fromkeys(topics) if t in existing]
        described = await self._admin.describe_topics(wanted) if wanted else []
        return {d["topic"]: sorted(p["partition"] for p in d["partitions"]) for d in described}

    async def message_counts(self, topics: Iterable[str]) -> dict[str, int]:
        """How many messages each topic holds now (end − beginning, over its partitions)."""
        counts: dict[str, int] = {}
        for topic, parts in (await self.partitions(topics)).items():
            tps = [TopicPartition(topic, p) for p in parts]
            first = await self._consumer.beginning_offsets(tps)
            last = await self._consumer.end_offsets(tps)
            counts[topic] = sum(last[tp] - first[tp] for tp in tps)
        return counts

    async def lag(self, group: str, topics: Iterable[str]) -> dict[str, int]:
        """Per topic, how many messages ``group`` has not committed yet. A partition the group
        never committed counts from the beginning (it reads from the earliest offset)."""
        committed = await self._admin.list_consumer_group_offsets(group)
        lag: dict[str, int] = {}
        for topic, parts in (await self.partitions(topics)).items():
            tps = [TopicPartition(topic, p) for p in parts]
            first = await self._consumer.beginning_offsets(tps)
            last = await self._consumer.end_offsets(tps)
            lag[topic] = sum(
                last[tp] - max(committed[tp].offset if tp in committed else first[tp], first[tp])
                for tp in tps
            )
        return lag

    async def committed(self, group: str, partitions: list[TopicPartition]) -> dict[TopicPartition, int]:
        """Where ``group`` committed on these partitions (those it never committed are left out)."""
        offsets = await self._admin.list_consumer_group_offsets(group, partitions=partitions)
        return {tp: meta.offset for tp, meta in offsets.items() if meta.offset >= 0}

    @property
    def consumer(self) -> AIOKafkaConsumer:
        return self._consumer


DLQ_SUFFIX = ".dlq"


async def dlq_counts(bootstrap: str, options: Mapping[str, Any], prefix: str) -> dict[str, int]:
    """Every DLQ topic of this prefix and how many messages it holds (end − beginning)."""
    reader = OffsetReader(bootstrap, options)
    await reader.start()
    try:
        names = [t for t in await reader.list_topics() if t.startswith(prefix) and t.endswith(DLQ_SUFFIX)]
        return dict(sorted((await reader.message_counts(names)).items()))
    finally:
        await reader.close()
