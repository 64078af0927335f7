"""``tousu dlq list|show|replay``: the dead-letter topics, for operators.

A message a consumer could not apply (not an envelope, a payload that fails its schema,
another group's estate, a handler that kept failing) goes to ``<topic>.dlq`` with headers
saying which consumer gave up, why (phone numbers masked), after how many attempts, and
where it came from. ``list`` counts what each DLQ holds; ``show`` prints its messages
without their payloads (``--payload`` to see them); neither consumes nor commits anything.
``replay`` sends messages back to the topic they came from (``tousu_shared.delivery.replay``)
and remembers, in the consumer group ``tousu.dlq-replay``, how far each DLQ was replayed.
"""

from __future__ import annotations

import asyncio
import json
from dataclasses import dataclass
from typing import Any

import typer

app = typer.Typer(help="Dead-letter topics: what consumers could not apply, and why.", no_args_is_help=True)

DLQ_SUFFIX = ".dlq"  # as tousu_shared.kafka_offsets (not imported here: aiokafka loads on use)


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


def _reader(settings: Any) -> Any:
    from tousu_shared.kafka_offsets import OffsetReader

    return OffsetReader(settings.kafka_bootstrap, _client_options(settings))


async def dlq_counts(settings: Any) -> dict[str, int]:
    """Every DLQ topic of this prefix and how many messages it holds (end − beginning)."""
    from tousu_shared.kafka_offsets import dlq_counts as counts

    return await counts(settings.kafka_bootstrap, _client_options(settings), settings.topic_prefix)


async def dead_messages(settings: Any, topic: str, limit: int, *, after_replayed: bool = False) -> list[Dead]:
    """Up to ``limit`` messages of ``topic`` as it stands now, oldest first: from its
    beginning, or (``after_replayed``) from where the last ``tousu dlq replay`` stopped."""
    from aiokafka import TopicPartition

    reader = _reader(settings)
    await reader.start()
    try:
        parts = [TopicPartition(topic, p) for p in (await reader.partitions([topic])).get(topic, [])]
        if not parts:
            raise LookupError(f"no topic {topic!r} (tousu dlq list shows the DLQs)")
        consumer = reader.consumer
        consumer.assign(parts)
        await consumer.seek_to_beginning(*parts)
        if after_replayed:
            done = await reader.committed(replay_group(settings), parts)
            for tp, offset in done.items():
                consumer.seek(tp, offset)
        ends = await consumer.end_offsets(parts)
        found: list[Dead] = []

        async def more() -> bool:
            return any([await consumer.position(p) < ends[p] for p in parts])

        while len(found) < limit and await more():
            batch = await consumer.getmany(*parts, timeout_ms=1000)
            for records in batch.values():
                for r in records:
                    if r.offset >= ends[TopicPartition(topic, r.partition)]:
                        continue  # arrived after we looked: next time
                    headers = {k: v.decode("utf-8", "replace") for k, v in r.headers or ()}
                    key = r.key.decode("utf-8", "replace") if r.key else None
                    found.append(Dead(r.partition, r.offset, key, headers, r.value or b""))
        return sorted(found, key=lambda d: (d.partition, d.offset))[:limit]
    finally:
        await reader.close()


async def replay(settings: Any, topic: str, dead: list[Dead], *, commit: bool) -> None:
    """Publish each message to the topic it came from, for the consumer that gave up on it;
    then (``commit``) remember how far this DLQ has been replayed."""
    from aiokafka import AIOKafkaConsumer, TopicPartition

    from tousu_shared.delivery.replay import replay_headers
    from tousu_shared.kafka import make_producer
    from tousu_shared.kafka_auth import kafka_security

    producer = make_producer(settings.kafka_bootstrap, kafka_security(settings))
    await producer.start()
    try:
        acks = []
        for d in dead:
            headers = replay_headers(d.headers, topic, d.partition, d.offset)
            original = d.headers["tousu-dlq-original-topic"]
            acks.append(
                await producer.send(
                    original,
                    value=d.value,
                    key=(d.key or "unkeyed").encode(),
                    headers=[(k, v.encode()) for k, v in headers.items()],
                )
            )
        await asyncio.gather(*acks)
    finally:
        await producer.stop()
    if not commit or not dead:
        return
    ends: dict[Any, int] = {}
    for d in dead:
        tp = TopicPartition(topic, d.partition)
        ends[tp] = max(ends.get(tp, 0), d.offset + 1)
    committer = AIOKafkaConsumer(
        bootstrap_servers=settings.kafka_bootstrap,
        group_id=replay_group(settings),
        enable_auto_commit=False,
        **_client_options(settings),
    )
    await committer.start()
    try:
        committer.assign(list(ends))
        await committer.commit(ends)
    finally:
        await committer.stop()


