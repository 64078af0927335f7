"""The outbox relay: publish committed outbox rows to Kafka, then mark them sent.

At-least-once by construction: a crash between the broker's ack and the UPDATE sends
those rows again after a restart, and consumers drop them by ``event_id``. The
producer is idempotent, so the relay's own retries do not duplicate or reorder
messages within a partition. On PostgreSQL a transaction-scoped advisory lock lets
only one replica relay at a time, which keeps each complaint's events in order.
"""

from __future__ import annotations

import asyncio
import contextlib
from datetime import timedelta
from typing import Any, Protocol

import orjson
from sqlalchemy import delete, func, select, update
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker
from sqlmodel import col

from tousu_shared.clock import Clock
from tousu_shared.delivery.faults import crash_point
from tousu_shared.delivery.tables import OutboxMessage
from tousu_shared.logging import get_logger
from tousu_shared.telemetry.metrics import OUTBOX_PUBLISHED
from tousu_shared.telemetry.tracing import PublishSpans

log = get_logger(__name__)

_RELAY_LOCK = 0x7A5D_0001  # advisory lock id shared by the relays of one service database


class Producer(Protocol):
    async def send(self, topic: str, value: bytes, key: bytes, headers: list[tuple[str, bytes]]) -> Any:
        """Enqueue; return an awaitable that resolves once the broker has acknowledged."""
        ...


class OutboxRelay:
    def __init__(
        self,
        sessions: async_sessionmaker[AsyncSession],
        producer: Producer,
        clock: Clock,
        *,
        postgres: bool,
        batch_size: int = 500,
        poll_seconds: float = 0.2,
        keep_seconds: float = 600,
    ) -> None:
        self._sessions = sessions
        self._producer = producer
        self._clock = clock
        self._postgres = postgres
        self._batch_size = batch_size
        self._poll_seconds = poll_seconds
        self._keep = timedelta(seconds=keep_seconds)
        self._wake = asyncio.Event()
        self._stopping = False
        self._task: asyncio.Task[None] | None = None
        self.published = 0

    def wake(self) -> None:
        """Called after a commit that wrote outbox rows, so they go out without waiting a poll."""
        self._wake.set()

    def start(self) -> None:
        self._task = asyncio.create_task(self._run(), name="outbox-relay")

    async def stop(self) -> None:
        """Publish what is committed, then stop."""
        self._stopping = True
        self._wake.set()
        if self._task:
            with contextlib.suppress(asyncio.CancelledError):
                await self._task
        with contextlib.suppress(Exception):
            await self.drain()

    async def drain(self) -> int:
        total = 0
        while sent := await self.relay_batch():
            total += sent
        return total

    async def relay_batch(self) -> int:
        """Publish one batch of unsent rows; return how many were published."""
        async with self._sessions() as session, session.begin():
            if self._postgres and not await session.scalar(
                select(func.pg_try_advisory_xact_lock(_RELAY_LOCK))
            ):
                return 0
            rows = (
                await session.execute(
                    select(
                        col(OutboxMessage.id),
                        col(OutboxMessage.topic),
                        col(OutboxMessage.key),
                        col(OutboxMessage.value),
                        col(OutboxMessage.headers),
                    )
                    .where(col(OutboxMessage.sent_at).is_(None))
                    .order_by(col(OutboxMessage.id))
                    .limit(self._batch_size)
                )
            ).all()
            if not rows:
                return 0
            spans = PublishSpans()
            try:
                acks = [
                    await self._producer.send(
                        row.topic,
                        value=row.value,
                        key=row.key.encode(),
                        headers=[
                            (k, v.encode())
                            for k, v in spans.start(row.topic, row.key, orjson.loads(row.headers)).items()
                        ],
                    )
                    for row in rows
                ]
                await asyncio.gather(*acks)
            except BaseException as exc:
                spans.end(exc)
                raise
            spans.end()
            crash_point("relay-after-send")
            await session.execute(
                update(OutboxMessage)
                .where(col(OutboxMessage.id).in_([row.id for row in rows]))
                .values(sent_at=self._clock.now())
            )
        self.published += len(rows)
        OUTBOX_PUBLISHED.inc(len(rows))
        return len(rows)

    async def purge_sent(self) -> None:
        async with self._sessions() as session, session.begin():
            await session.execute(
                delete(OutboxMessage).where(col(OutboxMessage.sent_at) < self._clock.now() - self._keep)
            )

    async def _run(self) -> None:
        backoff = self._poll_seconds
        loops = 0
        while not self._stopping:
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(self._wake.wait(), timeout=self._poll_seconds)
            self._wake.clear()
            try:
                while await self.relay_batch() == self._batch_size and not self._stopping:
                    pass
                loops += 1
                if loops % 300 == 0:
                    await self.purge_sent()
                backoff = self._poll_seconds
            except Exception as exc:  # broker or database away: keep the rows, try again
                log.warning("outbox relay failed, will retry", error=str(exc), retry_in_s=backoff)
                await asyncio.sleep(backoff)
                backoff = min(backoff * 2, 5.0)
