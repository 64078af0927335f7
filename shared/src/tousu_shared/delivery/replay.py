"""Replaying a dead letter: the headers that send it back to the consumer that gave up on it.

``tousu dlq replay`` publishes a DLQ message to the topic it came from, without the
``tousu-dlq-*`` headers and with two of its own: where it sat in the DLQ, and which
consumer it is for. That consumer applies it once (it remembers the DLQ position, since
it had marked the original event as done when it dead-lettered it); every other consumer
of the topic skips it, having had the original already.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence

REPLAY_OF = "tousu-replay-of"
REPLAY_FOR = "tousu-replay-for"
_DLQ_HEADER_PREFIX = "tousu-dlq-"


def replay_headers(dead: Mapping[str, str], dlq_topic: str, partition: int, offset: int) -> dict[str, str]:
    """The headers a replayed message carries, from those it had in the DLQ."""
    consumer = dead.get(f"{_DLQ_HEADER_PREFIX}consumer")
    if not consumer:
        raise ValueError("the message has no tousu-dlq-consumer header: it was not dead-lettered by Tousu")
    kept = {
        k: v
        for k, v in dead.items()
        if not k.startswith(_DLQ_HEADER_PREFIX) and k not in (REPLAY_OF, REPLAY_FOR)
    }
    return {**kept, REPLAY_OF: f"{dlq_topic}:{partition}:{offset}", REPLAY_FOR: consumer}


def replayed_for(record: object) -> tuple[str, str] | None:
    """(DLQ position, consumer) if ``record`` is a replay, else None."""
    headers: Sequence[tuple[str, bytes]] = getattr(record, "headers", None) or ()
    replay_of = consumer = None
    for key, value in headers:
        if key == REPLAY_OF:
            replay_of = value.decode("utf-8", "replace")
        elif key == REPLAY_FOR:
            consumer = value.decode("utf-8", "replace")
    if replay_of is None or consumer is None:
        return None
    return replay_of, consumer