def replay_group(settings: Any) -> str:
    """The consumer group whose committed offsets say how far each DLQ has been replayed."""
    return str(settings.group_id("dlq-replay"))


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


def _dlq_name(settings: Any, topic: str) -> str:
    name = topic if topic.startswith(settings.topic_prefix) else settings.topic_prefix + topic
    return name if name.endswith(DLQ_SUFFIX) else name + DLQ_SUFFIX


@app.command("show")
def show_command(
    topic: str = typer.Argument(help="a DLQ (complaints.triaged.dlq) or the topic it belongs to"),
    limit: int = typer.Option(20, min=1, max=10_000, help="how many messages, oldest first"),
    payload: bool = typer.Option(False, help="also print each event's payload (masked as published)"),
) -> None:
    """The messages of a dead-letter topic: which consumer gave up, why, and where each came from."""
    settings = _settings()
    for dead in _run(dead_messages(settings, _dlq_name(settings, topic), limit)):
        typer.echo(json.dumps(dead.summary(payload), ensure_ascii=False))


@app.command("replay")
def replay_command(
    topic: str = typer.Argument(help="a DLQ (complaints.triaged.dlq) or the topic it belongs to"),
    consumer: str | None = typer.Option(None, help="only what this consumer gave up on (triage, archive, …)"),
    offset: list[str] = typer.Option([], help="only this message, as PARTITION:OFFSET (repeatable)"),
    limit: int = typer.Option(1000, min=1, max=100_000, help="at most this many messages"),
    again: bool = typer.Option(
        False, help="from the DLQ's beginning, not from where the last replay stopped"
    ),
    dry_run: bool = typer.Option(False, "--dry-run", help="list what would be replayed, send nothing"),
    yes: bool = typer.Option(False, "--yes", "-y", help="do not ask for confirmation"),
) -> None:
    """Send dead letters back to their topic, once the cause is fixed (a new regime version,
    a bug fix). Each goes to the consumer that gave up on it, and is applied once however
    often it is replayed; the topic's other consumers skip it. Without --consumer/--offset,
    the DLQ is marked replayed up to the last message sent, so the next replay starts after it."""
    settings = _settings()
    name = _dlq_name(settings, topic)
    wanted = {_position(o) for o in offset}
    dead = _run(dead_messages(settings, name, limit, after_replayed=not again))
    chosen = [
        d
        for d in dead
        if (not consumer or d.headers.get("tousu-dlq-consumer") == consumer)
        and (not wanted or (d.partition, d.offset) in wanted)
    ]
    foreign = [d for d in chosen if "tousu-dlq-consumer" not in d.headers]
    for d in foreign:
        typer.secho(
            f"skipped {d.partition}:{d.offset}: not dead-lettered by a Tousu consumer", fg="yellow", err=True
        )
    chosen = [d for d in chosen if d not in foreign]
    for d in chosen:
        typer.echo(json.dumps(d.summary(False), ensure_ascii=False))
    if not chosen:
        typer.echo(
            f"nothing to replay in {name}" + ("" if again else " since the last replay (--again for all)")
        )
        return
    if dry_run:
        typer.echo(f"{len(chosen)} message(s) would be replayed (dry run: nothing sent)")
        return
    if not yes and not typer.confirm(f"replay {len(chosen)} message(s) from {name}?"):
        raise typer.Exit(1)
    _run(replay(settings, name, chosen, commit=not consumer and not wanted))
    typer.echo(f"replayed {len(chosen)} message(s) from {name}")


def _position(text: str) -> tuple[int, int]:
    partition, _, offset = text.partition(":")
    if not (partition.isdigit() and offset.isdigit()):
        typer.secho(
            f"tousu dlq: --offset {text!r}: write it as PARTITION:OFFSET, e.g. 0:17", fg="red", err=True
        )
        raise typer.Exit(2)
    return int(partition), int(offset)
