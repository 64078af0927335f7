"""Where live updates come from: the lifecycle topics, read from their end (nothing is
replayed, nothing committed), and who gets each notice: the open pages of people who work
in the estate it is about. A notice holds ids and an event type, no personal data."""

from __future__ import annotations

import asyncio
import contextlib
from dataclasses import dataclass, field
from typing import Any

from aiokafka import AIOKafkaConsumer

from tousu_shared.contracts.envelope import EnvelopeError, decode_envelope
from tousu_shared.contracts.topics import Topics
from tousu_shared.logging import get_logger

log = get_logger(__name__)


@dataclass(eq=False)
class Listener:
    tenant: str
    estates: set[str] | None  # None: every estate of the group
    queue: asyncio.Queue[dict[str, str]] = field(default_factory=lambda: asyncio.Queue(maxsize=100))

    def wants(self, tenant: str, estate: str) -> bool:
        return tenant == self.tenant and (self.estates is None or estate in self.estates)


#: the last notice a page gets: the console is stopping (the page reconnects to another)
CLOSING = {"type": "closing"}


class Hub:
    def __init__(self) -> None:
        self.listeners: set[Listener] = set()
        self.closing = False

    def close(self) -> None:
        """End every page's stream, so a stop does not wait for the browsers to go."""
        self.closing = True
        for listener in list(self.listeners):
            if listener.queue.full():  # a page that stopped reading: room for the last word
                listener.queue.get_nowait()
            listener.queue.put_nowait(CLOSING)

    def tell(self, notice: dict[str, str]) -> None:
        for listener in list(self.listeners):
            if listener.wants(notice["tenant"], notice["estate"]):
                with contextlib.suppress(asyncio.QueueFull):  # a page that stopped reading misses some
                    listener.queue.put_nowait(notice)


def topics_to_watch(topics: Topics) -> list[str]:
    return [topics.triaged, topics.workorders, topics.sla, topics.callbacks]


def notice_of(value: bytes | None) -> dict[str, str] | None:
    try:
        envelope = decode_envelope(value)
    except EnvelopeError:
        return None  # not ours to judge: the services' consumers dead-letter it
    return {
        "complaint_id": envelope.complaint_id,
        "estate": envelope.estate_id,
        "tenant": envelope.tenant_id,
        "type": envelope.type,
    }


async def watch(hub: Hub, bootstrap: str, topics: list[str], security: Any = None) -> None:
    """Read the topics until cancelled; if the broker is away, wait and read on."""
    delay = 1.0
    while True:
        consumer = AIOKafkaConsumer(
            *topics,
            bootstrap_servers=bootstrap,
            group_id=None,
            auto_offset_reset="latest",
            **(security or {}),
        )
        try:
            await consumer.start()
            delay = 1.0
            async for record in consumer:
                if (notice := notice_of(record.value)) is not None:
                    hub.tell(notice)
        except asyncio.CancelledError:
            raise
        except Exception as exc:
            log.warning(
                "live updates paused: Kafka is not answering", error=type(exc).__name__, retry_in_s=delay
            )
            await asyncio.sleep(delay)
            delay = min(delay * 2, 30.0)
        finally:
            with contextlib.suppress(Exception):
                await consumer.stop()
