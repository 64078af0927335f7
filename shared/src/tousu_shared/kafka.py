"""Kafka plumbing: topic creation, the idempotent producer, and batch subscribers.

FastStream owns the subscriber loop (consumer groups, batching, ack/nack). The outbox
relay uses aiokafka's producer directly: it needs per-message topic, key and headers
with send futures it can gather, and ``enable_idempotence``.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import Sequence

from aiokafka import AIOKafkaProducer
from aiokafka.admin import AIOKafkaAdminClient, NewTopic
from aiokafka.errors import TopicAlreadyExistsError
from faststream import AckPolicy
from faststream.kafka import KafkaBroker
from faststream.kafka.annotations import KafkaMessage
from faststream.security import BaseSecurity

from tousu_shared.delivery.consumer import BatchProcessor
from tousu_shared.kafka_auth import client_options
from tousu_shared.logging import get_logger

log = get_logger(__name__)


async def ensure_topics(
    bootstrap: str, topics: Sequence[str], partitions: int, security: BaseSecurity | None = None
) -> None:
    """Create missing topics (and their DLQs are passed in explicitly by the caller)."""
    admin = AIOKafkaAdminClient(
        bootstrap_servers=bootstrap, request_timeout_ms=15000, **client_options(security)
    )
    await admin.start()
    try:
        existing = set(await admin.list_topics())
        missing = [t for t in dict.fromkeys(topics) if t not in existing]
        for topic in missing:  # one by one: a concurrent creator only fails its own topic
            with contextlib.suppress(TopicAlreadyExistsError):
                await admin.create_topics([NewTopic(topic, num_partitions=partitions, replication_factor=1)])
    finally:
        await admin.close()


def make_producer(bootstrap: str, security: BaseSecurity | None = None) -> AIOKafkaProducer:
    return AIOKafkaProducer(
        bootstrap_servers=bootstrap,
        enable_idempotence=True,
        acks="all",
        linger_ms=2,
        request_timeout_ms=30000,
        **client_options(security),
    )


def make_broker(bootstrap: str, graceful_timeout: float, security: BaseSecurity | None = None) -> KafkaBroker:
    # Per-message INFO logs cost more than the work itself (DESIGN.md "Throughput").
    logging.getLogger("faststream").setLevel(logging.WARNING)
    return KafkaBroker(
        bootstrap, graceful_timeout=graceful_timeout, log_level=logging.DEBUG, security=security
    )


async def _raw_records(message: KafkaMessage) -> object:
    """Skip FastStream's body decoding: the processor reads the raw records itself,
    so a poison message reaches our DLQ logic instead of failing in the framework."""
    return None


def subscribe_batch(
    broker: KafkaBroker,
    topics: Sequence[str],
    group_id: str,
    processor: BatchProcessor,
    max_records: int,
) -> None:
    failures = 0

    @broker.subscriber(
        *topics,
        group_id=group_id,
        batch=True,
        max_records=max_records,
        batch_timeout_ms=100,
        auto_offset_reset="earliest",
        ack_policy=AckPolicy.NACK_ON_ERROR,
        decoder=_raw_records,
        title=f"{group_id}:{','.join(topics)}",
    )
    async def consume(message: KafkaMessage) -> None:
        nonlocal failures
        records = message.raw_message
        if not isinstance(records, tuple):
            records = (records,)
        try:
            await processor.process_or_isolate(records)
            failures = 0
        except Exception as exc:
            # Not the message's fault (database or broker away): rewind and read it again.
            failures += 1
            delay = min(0.2 * 2**failures, 5.0)
            log.warning(
                "batch failed, will be read again",
                consumer=processor.consumer,
                error=f"{type(exc).__name__}: {exc}",
                retry_in_s=delay,
            )
            await asyncio.sleep(delay)
            raise
