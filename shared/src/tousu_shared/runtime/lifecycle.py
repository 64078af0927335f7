"""Start-up and shutdown of a service's workers: migrations, topics, relay, subscribers.

Start-up runs in the background, so the HTTP server answers at once: ``/health/live``
is up, ``/health/ready`` says what the service is waiting for. While Kafka or the
database do not answer, start-up retries with back-off (a broker restart must not
crash-loop every pod). A failure that waiting will not cure (a broken migration, a bug)
stops the process with exit code 1.
"""

from __future__ import annotations

import asyncio
import contextlib
import signal
from typing import TYPE_CHECKING

from aiokafka import AIOKafkaProducer
from aiokafka.errors import KafkaError
from faststream.kafka import KafkaBroker

from tousu_shared.contracts.topics import Topics
from tousu_shared.db.engine import is_postgres
from tousu_shared.db.migrate import is_at_head, upgrade
from tousu_shared.delivery.consumer import BatchProcessor
from tousu_shared.delivery.errors import is_transient
from tousu_shared.delivery.relay import OutboxRelay
from tousu_shared.kafka import ensure_topics, make_broker, make_producer, subscribe_batch
from tousu_shared.logging import get_logger
from tousu_shared.telemetry.sampler import sample_forever

if TYPE_CHECKING:
    from tousu_shared.runtime.service import Runtime

log = get_logger(__name__)

#: set when start-up failed for good; ``serve`` turns it into the exit code
startup_failed = False


def _stop_if_failed(task: asyncio.Task[None]) -> None:
    """A background job (the SLA monitor's firing loop, a mailbox poller) that dies of a bug
    must not leave a service that looks ready and does nothing: log it and stop, so the
    orchestrator restarts it."""
    global startup_failed
    if task.cancelled() or task.exception() is None:
        return
    exc = task.exception()
    log.error("background job failed; stopping", job=task.get_name(), error=f"{type(exc).__name__}: {exc}")
    startup_failed = True
    signal.raise_signal(signal.SIGTERM)


class MigrationsPending(Exception):
    """The database is behind the code (the migrations Job has not run yet): wait for it."""


class Lifecycle:
    def __init__(self, rt: Runtime) -> None:
        self.rt = rt
        self.status = "starting"
        self._producer: AIOKafkaProducer | None = None
        self._broker: KafkaBroker | None = None
        self._task: asyncio.Task[None] | None = None
        self._background: list[asyncio.Task[None]] = []
        self._sampler: asyncio.Task[None] | None = None

    def start(self) -> None:
        self._task = asyncio.create_task(self._start_until_ready(), name="startup")

    async def _start_until_ready(self) -> None:
        global startup_failed
        delay = 0.5
        while True:
            try:
                await self._start_once()
                return
            except Exception as exc:
                await self._stop_workers()
                reason = f"{type(exc).__name__}: {exc}"
                if not (is_transient(exc) or isinstance(exc, KafkaError | MigrationsPending)):
                    self.status = f"failed: {reason}"
                    log.error("start-up failed; stopping", error=reason)
                    startup_failed = True
                    signal.raise_signal(signal.SIGTERM)
                    return
                self.status = f"waiting for Kafka, the database or its migrations: {reason}"
                log.warning("waiting for dependencies", error=reason, retry_in_s=delay)
                await asyncio.sleep(delay)
                delay = min(delay * 2, 10.0)

    async def _start_once(self) -> None:
        rt, s = self.rt, self.rt.settings
        if rt.spec.warm_up is not None:
            self.status = "warming up"
            await asyncio.to_thread(rt.spec.warm_up)
        if s.auto_migrate:
            self.status = "migrating the database"
            await upgrade(rt.engine, rt.spec.migrations)
        elif not await is_at_head(rt.engine, rt.spec.migrations):
            raise MigrationsPending(f"run `tousu db upgrade {rt.spec.name}` (TOUSU_AUTO_MIGRATE is off)")
        self.status = "connecting to Kafka"
        written = [*rt.spec.writes(rt.topics, rt.regimes), *rt.extra_writes]
        subscriptions = rt.all_subscriptions()
        read = [t for sub in subscriptions for t in sub.topics(rt.topics, rt.regimes)]
        topics = [*written, *read, *(Topics.dlq(t) for t in read)]
        await ensure_topics(s.kafka_bootstrap, topics, s.topic_partitions, rt.kafka_security)
        self._producer = make_producer(s.kafka_bootstrap, rt.kafka_security)
        await self._producer.start()
        relay = OutboxRelay(
            rt.sessions,
            self._producer,
            rt.clock,
            postgres=is_postgres(rt.engine),
            batch_size=s.relay_batch_size,
            poll_seconds=s.relay_poll_seconds,
            keep_seconds=s.outbox_keep_seconds,
        )
        relay.start()
        rt.relay = relay
        if subscriptions:
            self._broker = make_broker(s.kafka_bootstrap, s.graceful_timeout_seconds, rt.kafka_security)
            for sub in subscriptions:
                consumer = sub.name_for(rt.regimes)
                processor = BatchProcessor(
                    consumer,
                    rt.sessions,
                    sub.handler,
                    rt.clock,
                    rt.topics,
                    max_attempts=s.consumer_max_attempts,
                    on_committed=relay.wake,
                    preloads=sub.preloads,
                )
                subscribe_batch(
                    self._broker,
                    sub.topics(rt.topics, rt.regimes),
                    s.group_id(consumer),
                    processor,
                    s.consumer_max_records,
                )
            await self._broker.start()
        self._background = [asyncio.create_task(job(rt), name=job.__name__) for job in rt.background]
        for task in self._background:
            task.add_done_callback(_stop_if_failed)
        self._sampler = asyncio.create_task(sample_forever(rt), name="metrics-sampler")
        rt.ready = True
        self.status = "ready"
        log.info("service started", regimes=rt.regimes, topics_read=read, topics_written=written)

    async def stop(self) -> None:
        self.rt.ready = False
        log.info("service stopping")
        if self._task and not self._task.done():
            self._task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._task
        await self._stop_workers()
        await self.rt.engine.dispose()
        log.info("service stopped")

    async def _stop_workers(self) -> None:
        """Stop polling (in-flight batches finish and commit), publish what is committed."""
        for job in self._background:
            job.cancel()
        for job in self._background:
            with contextlib.suppress(asyncio.CancelledError, Exception):
                await job
        self._background = []
        if self._sampler is not None:
            self._sampler.cancel()
            with contextlib.suppress(asyncio.CancelledError, Exception):
                await self._sampler
            self._sampler = None
        if self._broker is not None:
            with contextlib.suppress(Exception):
                await self._broker.stop()
            self._broker = None
        if self.rt.relay is not None:
            await self.rt.relay.stop()
            self.rt.relay = None
        if self._producer is not None:
            with contextlib.suppress(Exception):
                await self._producer.stop()
            self._producer = None
