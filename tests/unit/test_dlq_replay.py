"""A dead letter replayed goes to the consumer that gave up on it, once; others skip it."""

from __future__ import annotations

import orjson
import pytest
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from tests.unit.test_delivery import Record, count_up, event, outbox, processor, record, sessions, tallies
from tousu_shared.contracts.envelope import Envelope
from tousu_shared.delivery.consumer import HandlerContext
from tousu_shared.delivery.replay import REPLAY_FOR, REPLAY_OF, replay_headers

__all__ = ["sessions"]


def replayed(dead_headers: str, value: bytes, dlq_offset: int, offset: int) -> Record:
    headers = replay_headers(orjson.loads(dead_headers), "workorders.events.dlq", 0, dlq_offset)
    return Record("workorders.events", 0, offset, b"k", value, [(k, v.encode()) for k, v in headers.items()])


async def test_a_replayed_dead_letter_is_applied_once_by_the_consumer_that_gave_up(
    sessions: async_sessionmaker[AsyncSession],
) -> None:
    broken = True

    async def fails_until_fixed(ctx: HandlerContext, env: Envelope) -> None:
        if broken:
            raise ValueError("regime version 3 not loaded")
        await count_up(ctx, env)

    env = event("c1")
    first = await processor(sessions, fails_until_fixed, max_attempts=1).process([record(env, 0)])
    assert first.dead_lettered == 1
    [dead] = await outbox(sessions, "workorders.events.dlq")

    broken = False  # the operator deployed the fix, then replays
    again = replayed(dead.headers, dead.value, dlq_offset=0, offset=10)
    result = await processor(sessions, fails_until_fixed).process([again])
    assert (result.applied, result.duplicates) == (1, 0)
    # replayed twice (the command run again, or redelivered): still applied once
    twice = await processor(sessions, fails_until_fixed).process([replayed(dead.headers, dead.value, 0, 11)])
    assert twice.duplicates == 1
    # and the original event, redelivered, stays done
    assert (await processor(sessions, fails_until_fixed).process([record(env, 0)])).duplicates == 1
    assert await tallies(sessions) == {"c1": 1}


async def test_the_topic_s_other_consumers_skip_a_replay(sessions: async_sessionmaker[AsyncSession]) -> None:
    env = event("c1")
    dead_headers = orjson.dumps({"tousu-dlq-consumer": "archive", "tousu-dlq-error": "x"}).decode()
    other = processor(sessions)  # consumer "test", which had applied the original
    result = await other.process([replayed(dead_headers, env.to_bytes(), 4, 20)])
    assert (result.applied, result.duplicates) == (0, 1)
    assert await tallies(sessions) == {}


def test_replay_headers_drop_the_dlq_s_and_name_the_consumer() -> None:
    headers = replay_headers(
        {"content-type": "application/json", "tousu-dlq-consumer": "triage", "tousu-dlq-error": "boom"},
        "complaints.triaged.dlq",
        2,
        17,
    )
    assert headers == {
        "content-type": "application/json",
        REPLAY_OF: "complaints.triaged.dlq:2:17",
        REPLAY_FOR: "triage",
    }
    with pytest.raises(ValueError, match="not dead-lettered by Tousu"):
        replay_headers({"content-type": "application/json"}, "x.dlq", 0, 0)
