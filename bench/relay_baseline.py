"""The raw-Kafka baseline of the end-to-end bench: what the broker and aiokafka allow on this
machine for a chain of the same shape as a complaint's path, with no database and no logic.

A complaint goes intake → ``complaints.received`` → triage → ``complaints.triaged`` → dispatch
→ ``workorders.events`` → sla-monitor → ``sla.events`` → archive: a producer, three
consume→produce services and a consumer at the end, four topics, each service its own process.
The baseline is that chain in plain aiokafka: this process produces ``--messages`` messages of
``--size`` bytes (keyed, as Tousu keys by complaint), three relay processes consume a batch
(``getmany``), produce it to the next topic with the producer Tousu uses (idempotent,
``acks=all``), wait for the acks and commit, and a sink process reads the last topic.

Throughput = messages / (the sink's last receipt − the first send); latency per message = the
sink's receipt − its send (the ``sent`` header). Prints one JSON line.

Usage: uv run python bench/relay_baseline.py --bootstrap 127.0.0.1:9094 [--messages 50000]
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

from aiokafka import AIOKafkaConsumer
from sla_report import rounded

from tousu_shared.kafka import ensure_topics, make_producer

HERE = Path(__file__).resolve()


def _args(argv: list[str] | None = None) -> argparse.Namespace:
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--bootstrap", required=True)
    p.add_argument("--messages", type=int, default=50_000)
    p.add_argument("--size", type=int, default=1200, help="bytes per message")
    p.add_argument("--hops", type=int, default=4, help="topics in the chain (relays = hops - 1)")
    p.add_argument("--partitions", type=int, default=4)
    p.add_argument("--prefix", default=f"bench.baseline.{os.getpid()}.")
    p.add_argument("--stage", choices=("relay", "sink"), help=argparse.SUPPRESS)
    p.add_argument("--src", help=argparse.SUPPRESS)
    p.add_argument("--dst", help=argparse.SUPPRESS)
    p.add_argument("--ready", type=Path, help=argparse.SUPPRESS)
    p.add_argument("--result", type=Path, help=argparse.SUPPRESS)
    args = p.parse_args(argv)
    if args.messages < 1 or args.size < 16 or args.hops < 2:
        p.error("--messages ≥ 1, --size ≥ 16 and --hops ≥ 2")
    return args


async def _consumer(args: argparse.Namespace) -> AIOKafkaConsumer:
    consumer = AIOKafkaConsumer(
        args.src,
        bootstrap_servers=args.bootstrap,
        group_id=f"{args.src}.group",
        enable_auto_commit=False,
        auto_offset_reset="earliest",
    )
    await consumer.start()
    while not consumer.assignment():
        await consumer.getmany(timeout_ms=100)
    args.ready.touch()
    return consumer


async def relay(args: argparse.Namespace) -> None:
    consumer, producer = await _consumer(args), make_producer(args.bootstrap)
    await producer.start()
    try:
        while True:
            batches = await consumer.getmany(timeout_ms=100, max_records=500)
            acks = [
                await producer.send(args.dst, r.value, key=r.key, headers=list(r.headers))
                for records in batches.values()
                for r in records
            ]
            if acks:
                await asyncio.gather(*acks)
                await consumer.commit()
    finally:
        await producer.stop()
        await consumer.stop()


async def sink(args: argparse.Namespace) -> None:
    consumer = await _consumer(args)
    latencies: list[float] = []
    last = 0.0
    try:
        while len(latencies) < args.messages:
            for records in (await consumer.getmany(timeout_ms=100, max_records=500)).values():
                now = time.time()
                for r in records:
                    sent = float(dict(r.headers)["sent"])
                    latencies.append((now - sent) * 1000)
                last = now
            await consumer.commit()
    finally:
        await consumer.stop()
    args.result.write_text(json.dumps({"latencies_ms": latencies, "last": last}))


async def produce(args: argparse.Namespace, topic: str) -> float:
    producer = make_producer(args.bootstrap)
    await producer.start()
    filler = b"x" * args.size
    try:
        first = time.time()
        acks = []
        for i in range(args.messages):
            headers = [("sent", f"{time.time():.6f}".encode())]
            acks.append(await producer.send(topic, filler, key=f"c{i:012d}".encode(), headers=headers))
        await asyncio.gather(*acks)
    finally:
        await producer.stop()
    return first


async def chain(args: argparse.Namespace) -> dict[str, Any]:
    topics = [f"{args.prefix}t{i}" for i in range(args.hops)]
    await ensure_topics(args.bootstrap, topics, args.partitions)
    work = Path(tempfile.mkdtemp(prefix="tousu-baseline-"))
    stages = [("relay", topics[i], topics[i + 1]) for i in range(args.hops - 1)]
    stages.append(("sink", topics[-1], ""))
    procs = []
    for n, (kind, src, dst) in enumerate(stages):
        cmd = [sys.executable, str(HERE), "--bootstrap", args.bootstrap, "--messages", str(args.messages)]
        cmd += ["--stage", kind, "--src", src, "--dst", dst or src, "--ready", str(work / f"ready{n}")]
        cmd += ["--result", str(work / "result.json")]
        procs.append(await asyncio.create_subprocess_exec(*cmd))
    try:
        while not all((work / f"ready{n}").exists() for n in range(len(stages))):
            if any(p.returncode is not None for p in procs):
                raise SystemExit("relay baseline: a stage exited before it was ready")
            await asyncio.sleep(0.1)
        first = await produce(args, topics[0])
        if await procs[-1].wait() != 0:
            raise SystemExit(f"relay baseline: the sink failed ({procs[-1].returncode})")
        result = json.loads((work / "result.json").read_text())
    finally:
        for p in procs:
            if p.returncode is None:
                p.terminate()
        for p in procs:
            await asyncio.wait_for(p.wait(), timeout=30)
    seconds = result["last"] - first
    return {
        "messages": args.messages,
        "size_bytes": args.size,
        "hops": args.hops,
        "seconds": round(seconds, 2),
        "per_s": round(args.messages / seconds, 1),
        "p50_ms": rounded(result["latencies_ms"], 50),
        "p99_ms": rounded(result["latencies_ms"], 99),
    }


def main(argv: list[str] | None = None) -> None:
    args = _args(argv)
    if args.stage == "relay":
        asyncio.run(relay(args))
    elif args.stage == "sink":
        asyncio.run(sink(args))
    else:
        print(json.dumps(asyncio.run(chain(args))))


if __name__ == "__main__":
    try:
        main()
    except KeyboardInterrupt:
        sys.exit(130)
