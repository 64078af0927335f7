"""Idempotent batch processing: the step between Kafka records and a service's handler.

For one batch of records, in one database transaction:

1. decode each record; a record that is not a valid envelope goes to ``<topic>.dlq``;
2. skip records whose ``event_id`` this consumer has already applied;
3. refuse an event naming an estate under another group than the one it belongs to
   (``tenancy.py``) straight to ``<topic>.dlq``, before its handler runs;
4. apply each new event; an event that fails goes to ``<topic>.dlq`` with the error;
5. record every ``event_id`` in ``processed_events``.

Step 4 is optimistic: the batch's handlers run one after another in the one transaction,
and its rows are flushed together at the end (one multi-row INSERT per table). If anything
in it fails, the transaction is rolled back and the batch is applied again carefully: each
event in its own SAVEPOINT, flushed there, retried up to ``max_attempts``, and dead-lettered
alone if it still fails. Failures are rare, so most batches cost no SAVEPOINT round trips.

DLQ messages are written through the outbox, so they are as atomic as the state change.
The Kafka offset is committed by the caller only after this transaction commits; if the
database or broker is away (:func:`is_transient`), the whole batch raises and is read again.
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any, Protocol

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker
from sqlmodel import col

from tousu_shared.clock import Clock
from tousu_shared.contracts.envelope import Envelope, EnvelopeError, decode_envelope
from tousu_shared.contracts.topics import Topics
from tousu_shared.delivery.errors import PermanentError, is_transient
from tousu_shared.delivery.faults import crash_point
from tousu_shared.delivery.outbox import add_event, add_raw
from tousu_shared.delivery.replay import replayed_for
from tousu_shared.delivery.rows import Preload, keep_batch_rows, preload
from tousu_shared.delivery.tables import ProcessedEvent
from tousu_shared.delivery.tenancy import TenancyCheck
from tousu_shared.logging import get_logger
from tousu_shared.pii import mask_phones_in_text
from tousu_shared.telemetry.metrics import CONSUMER_BATCH_SECONDS, CONSUMER_EVENTS, DEAD_LETTERED
from tousu_shared.telemetry.tracing import batch_span, mark_failed, process_span, record_headers

log = get_logger(__name__)


class Record(Protocol):
    """What we need of a Kafka record (aiokafka's ConsumerRecord fits)."""

    topic: str
    partition: int
    offset: int
    key: bytes | None
    value: bytes | None
    headers: Sequence[tuple[str, bytes]]


@dataclass
class HandlerContext:
    """What a handler gets besides the event: the transaction, the time, and where to emit."""

    session: AsyncSession
    clock: Clock
    topics: Topics
    record_topic: str

    def emit(self, topic: str, envelope: Envelope) -> None:
        add_event(self.session, topic, envelope, self.clock.now())


Handler = Callable[[HandlerContext, Envelope], Awaitable[None]]


class _ApplyCarefully(Exception):
    """Something in an optimistic batch failed: roll it back and apply it event by event.
    A handler's :class:`PermanentError` is kept, so the careful pass dead-letters that
    event without running its handler again."""

    def __init__(self, reason: str, event_id: str | None = None, permanent: PermanentError | None = None):
        super().__init__(reason)
        self.event_id, self.permanent = event_id, permanent


@dataclass
class BatchResult:
    applied: int = 0
    duplicates: int = 0
    dead_lettered: int = 0


class BatchProcessor:
    def __init__(
        self,
        consumer: str,
        sessions: async_sessionmaker[AsyncSession],
        handler: Handler,
        clock: Clock,
        topics: Topics,
        *,
        max_attempts: int = 3,
        retry_delay_seconds: float = 0.05,
        on_committed: Callable[[], None] = lambda: None,
        preloads: Sequence[type | Preload] = (),
    ) -> None:
        self.consumer = consumer
        self._sessions = sessions
        self._handler = handler
        self._clock = clock
        self._topics = topics
        self._max_attempts = max_attempts
        self._retry_delay = retry_delay_seconds
        self._on_committed = on_committed
        self._preloads = [p if isinstance(p, Preload) else Preload(p) for p in preloads]
        self._tenancy = TenancyCheck()
        self._known_permanent: dict[str, PermanentError] = {}  # from the optimistic pass

    async def process_or_isolate(self, records: Sequence[Record]) -> BatchResult:
        """Process the batch; if it fails for a reason that is not the infrastructure's
        (a bug, a value the database refuses at commit), process its records one by one
        and dead-letter the one that still fails, so one record cannot stall a partition."""
        try:
            return await self.process(records)
        except Exception as exc:
            if is_transient(exc):
                raise
            log.error(
                "batch failed; retrying its records one by one",
                consumer=self.consumer,
                error=f"{type(exc).__name__}: {exc}",
            )
        total = BatchResult()
        for record in records:
            try:
                result = await self.process([record])
            except Exception as exc:
                if is_transient(exc):
                    raise
                result = await self._dead_letter_alone(record, exc)
            total.applied += result.applied
            total.duplicates += result.duplicates
            total.dead_lettered += result.dead_lettered
        return total

    async def process(self, records: Sequence[Record]) -> BatchResult:
        try:
            try:
                result = await self._process(records, careful=False)
            except _ApplyCarefully as exc:
                self._tenancy.rolled_back()
                log.info("batch applied again event by event", consumer=self.consumer, reason=str(exc))
                if exc.event_id and exc.permanent:
                    self._known_permanent[exc.event_id] = exc.permanent
                try:
                    result = await self._process(records, careful=True)
                finally:
                    self._known_permanent.clear()
        except BaseException:
            self._tenancy.rolled_back()
            raise
        self._tenancy.committed()
        return result

    async def _process(self, records: Sequence[Record], *, careful: bool) -> BatchResult:
        started = time.perf_counter()
        decoded = [_decode(r) for r in records]
        keys = [self._key(r, env) for r, env, _ in decoded]
        result = BatchResult()
        with batch_span(self.consumer, [r.headers for r in records]):
            async with self._sessions() as session, session.begin():
                keep_batch_rows(session)
                done = await self._already_processed(session, [k for k in keys if k])
                await self._preload(
                    session,
                    [
                        env
                        for (_, env, _), k in zip(decoded, keys, strict=True)
                        if env is not None and k and k not in done
                    ],
                )
                now = self._clock.now()
                for (record, envelope, error), key in zip(decoded, keys, strict=True):
                    if key is None or key in done:
                        result.duplicates += 1
                        continue
                    done.add(key)  # the relay may resend an event within one batch
                    if await self._take(session, record, envelope, error, now, careful=careful):
                        result.applied += 1
                    else:
                        result.dead_lettered += 1
                    session.add(ProcessedEvent(consumer=self.consumer, event_id=key, processed_at=now))
                if not careful:
                    await _flush_or_apply_carefully(session)
        crash_point("consumer-after-commit")
        if result.duplicates:
            log.info("skipped already-processed events", consumer=self.consumer, duplicates=result.duplicates)
        self._count(result, time.perf_counter() - started)
        self._on_committed()
        return result

    def _key(self, record: Record, envelope: Envelope | None) -> str | None:
        """What this consumer remembers the record by; None: not for this consumer.

        A record replayed from a DLQ (``tousu dlq replay``) is meant for the consumer that
        gave up on it, and is remembered by its place in the DLQ, so it applies once however
        often it is replayed; the other consumers of the topic already had the original.
        """
        replay = replayed_for(record)
        if replay is not None:
            replay_of, consumer = replay
            return f"replay:{replay_of}" if consumer == self.consumer else None
        return envelope.event_id if envelope else _poison_key(record)

    async def _take(
        self,
        session: AsyncSession,
        record: Record,
        envelope: Envelope | None,
        error: BaseException | None,
        now: datetime,
        *,
        careful: bool,
    ) -> bool:
        """Apply one new record, or dead-letter it; True if it was applied."""
        attributes: dict[str, str | int] = {
            "messaging.kafka.partition": record.partition,
            "messaging.kafka.offset": record.offset,
        }
        if envelope is not None:
            attributes |= {"tousu.event_type": envelope.type, "tousu.complaint_id": envelope.complaint_id}
        redo: _ApplyCarefully | None = None
        with process_span(self.consumer, record.topic, record_headers(record.headers), attributes) as span:
            failure, attempts = error, 1
            if envelope is not None:
                failure = await self._tenancy.check(session, envelope)
                if failure is None and not careful:
                    try:
                        await self._apply_optimistically(session, record, envelope)
                    except _ApplyCarefully as exc:  # not this span's error: the careful pass decides
                        span.add_event("rolled back; applied again event by event", {"reason": str(exc)})
                        redo = exc
                elif failure is None:
                    failure, attempts = await self._apply(session, record, envelope)
            if failure is not None:
                mark_failed(span, f"dead-lettered: {type(failure).__name__}")
                self._dead_letter(session, record, failure, attempts, now)
        if redo is not None:
            raise redo
        return failure is None

    def _count(self, result: BatchResult, seconds: float) -> None:
        CONSUMER_BATCH_SECONDS.labels(self.consumer).observe(seconds)
        for outcome, n in (
            ("applied", result.applied),
            ("duplicate", result.duplicates),
            ("dead_lettered", result.dead_lettered),
        ):
            if n:
                CONSUMER_EVENTS.labels(self.consumer, outcome).inc(n)

    async def _dead_letter_alone(self, record: Record, error: BaseException) -> BatchResult:
        _, envelope, _ = _decode(record)
        key = self._key(record, envelope)
        if key is None:
            return BatchResult(duplicates=1)
        now = self._clock.now()
        async with self._sessions() as session, session.begin():
            if await self._already_processed(session, [key]):
                return BatchResult(duplicates=1)
            self._dead_letter(session, record, error, 1, now)
            session.add(ProcessedEvent(consumer=self.consumer, event_id=key, processed_at=now))
        self._count(BatchResult(dead_lettered=1), 0.0)
        self._on_committed()
        return BatchResult(dead_lettered=1)

    async def _preload(self, session: AsyncSession, envelopes: list[Envelope]) -> None:
        """The rows the handler will look up by complaint id, read for the whole batch at once."""
        complaints = {env.complaint_id for env in envelopes}
        for table in self._preloads:
            await preload(session, table.model, complaints, for_update=table.for_update)

    async def _already_processed(self, session: AsyncSession, keys: list[str]) -> set[str]:
        rows = await session.scalars(
            select(col(ProcessedEvent.event_id)).where(
                col(ProcessedEvent.consumer) == self.consumer,
                col(ProcessedEvent.event_id).in_(keys),
            )
        )
        return set(rows)

    async def _apply_optimistically(self, session: AsyncSession, record: Record, envelope: Envelope) -> None:
        try:
            await self._handler(HandlerContext(session, self._clock, self._topics, record.topic), envelope)
        except Exception as exc:
            if is_transient(exc):
                raise
            permanent = exc if isinstance(exc, PermanentError) else None
            reason = f"{envelope.type} {envelope.event_id}: {type(exc).__name__}"
            raise _ApplyCarefully(reason, envelope.event_id, permanent) from exc

    async def _apply(
        self, session: AsyncSession, record: Record, envelope: Envelope
    ) -> tuple[BaseException | None, int]:
        if known := self._known_permanent.get(envelope.event_id):
            return known, 1
        ctx = HandlerContext(session, self._clock, self._topics, record.topic)
        last: BaseException | None = None
        for attempt in range(1, self._max_attempts + 1):
            try:
                async with session.begin_nested():
                    await self._handler(ctx, envelope)
                    # Flush inside the savepoint, so a constraint violation is this
                    # message's failure and not the whole batch's at commit time.
                    await session.flush()
                return None, attempt
            except Exception as exc:
                if is_transient(exc):
                    raise
                last = exc
                log.warning(
                    "handler failed",
                    consumer=self.consumer,
                    event_id=envelope.event_id,
                    event_type=envelope.type,
                    attempt=attempt,
                    error=f"{type(exc).__name__}: {exc}",
                )
                if isinstance(exc, PermanentError):
                    return exc, attempt
                await asyncio.sleep(self._retry_delay * attempt)
        return last, self._max_attempts

    def _dead_letter(
        self, session: AsyncSession, record: Record, error: BaseException, attempts: int, now: datetime
    ) -> None:
        headers = {k: _text(v) for k, v in record.headers or ()}
        headers.update(
            {
                "tousu-dlq-error": mask_phones_in_text(f"{type(error).__name__}: {error}")[:2000],
                "tousu-dlq-consumer": self.consumer,
                "tousu-dlq-attempts": str(attempts),
                "tousu-dlq-original-topic": record.topic,
                "tousu-dlq-original-partition": str(record.partition),
                "tousu-dlq-original-offset": str(record.offset),
                "tousu-dlq-at": now.isoformat(),
            }
        )
        DEAD_LETTERED.labels(self.consumer, record.topic).inc()
        key = _text(record.key) or "unkeyed"
        add_raw(session, Topics.dlq(record.topic), key[:64], record.value or b"", headers, now)
        log.error(
            "message dead-lettered",
            consumer=self.consumer,
            topic=record.topic,
            partition=record.partition,
            offset=record.offset,
            error=headers["tousu-dlq-error"],
        )


async def _flush_or_apply_carefully(session: AsyncSession) -> None:
    try:
        await session.flush()
    except Exception as exc:
        if is_transient(exc):
            raise
        raise _ApplyCarefully(f"the batch's flush: {type(exc).__name__}") from exc


def _decode(record: Record) -> tuple[Record, Envelope | None, EnvelopeError | None]:
    try:
        return record, decode_envelope(record.value), None
    except EnvelopeError as exc:
        return record, None, exc


def _poison_key(record: Record) -> str:
    """An undecodable record has no event id; its position identifies it instead."""
    return f"poison:{record.topic}:{record.partition}:{record.offset}"


def _text(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, bytes):
        return value.decode("utf-8", errors="replace")
    return str(value)
