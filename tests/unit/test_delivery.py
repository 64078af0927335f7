"""The delivery pieces against a real SQLite database and a fake producer."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import orjson
import pytest
import sqlalchemy as sa
from sqlalchemy.exc import DBAPIError, OperationalError
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker
from sqlmodel import Field, SQLModel, select

from tousu_shared.clock import VirtualClock
from tousu_shared.contracts.envelope import Envelope
from tousu_shared.contracts.events import WorkOrderCreated
from tousu_shared.contracts.topics import Topics
from tousu_shared.db.engine import make_engine, make_sessionmaker
from tousu_shared.delivery.consumer import BatchProcessor, HandlerContext
from tousu_shared.delivery.errors import PermanentError, is_transient
from tousu_shared.delivery.relay import OutboxRelay
from tousu_shared.delivery.rows import row_for
from tousu_shared.delivery.tables import EstateTenant, OutboxMessage, ProcessedEvent

T0 = datetime(2026, 10, 8, 1, 0, tzinfo=UTC)


class Tally(SQLModel, table=True):
    __tablename__ = "test_tally"
    complaint_id: str = Field(primary_key=True)
    applied: int = 0


@dataclass
class Record:
    topic: str
    partition: int
    offset: int
    key: bytes | None
    value: bytes | None
    headers: list[tuple[str, bytes]] = field(default_factory=list)


@pytest.fixture
async def sessions(tmp_path: Path) -> AsyncIterator[async_sessionmaker[AsyncSession]]:
    engine = make_engine(f"sqlite+aiosqlite:///{tmp_path / 'unit.db'}")
    async with engine.begin() as conn:
        await conn.run_sync(
            lambda c: SQLModel.metadata.create_all(
                c,
                tables=[
                    OutboxMessage.__table__,  # type: ignore[list-item]
                    ProcessedEvent.__table__,  # type: ignore[list-item]
                    EstateTenant.__table__,  # type: ignore[list-item]
                    Tally.__table__,  # type: ignore[list-item]
                ],
            )
        )
    yield make_sessionmaker(engine)
    await engine.dispose()


def event(complaint_id: str) -> Envelope:
    return Envelope.new(
        payload=WorkOrderCreated(
            work_order_id=f"w-{complaint_id}", department="engineering", category="facility"
        ),
        occurred_at=T0,
        tenant_id="t1",
        estate_id="e1",
        complaint_id=complaint_id,
    )


def record(env: Envelope | bytes, offset: int) -> Record:
    value = env if isinstance(env, bytes) else env.to_bytes()
    return Record("workorders.events", 0, offset, b"k", value, [("content-type", b"application/json")])


async def count_up(ctx: HandlerContext, env: Envelope) -> None:
    tally = await ctx.session.get(Tally, env.complaint_id)
    if tally is None:
        tally = Tally(complaint_id=env.complaint_id)
        ctx.session.add(tally)
    tally.applied += 1
    ctx.emit(
        "echo",
        Envelope.new(
            payload=env.typed_payload(),
            occurred_at=ctx.clock.now(),
            tenant_id="t1",
            estate_id="e1",
            complaint_id=env.complaint_id,
            caused_by=env,
        ),
    )


def processor(
    sessions: async_sessionmaker[AsyncSession], handler: Any = count_up, **kw: Any
) -> BatchProcessor:
    return BatchProcessor("test", sessions, handler, VirtualClock(T0), Topics(), retry_delay_seconds=0, **kw)


async def tallies(sessions: async_sessionmaker[AsyncSession]) -> dict[str, int]:
    async with sessions() as s:
        return {t.complaint_id: t.applied for t in await s.scalars(select(Tally))}


async def outbox(sessions: async_sessionmaker[AsyncSession], topic: str) -> list[OutboxMessage]:
    async with sessions() as s:
        return list(await s.scalars(select(OutboxMessage).where(OutboxMessage.topic == topic)))


async def test_a_redelivered_batch_changes_nothing(sessions: async_sessionmaker[AsyncSession]) -> None:
    batch = [record(event("c1"), 0), record(event("c2"), 1)]
    first = await processor(sessions).process(batch)
    again = await processor(sessions).process(batch)
    assert (first.applied, again.applied, again.duplicates) == (2, 0, 2)
    assert await tallies(sessions) == {"c1": 1, "c2": 1}
    assert len(await outbox(sessions, "echo")) == 2


async def test_the_same_event_twice_in_one_batch_applies_once(
    sessions: async_sessionmaker[AsyncSession],
) -> None:
    env = event("c1")
    result = await processor(sessions).process([record(env, 0), record(env, 1)])
    assert (result.applied, result.duplicates) == (1, 1)
    assert await tallies(sessions) == {"c1": 1}


async def count_up_preloaded(ctx: HandlerContext, env: Envelope) -> None:
    tally = await row_for(ctx.session, Tally, env.complaint_id, lambda: Tally(complaint_id=env.complaint_id))
    tally.applied += 1


async def test_with_preloads_a_later_event_finds_the_row_an_earlier_one_added(
    sessions: async_sessionmaker[AsyncSession],
) -> None:
    await processor(sessions).process([record(event("c0"), 0)])
    batch = [record(event(c), n) for n, c in enumerate(["c1", "c0", "c1", "c2", "c1"], start=1)]
    result = await processor(sessions, count_up_preloaded, preloads=[Tally]).process(batch)
    assert (result.applied, result.dead_lettered) == (5, 0)
    assert await tallies(sessions) == {"c0": 2, "c1": 3, "c2": 1}


async def test_with_preloads_a_batch_applied_again_carefully_counts_once(
    sessions: async_sessionmaker[AsyncSession],
) -> None:
    async def then_fail_c2(ctx: HandlerContext, env: Envelope) -> None:
        await count_up_preloaded(ctx, env)
        if env.complaint_id == "c2":
            raise PermanentError("c2 is refused")

    batch = [record(event(c), n) for n, c in enumerate(["c1", "c2", "c1"])]
    result = await processor(sessions, then_fail_c2, preloads=[Tally]).process(batch)
    assert (result.applied, result.dead_lettered) == (2, 1)
    assert await tallies(sessions) == {"c1": 2}


async def test_poison_goes_to_the_dlq_with_the_error_and_the_rest_is_applied(
    sessions: async_sessionmaker[AsyncSession],
) -> None:
    result = await processor(sessions).process([record(b"{broken", 7), record(event("c1"), 8)])
    assert (result.applied, result.dead_lettered) == (1, 1)
    [dead] = await outbox(sessions, "workorders.events.dlq")
    headers = orjson.loads(dead.headers)
    assert dead.value == b"{broken"
    assert headers["tousu-dlq-original-offset"] == "7"
    assert headers["tousu-dlq-error"].startswith("EnvelopeError: not a Tousu envelope")
    assert headers["content-type"] == "application/json"  # the original headers travel along
    # Read again after a crash: still one DLQ entry.
    await processor(sessions).process([record(b"{broken", 7)])
    assert len(await outbox(sessions, "workorders.events.dlq")) == 1


async def test_a_failing_handler_is_retried_then_dead_lettered_without_partial_writes(
    sessions: async_sessionmaker[AsyncSession],
) -> None:
    calls = 0

    async def flaky(ctx: HandlerContext, env: Envelope) -> None:
        nonlocal calls
        calls += 1
        await count_up(ctx, env)  # writes, then fails: the savepoint must undo the writes
        if env.complaint_id == "bad" or calls < 2:
            raise ValueError("boom")

    result = await processor(sessions, flaky, max_attempts=3).process(
        [record(event("ok"), 0), record(event("bad"), 1)]
    )
    assert (result.applied, result.dead_lettered) == (1, 1)
    assert await tallies(sessions) == {"ok": 1}
    [dead] = await outbox(sessions, "workorders.events.dlq")
    assert orjson.loads(dead.headers)["tousu-dlq-attempts"] == "3"
    assert len(await outbox(sessions, "echo")) == 1


async def test_a_constraint_violation_is_the_message_s_failure_not_the_batch_s(
    sessions: async_sessionmaker[AsyncSession],
) -> None:
    async def insert_twice(ctx: HandlerContext, env: Envelope) -> None:
        ctx.session.add(Tally(complaint_id="same", applied=1))

    result = await processor(sessions, insert_twice).process([record(event("a"), 0), record(event("b"), 1)])
    assert (result.applied, result.dead_lettered) == (1, 1)
    assert await tallies(sessions) == {"same": 1}


async def test_permanent_errors_skip_the_retries(sessions: async_sessionmaker[AsyncSession]) -> None:
    calls = 0

    async def refuse(ctx: HandlerContext, env: Envelope) -> None:
        nonlocal calls
        calls += 1
        raise PermanentError("wrong tenant")

    await processor(sessions, refuse, max_attempts=5).process([record(event("c1"), 0)])
    assert calls == 1


async def test_infrastructure_errors_fail_the_whole_batch_for_a_reread(
    sessions: async_sessionmaker[AsyncSession],
) -> None:
    async def db_down(ctx: HandlerContext, env: Envelope) -> None:
        if env.complaint_id == "c2":
            raise OperationalError("SELECT 1", {}, Exception("connection refused"))
        await count_up(ctx, env)

    with pytest.raises(OperationalError):
        await processor(sessions, db_down).process([record(event("c1"), 0), record(event("c2"), 1)])
    assert await tallies(sessions) == {}  # nothing committed, nothing marked processed
    async with sessions() as s:
        assert await s.scalar(sa.select(sa.func.count()).select_from(ProcessedEvent)) == 0


class FakeProducer:
    def __init__(self, fail: bool = False) -> None:
        self.sent: list[tuple[str, bytes, bytes]] = []
        self.headers: list[dict[str, str]] = []
        self.fail = fail

    async def send(self, topic: str, value: bytes, key: bytes, headers: list[tuple[str, bytes]]) -> Any:
        future: asyncio.Future[None] = asyncio.get_running_loop().create_future()
        if self.fail:
            future.set_exception(ConnectionError("broker away"))
        else:
            self.sent.append((topic, key, value))
            self.headers.append({k: v.decode() for k, v in headers})
            future.set_result(None)
        return future


async def stage(sessions: async_sessionmaker[AsyncSession], n: int) -> None:
    async with sessions() as s, s.begin():
        for i in range(n):
            s.add(OutboxMessage(topic=f"t{i % 2}", key=f"c{i}", value=str(i).encode(), created_at=T0))


async def test_relay_publishes_in_commit_order_and_marks_sent(
    sessions: async_sessionmaker[AsyncSession],
) -> None:
    await stage(sessions, 5)
    producer = FakeProducer()
    relay = OutboxRelay(sessions, producer, VirtualClock(T0), postgres=False, batch_size=2)
    assert await relay.drain() == 5
    assert [v for _, _, v in producer.sent] == [b"0", b"1", b"2", b"3", b"4"]
    assert await relay.drain() == 0  # nothing sent twice


async def test_relay_keeps_rows_when_the_broker_fails(sessions: async_sessionmaker[AsyncSession]) -> None:
    await stage(sessions, 3)
    with pytest.raises(ConnectionError):
        await OutboxRelay(sessions, FakeProducer(fail=True), VirtualClock(T0), postgres=False).relay_batch()
    producer = FakeProducer()
    assert await OutboxRelay(sessions, producer, VirtualClock(T0), postgres=False).drain() == 3


async def test_relay_purges_only_old_sent_rows(sessions: async_sessionmaker[AsyncSession]) -> None:
    await stage(sessions, 2)
    clock = VirtualClock(T0)
    relay = OutboxRelay(sessions, FakeProducer(), clock, postgres=False, keep_seconds=60)
    await relay.drain()
    await stage(sessions, 1)
    clock.advance(timedelta(minutes=5))
    await relay.purge_sent()
    async with sessions() as s:
        left = list(await s.scalars(select(OutboxMessage)))
    assert [(m.value, m.sent_at) for m in left] == [(b"0", None)]


class BreaksOnBigBatches(BatchProcessor):
    """Fails at batch level (outside any handler) for batches, or for one poisoned key."""

    def __init__(self, *args: Any, bad_key: str = "", **kw: Any) -> None:
        super().__init__(*args, **kw)
        self.bad_key = bad_key

    async def process(self, records: Any) -> Any:
        if len(records) > 1 or any(self.bad_key.encode() in (r.value or b"") for r in records):
            raise ValueError("refused at batch level")
        return await super().process(records)


async def test_a_batch_that_fails_outside_the_handlers_is_split_not_stalled(
    sessions: async_sessionmaker[AsyncSession],
) -> None:
    bad, good = event("bad"), event("good")
    proc = BreaksOnBigBatches(
        "test", sessions, count_up, VirtualClock(T0), Topics(), retry_delay_seconds=0, bad_key=bad.event_id
    )
    result = await proc.process_or_isolate([record(good, 0), record(bad, 1)])
    assert (result.applied, result.dead_lettered) == (1, 1)
    assert await tallies(sessions) == {"good": 1}
    [dead] = await outbox(sessions, "workorders.events.dlq")
    assert orjson.loads(dead.headers)["tousu-dlq-error"] == "ValueError: refused at batch level"


async def test_infrastructure_errors_are_not_split_but_raised(
    sessions: async_sessionmaker[AsyncSession],
) -> None:
    async def db_down(ctx: HandlerContext, env: Envelope) -> None:
        raise OperationalError("SELECT 1", {}, Exception("connection refused"))

    with pytest.raises(OperationalError):
        await processor(sessions, db_down).process_or_isolate(
            [record(event("c1"), 0), record(event("c2"), 1)]
        )
    assert await outbox(sessions, "workorders.events.dlq") == []


def event_of(complaint_id: str, tenant: str, estate: str) -> Envelope:
    return event(complaint_id).model_copy(update={"tenant_id": tenant, "estate_id": estate})


async def test_a_message_naming_another_groups_estate_goes_to_the_dlq_unapplied(
    sessions: async_sessionmaker[AsyncSession],
) -> None:
    consumer = processor(sessions)
    first = await consumer.process([record(event_of("c1", "t1", "e1"), 0)])
    # a mislabelled or forged event: e1 is t1's, this says t2 — in the same batch as a good one
    forged, good = event_of("c2", "t2", "e1"), event_of("c3", "t2", "e2")
    second = await consumer.process([record(forged, 1), record(good, 2)])
    assert (first.applied, second.applied, second.dead_lettered) == (1, 1, 1)
    assert await tallies(sessions) == {"c1": 1, "c3": 1}
    [dead] = await outbox(sessions, "workorders.events.dlq")
    assert (
        "estate e1 belongs to group t1; the message says t2" in orjson.loads(dead.headers)["tousu-dlq-error"]
    )
    # a fresh process (no cache) reads the binding from the database
    again = await processor(sessions).process([record(event_of("c4", "t2", "e1"), 3)])
    assert again.dead_lettered == 1


async def test_a_binding_of_a_rolled_back_batch_is_forgotten(
    sessions: async_sessionmaker[AsyncSession],
) -> None:
    away = True

    async def sometimes_away(ctx: HandlerContext, env: Envelope) -> None:
        if away:
            raise ConnectionError("database away")  # transient: the whole batch is read again
        await count_up(ctx, env)

    consumer = processor(sessions, sometimes_away)
    with pytest.raises(ConnectionError):
        await consumer.process([record(event_of("c1", "t1", "e9"), 0)])
    away = False
    # the estate was never bound, in the database or in this process: its real group may name it
    assert (await consumer.process([record(event_of("c2", "t2", "e9"), 1)])).applied == 1


class _ServerSaid(Exception):
    """What asyncpg's errors carry through SQLAlchemy: the server's SQLSTATE."""

    def __init__(self, sqlstate: str) -> None:
        super().__init__(sqlstate)
        self.sqlstate = sqlstate


@pytest.mark.parametrize(
    ("sqlstate", "transient"),
    [
        ("57P03", True),  # the database system is starting up (recovering after a crash)
        ("57P01", True),  # terminating connection due to administrator command
        ("08006", True),  # connection failure
        ("53300", True),  # too many connections
        ("23505", False),  # a unique key: this message's fault
        ("22P02", False),  # a bad value: this message's fault
    ],
)
def test_the_server_away_is_transient_a_bad_statement_is_not(sqlstate: str, transient: bool) -> None:
    assert is_transient(DBAPIError("SELECT 1", {}, _ServerSaid(sqlstate))) is transient
