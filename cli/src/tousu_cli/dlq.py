"""``tousu dlq list|show``: the dead-letter topics, for operators.

A message a consumer could not apply (not an envelope, a payload that fails its schema,
another group's estate, a handler that kept failing) goes to ``<topic>.dlq`` with headers
saying which consumer gave up, why (phone numbers masked), after how many attempts, and
where it came from. ``list`` counts what each DLQ holds; ``show`` prints its messages
without their payloads (``--payload`` to see them). Read-only: nothing is consumed or
committed (no consumer group).
"""

from __future__ import annotations

import asyncio
import json
from dataclasses import dataclass
from typing import Any

import typer

app = typer.Typer(help="Dead-letter topics: what consumers could not apply, and why.", no_args_is_help=True)

DLQ_SUFFIX = ".dlq"


@dataclass(frozen=True)
class Dead:
    partition: int
    offset: int
    key: str | None
    headers: dict[str, str]
    value: bytes

    def summary(self, payload: bool) -> dict[str, Any]:
        h = self.headers
        out: dict[str, Any] = {
            "partition": self.partition,
            "offset": self.offset,
            "key": self.key,
            "at": h.get("tousu-dlq-at"),
            "consumer": h.get("tousu-dlq-consumer"),
            "attempts": h.get("tousu-dlq-attempts"),
            "from": f"{h.get('tousu-dlq-original-topic')}[{h.get('tousu-dlq-original-partition')}]"
            f"@{h.get('tousu-dlq-original-offset')}",
            "error": h.get("tousu-dlq-error"),
        }
        try:
            envelope = json.loads(self.value)
        except ValueError:
            envelope = None
        if isinstance(envelope, dict):
            out["event"] = f"{envelope.get('type')} {envelope.get('event_id')}"
            if payload:
                out["payload"] = envelope.get("payload")
        else:
            out["event"] = f"not JSON ({len(self.value)} bytes)"
        return out


def _settings() -> Any:
    from tousu_shared.settings import ServiceSettings

    try:
        return ServiceSettings()
    except ValueError as exc:
        typer.secho(f"tousu dlq: {exc}", fg="red", err=True)
        raise typer.Exit(2) from None


def _client_options(settings: Any) -> dict[str, Any]:
    from tousu_shared.kafka_auth import client_options, kafka_security

    return client_options(kafka_security(settings))


async def partitions(settings: Any, only: str | None = None) -> dict[str, list[int]]:
    """The DLQ topics of this prefix (or just ``only``) and their partitions, from the broker."""
    from aiokafka.admin import AIOKafkaAdminClient

    admin = AIOKafkaAdminClient(bootstrap_servers=settings.kafka_bootstrap, **_client_options(settings))
    await admin.start()
    try:
        names = await admin.list_topics()
        prefix = settings.topic_prefix
        wanted = [only] if only else [t for t in names if t.startswith(prefix) and t.endswith(DLQ_SUFFIX)]
        wanted = [t for t in wanted if t in names]
        described = await admin.describe_topics(wanted) if wanted else []
        return {d["topic"]: sorted(p["partition"] for p in d["partitions"]) for d in described}
    finally:
        await admin.close()


async def dlq_counts(settings: Any) -> dict[str, int]:
    """Every DLQ topic of this prefix and how many messages it holds (end − beginning)."""
    from aiokafka import AIOKafkaConsumer, TopicPartition

    topics = await partitions(settings)
    consumer = AIOKafkaConsumer(
        bootstrap_servers=settings.kafka_bootstrap, group_id=None, **_client_options(settings)
    )
    await consumer.start()
    try:
        counts: dict[str, int] = {}
        for topic in sorted(topics):
            parts = [TopicPartition(topic, p) for p in topics[topic]]
            first = await consumer.beginning_offsets(parts)
            last = await consumer.end_offsets(parts)
            counts[topic] = sum(last[p] - first[p] for p in parts)
        return counts
    finally:
        await consumer.stop()


async def dead_messages(settings: Any, topic: str, limit: int) -> list[Dead]:
    """The first ``limit`` messages of ``topic`` as it stands now (oldest first)."""
    from aiokafka import AIOKafkaConsumer, TopicPartition

    found_topics = await partitions(settings, only=topic)
    if not found_topics.get(topic):
        raise LookupError(f"no topic {topic!r} (tousu dlq list shows the DLQs)")
    consumer = AIOKafkaConsumer(
        bootstrap_servers=settings.kafka_bootstrap,
        group_id=None,
        enable_auto_commit=False,
        **_client_options(settings),
    )
    await consumer.start()
    try:
        parts = [TopicPartition(topic, p) for p in found_topics[topic]]
        consumer.assign(parts)
        await consumer.seek_to_beginning(*parts)
        ends = await consumer.end_offsets(parts)
        found: list[Dead] = []

        async def more() -> bool:
            return any([await consumer.position(p) < ends[p] for p in parts])

        while len(found) < limit and await more():
            batch = await consumer.getmany(*parts, timeout_ms=1000)
            for records in batch.values():
                for r in records:
                    headers = {k: v.decode("utf-8", "replace") for k, v in r.headers or ()}
                    key = r.key.decode("utf-8", "replace") if r.key else None
                    found.append(Dead(r.partition, r.offset, key, headers, r.value or b""))
        return sorted(found, key=lambda d: (d.partition, d.offset))[:limit]
    finally:
        await consumer.stop()


def _run(coro: Any) -> Any:
    try:
        return asyncio.run(coro)
    except LookupError as exc:
        typer.secho(f"tousu dlq: {exc}", fg="red", err=True)
        raise typer.Exit(1) from None
    except Exception as exc:
        typer.secho(
            f"tousu dlq: the broker did not answer as expected: {type(exc).__name__}: {exc}",
            fg="red",
            err=True,
        )
        raise typer.Exit(1) from None


@app.command("list")
def list_command(as_json: bool = typer.Option(False, "--json", help="JSON instead of a table")) -> None:
    """Every dead-letter topic (of TOUSU_TOPIC_PREFIX) and how many messages it holds."""
    settings = _settings()
    counts = _run(dlq_counts(settings))
    if as_json:
        typer.echo(json.dumps(counts, ensure_ascii=False, indent=2))
        return
    if not counts:
        typer.echo("no dead-letter topics")
        return
    width = max(len(t) for t in counts)
    for topic, n in counts.items():
        typer.echo(f"{topic:<{width}}  {n:>8,}")


@app.command("show")
def show_command(
    topic: str = typer.Argument(help="a DLQ (complaints.triaged.dlq) or the topic it belongs to"),
    limit: int = typer.Option(20, min=1, max=10_000, help="how many messages, oldest first"),
    payload: bool = typer.Option(False, help="also print each event's payload (masked as published)"),
) -> None:
    """The messages of a dead-letter topic: which consumer gave up, why, and where each came from."""
    settings = _settings()
    name = topic if topic.startswith(settings.topic_prefix) else settings.topic_prefix + topic
    name = name if name.endswith(DLQ_SUFFIX) else name + DLQ_SUFFIX
    for dead in _run(dead_messages(settings, name, limit)):
        typer.echo(json.dumps(dead.summary(payload), ensure_ascii=False))
