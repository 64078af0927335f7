"""The bench's load generator: a channel posting complaints to intake's HTTP channel, run as a
process of its own (so its CPU is not the service's), on loopback.

Two modes:

- ``rate``: one complaint per request at a fixed rate (open loop: request ``i`` is due at
  ``start + i / rate`` whatever became of the ones before, so a slow answer cannot hide the
  requests that would have queued behind it). Latency = answer − due instant.
- ``saturate``: ``--concurrency`` channels each sending ``--batch`` complaints per request as
  fast as intake answers (closed loop). Latency = answer − sent.

Each accepted complaint's id and the wall-clock instant its answer arrived go to ``--out``
(``complaint_id<TAB>epoch seconds``); the summary is printed as one JSON line on stdout.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import sys
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import aiohttp
from sla_report import rounded

TEXTS = (
    "3号楼电梯困人，请尽快处理",
    "楼上漏水，天花板都湿了",
    "晚上噪音太大睡不着",
    "垃圾清理不及时，臭味很重",
    "小区路灯坏了好几天，晚上很黑",
    "地下车库有积水，车开不进去",
)


def _args(argv: list[str] | None = None) -> argparse.Namespace:
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--url", required=True, help="intake's base URL")
    p.add_argument("--account", required=True)
    p.add_argument("--secret", required=True)
    p.add_argument("--tenant", required=True)
    p.add_argument("--estates", required=True, help="comma-separated estate ids, used in turn")
    p.add_argument("--mode", choices=("rate", "saturate"), required=True)
    p.add_argument("--rate", type=float, default=200, help="requests/s (mode rate)")
    p.add_argument("--seconds", type=float, default=30, help="how long to send")
    p.add_argument("--concurrency", type=int, default=8, help="channels sending at once (mode saturate)")
    p.add_argument("--batch", type=int, default=1, help="complaints per request (mode saturate, 1–100)")
    p.add_argument("--run", default="r", help="a tag that makes this run's complaints unique")
    p.add_argument(
        "--first", type=int, default=0, help="number of the first complaint (households follow it)"
    )
    p.add_argument("--out", type=Path, required=True, help="where accepted complaint ids go")
    args = p.parse_args(argv)
    if not 1 <= args.batch <= 100:
        p.error("--batch must be 1 to 100 (the HTTP channel's limit)")
    if args.rate <= 0 or args.seconds <= 0 or args.concurrency < 1:
        p.error("--rate, --seconds and --concurrency must be positive")
    return args


@dataclass
class Tally:
    latencies_ms: list[float] = field(default_factory=list)
    accepted: list[tuple[str, float]] = field(default_factory=list)
    requests: int = 0
    errors: dict[str, int] = field(default_factory=dict)
    statuses: dict[str, int] = field(default_factory=dict)  # each complaint's outcome

    def error(self, what: str) -> None:
        self.errors[what] = self.errors.get(what, 0) + 1


class Channel:
    """Builds bodies and posts them, counting what comes back."""

    def __init__(self, args: argparse.Namespace, client: aiohttp.ClientSession, tally: Tally) -> None:
        self.args, self.client, self.tally = args, client, tally
        self.estates = args.estates.split(",")
        self.url = f"{args.url}/v1/channels/http/{args.account}"
        self.headers = {"authorization": f"Bearer {args.secret}", "content-type": "application/json"}
        self.n = args.first

    def body(self) -> dict[str, Any]:
        n, self.n = self.n, self.n + 1
        return {
            "tenant_id": self.args.tenant,
            "estate_id": self.estates[n % len(self.estates)],
            "channel": "app" if n % 3 == 0 else "phone",
            "text": f"{TEXTS[n % len(TEXTS)]}（{self.args.run}-{n}）",
            # a household of its own per complaint (up to 900,000 a run): no repeat is linked
            "room": f"{n // 10_000 % 90 + 1}-{n // 1000 % 10 + 1}-{n % 1000 + 100}",
            "source_message_id": f"bench-{self.args.run}-{n}",
            "contact": {"name": "王女士", "phone": f"138{n % 100_000_000:08d}"},
        }

    async def post(self, items: list[dict[str, Any]], since: float) -> None:
        payload = items[0] if len(items) == 1 else items
        self.tally.requests += 1
        try:
            async with self.client.post(self.url, data=json.dumps(payload), headers=self.headers) as r:
                body = await r.read()
        except (aiohttp.ClientError, TimeoutError) as exc:
            self.tally.error(type(exc).__name__)
            return
        now_mono, now_wall = time.monotonic(), time.time()
        if r.status not in (200, 202):
            self.tally.error(f"{r.status}: {body[:100].decode(errors='replace')}")
            return
        self.tally.latencies_ms.append((now_mono - since) * 1000)
        answer = json.loads(body)
        for outcome in answer.get("outcomes", [answer]):
            status = str(outcome.get("status"))
            self.tally.statuses[status] = self.tally.statuses.get(status, 0) + 1
            if status == "received":
                self.tally.accepted.append((outcome["complaint_id"], now_wall))


async def at_rate(channel: Channel, rate: float, seconds: float) -> None:
    start, tasks = time.monotonic(), []
    for i in range(int(rate * seconds)):
        due = start + i / rate
        if (wait := due - time.monotonic()) > 0:
            await asyncio.sleep(wait)
        tasks.append(asyncio.create_task(channel.post([channel.body()], due)))
    await asyncio.gather(*tasks)


async def saturating(channel: Channel, concurrency: int, batch: int, seconds: float) -> None:
    end = time.monotonic() + seconds

    async def sender() -> None:
        while time.monotonic() < end:
            await channel.post([channel.body() for _ in range(batch)], time.monotonic())

    await asyncio.gather(*(sender() for _ in range(concurrency)))


async def main(argv: list[str] | None = None) -> dict[str, Any]:
    args = _args(argv)
    tally = Tally()
    # idle connections are dropped before the server's keep-alive (uvicorn: 5 s) would close
    # them under a request in flight: an error of the bench's making, not intake's
    connector = aiohttp.TCPConnector(
        limit=256 if args.mode == "rate" else args.concurrency, keepalive_timeout=2
    )
    timeout = aiohttp.ClientTimeout(total=120)
    async with aiohttp.ClientSession(connector=connector, timeout=timeout) as client:
        channel = Channel(args, client, tally)
        started, cpu0 = time.monotonic(), time.process_time()
        if args.mode == "rate":
            await at_rate(channel, args.rate, args.seconds)
        else:
            await saturating(channel, args.concurrency, args.batch, args.seconds)
        elapsed, cpu = time.monotonic() - started, time.process_time() - cpu0
    args.out.write_text("".join(f"{cid}\t{at:.6f}\n" for cid, at in tally.accepted))
    ok = len(tally.latencies_ms)
    return {
        "run": args.run,
        "mode": args.mode,
        "seconds": round(elapsed, 2),
        "requests": tally.requests,
        "requests_ok": ok,
        "requests_per_s": round(ok / elapsed, 1),
        "complaints_accepted": len(tally.accepted),
        "complaints_per_s": round(len(tally.accepted) / elapsed, 1),
        "p50_ms": rounded(tally.latencies_ms, 50),
        "p99_ms": rounded(tally.latencies_ms, 99),
        "max_ms": round(max(tally.latencies_ms), 2) if ok else None,
        "errors": tally.errors,
        "outcomes": tally.statuses,
        "generator_cpu_pct": round(100 * cpu / elapsed, 1),
    }


if __name__ == "__main__":
    try:
        print(json.dumps(asyncio.run(main())))
    except KeyboardInterrupt:
        sys.exit(130)
