"""`make bench` part: the whole system end to end, beside a raw-Kafka chain of the same shape.

The six services run as their own processes on the bench's PostgreSQL (fsync on) and Kafka,
as in the integration suite's stack (one intake, one triage for every regime, dispatch,
sla-monitor, callback, archive; INFO logs, no trace export). One property group has estates
under every regime; the load generator (``bench/loadgen.py``) is a process of its own.

1. **Warm-up**: 50 complaints/s for 4 s, until archive has filed them.
2. **At 200 complaints/s** for ``--rate-seconds``, one complaint per request: intake's
   request latency, and intake accept → work order (the load generator's answer instant →
   the ``WorkOrderCreated`` record's timestamp on Kafka).
3. **Intake at saturation**: ``--saturate-concurrency`` channels, one complaint per request,
   as fast as intake answers, for ``--saturate-seconds``; then the system drains.
4. **End to end at saturation**: channels posting ``--batch`` complaints per request for
   ``--e2e-seconds``. Throughput = complaints accepted / (archive has every one filed with
   its work order and a started clock − the first request).
5. **Baseline** (``bench/relay_baseline.py``), once the services are stopped: the same number
   of messages, of the mean size measured on the complaint's four topics, through producer →
   three aiokafka relays → consumer.

Usage: uv run python bench/e2e.py [--rate-seconds 60] [--e2e-seconds 60] [--profile]
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import signal
import subprocess
import sys
import time
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))  # the integration suite's stack

import asyncpg  # noqa: E402
import e2e_measure as measure  # noqa: E402
import httpx  # noqa: E402
import sla_profile  # noqa: E402
import sla_report as report  # noqa: E402
from sla_process import children_cpu, cpu_seconds, pid_from  # noqa: E402
from sla_report import rounded  # noqa: E402
from summary import e2e_rows  # noqa: E402
from ulid import ULID  # noqa: E402

from tests.integration.harness import (  # noqa: E402
    ADMIN,
    Stack,
    add_tenant,
    admin_database_url,
    kafka_bootstrap,
    require_servers,
)
from tousu_shared.contracts.topics import Topics  # noqa: E402
from tousu_shared.regimes import REGIME_IDS  # noqa: E402

TENANT = "bench-group"
HERE = Path(__file__).resolve().parent


def _args() -> argparse.Namespace:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--rate", type=float, default=200, help="complaints/s of the latency phase")
    ap.add_argument("--rate-seconds", type=float, default=30)
    ap.add_argument("--saturate-seconds", type=float, default=20)
    ap.add_argument("--saturate-concurrency", type=int, default=16)
    ap.add_argument("--e2e-seconds", type=float, default=60)
    ap.add_argument("--e2e-concurrency", type=int, default=4)
    ap.add_argument("--batch", type=int, default=50, help="complaints per request at e2e saturation")
    ap.add_argument("--estates-per-regime", type=int, default=4)
    ap.add_argument("--drain-timeout", type=float, default=900, help="s to wait for archive to catch up")
    ap.add_argument("--profile", action="store_true", help="py-spy every service in the e2e phase")
    ap.add_argument("--workdir", type=Path, default=ROOT / ".run" / "bench" / "e2e")
    ap.add_argument("--results", type=Path, default=ROOT / "bench" / "results.json")
    args = ap.parse_args()
    # the bench's own servers (the Makefile's BENCH_SERVERS), as the integration stack reads them
    pg, kafka = os.environ.get("TOUSU_PG_PORT", "25442"), os.environ.get("TOUSU_KAFKA_PORT", "9094")
    os.environ["TOUSU_TEST_DATABASE_URL"] = f"postgresql+asyncpg://tousu@127.0.0.1:{pg}/postgres"
    os.environ["TOUSU_TEST_KAFKA_BOOTSTRAP"] = f"127.0.0.1:{kafka}"
    return args


class Cpu:
    """CPU seconds of each service, PostgreSQL (with its backends) and Kafka."""

    def __init__(self, stack: Stack, pg_pid: int | None, kafka_pid: int | None) -> None:
        self.pids = {name: svc.proc.pid for name, svc in stack.services.items() if svc.proc}
        self.pg_pid, self.kafka_pid = pg_pid, kafka_pid

    def read(self) -> tuple[float, dict[str, float]]:
        seconds = {name: cpu_seconds(pid) or 0.0 for name, pid in self.pids.items()}
        seconds["postgres"] = children_cpu(self.pg_pid) if self.pg_pid else 0.0
        seconds["kafka"] = cpu_seconds(self.kafka_pid) or 0.0 if self.kafka_pid else 0.0
        return time.monotonic(), seconds

    @staticmethod
    def pct(start: tuple[float, dict[str, float]], end: tuple[float, dict[str, float]]) -> dict[str, float]:
        span = end[0] - start[0]
        return {k: round(100 * (end[1][k] - start[1][k]) / span, 1) for k in end[1]}


async def start_stack(args: argparse.Namespace) -> Stack:
    args.workdir.mkdir(parents=True, exist_ok=True)
    for old in args.workdir.glob("*.log"):
        old.unlink()
    stack = Stack(
        prefix=f"bench{str(ULID()).lower()[-10:]}",
        workdir=args.workdir,
        common_env={"TOUSU_LOG_LEVEL": "INFO", "TOUSU_METRICS_SAMPLE_SECONDS": "15"},
    )
    print("e2e: starting the six services…", flush=True)
    started = time.monotonic()
    await stack.start()
    print(f"  ready in {time.monotonic() - started:.1f} s (logs in {args.workdir})", flush=True)
    estates = {f"est-{r}-{i}": r for r in REGIME_IDS for i in range(args.estates_per_regime)}
    await add_tenant(stack, TENANT, estates)
    account, secret = stack.accounts[TENANT]
    body = {"channel": "http", "tenant_id": TENANT, "estates": list(estates), "secret": secret}
    async with httpx.AsyncClient(base_url=stack.url("intake"), headers=ADMIN) as client:
        r = await client.put(f"/v1/channel-accounts/{account}", json=body | {"rate_per_minute": 100_000})
        r.raise_for_status()
    return stack


async def loadgen(
    stack: Stack, args: argparse.Namespace, phase: str, *options: str, first: int = 0
) -> dict[str, Any]:
    """Run the load generator process; its summary, with the accepted complaints' instants.
    ``first`` numbers its complaints after the earlier phases', so each has its own household."""
    account, secret = stack.accounts[TENANT]
    out = args.workdir / f"accepted-{phase}.tsv"
    estates = ",".join(f"est-{r}-{i}" for r in REGIME_IDS for i in range(args.estates_per_regime))
    cmd = [sys.executable, str(HERE / "loadgen.py"), "--url", stack.url("intake"), "--account", account]
    cmd += ["--secret", secret, "--tenant", TENANT, "--estates", estates, "--run", phase, "--out", str(out)]
    cmd += ["--first", str(first)]
    proc = await asyncio.create_subprocess_exec(*cmd, *options, stdout=subprocess.PIPE)
    stdout, _ = await proc.communicate()
    if proc.returncode != 0:
        raise SystemExit(f"e2e: the load generator failed in {phase} ({proc.returncode})")
    summary: dict[str, Any] = json.loads(stdout.decode().strip().splitlines()[-1])
    summary["accepted"] = measure.read_accepted(out)
    if summary["errors"]:
        print(f"  {phase}: errors {summary['errors']}", flush=True)
    return summary


async def drain(stack: Stack, args: argparse.Namespace, expect: int, label: str) -> float:
    filed_at = await measure.wait_filed(stack, expect, args.drain_timeout, label)
    if filed_at is None:
        got, clocks = await measure.filed(stack)
        clocks_text = "" if clocks else ", some clocks not filed"
        raise SystemExit(
            f"e2e: {label}: {got:,} of {expect:,} through in {args.drain_timeout:.0f} s{clocks_text}"
        )
    return filed_at


def _profile(stack: Stack, seconds: float, out: Path) -> dict[str, subprocess.Popen[bytes]]:
    """py-spy each service for ``seconds`` (if py-spy is installed), raw stacks into ``out``."""
    spies = {}
    for name, svc in stack.services.items():
        if svc.proc and (spy := sla_profile.start(svc.proc.pid, seconds, out / f"profile-{name}.txt")):
            spies[name] = spy
    return spies


def _profiles_done(spies: dict[str, subprocess.Popen[bytes]], out: Path) -> None:
    for name, spy in spies.items():
        spy.wait(timeout=60)
        raw = out / f"profile-{name}.txt"
        if raw.exists():
            top = out / f"profile-{name}-top.txt"
            top.write_text(sla_profile.summary(raw, what=f"{name}'s CPU, end to end at saturation") + "\n")
            print(f"  profile of {name}: {top}", flush=True)


def _lg(*options: object) -> list[str]:
    return [str(o) for o in options]


class Phases:
    """Load generator runs one after another, each numbering its complaints after the last's,
    each followed by the drain: until archive has everything through."""

    def __init__(self, stack: Stack, args: argparse.Namespace) -> None:
        self.stack, self.args, self.total = stack, args, 0

    async def run(self, name: str, label: str, *options: object) -> tuple[dict[str, Any], float]:
        """The load generator's summary, and the instant all its complaints were through."""
        summary = await loadgen(self.stack, self.args, name, *_lg(*options), first=self.total)
        self.total += len(summary["accepted"])
        return summary, await drain(self.stack, self.args, self.total, label)


async def phases(stack: Stack, args: argparse.Namespace, cpu: Cpu) -> dict[str, Any]:
    """Warm-up, 200/s, intake saturation, end to end at saturation; the raw figures."""
    out: dict[str, Any] = {}
    load = Phases(stack, args)
    await load.run("warmup", "warm-up", "--mode", "rate", "--rate", 50, "--seconds", 4)

    print(f"e2e: {args.rate:.0f} complaints/s for {args.rate_seconds:.0f} s…", flush=True)
    c0 = cpu.read()
    out["rate"], _ = await load.run(
        "rate", "at rate", "--mode", "rate", "--rate", args.rate, "--seconds", args.rate_seconds
    )
    out["cpu_pct_at_rate"] = Cpu.pct(c0, cpu.read())
    workorders = Topics(stack.topic_prefix).workorders
    out["announced"] = await measure.work_orders_announced(kafka_bootstrap(), workorders)

    n, secs = args.saturate_concurrency, args.saturate_seconds
    print(f"e2e: intake at saturation, {n} channels, {secs:.0f} s…", flush=True)
    out["saturate"], _ = await load.run(
        "saturate", "after intake saturation", "--mode", "saturate", "--concurrency", n, "--seconds", secs
    )

    n, secs = args.e2e_concurrency, args.e2e_seconds
    print(f"e2e: end to end, {n} channels × {args.batch} complaints a request, {secs:.0f} s…", flush=True)
    spies = _profile(stack, secs, args.workdir) if args.profile else {}
    c0, out["first_sent"] = cpu.read(), time.time()
    out["e2e"], out["filed_at"] = await load.run(
        "e2e",
        "end to end",
        "--mode",
        "saturate",
        "--concurrency",
        n,
        "--batch",
        args.batch,
        "--seconds",
        secs,
    )
    out["cpu_pct_e2e"] = Cpu.pct(c0, cpu.read())
    _profiles_done(spies, args.workdir)
    topics = Topics(stack.topic_prefix)
    path = [topics.received(r) for r in REGIME_IDS] + [topics.triaged, topics.workorders, topics.sla]
    out["size"] = await measure.mean_message_bytes(kafka_bootstrap(), path)
    return out


def figures(raw: dict[str, Any]) -> dict[str, Any]:
    """The results file's keys from the phases' raw figures."""
    at_rate, saturated, e2e = raw["rate"], raw["saturate"], raw["e2e"]
    announced = raw["announced"]
    to_work_order = [(announced[c] - at) * 1000 for c, at in at_rate["accepted"].items() if c in announced]
    accepted, seconds = len(e2e["accepted"]), raw["filed_at"] - raw["first_sent"]
    return {
        "e2e_per_s": round(accepted / seconds, 1),
        "e2e_complaints": accepted,
        "e2e_seconds": round(seconds, 1),
        "e2e_intake_accept_per_s": e2e["complaints_per_s"],
        "e2e_message_bytes": raw["size"],
        "e2e_p50_ms_at_200": rounded(to_work_order, 50),
        "e2e_p99_ms_at_200": rounded(to_work_order, 99),
        "e2e_work_orders_seen_at_200": len(to_work_order),
        "e2e_rate_achieved_per_s": at_rate["complaints_per_s"],
        "intake_p50_ms_at_200": at_rate["p50_ms"],
        "intake_p99_ms_at_200": at_rate["p99_ms"],
        "intake_saturation_per_s": saturated["requests_per_s"],
        "intake_saturation_p50_ms": saturated["p50_ms"],
        "intake_saturation_p99_ms": saturated["p99_ms"],
        "e2e_cpu_pct_at_200": raw["cpu_pct_at_rate"],
        "e2e_cpu_pct_saturated": raw["cpu_pct_e2e"],
        "loadgen_cpu_pct": {p["run"]: p["generator_cpu_pct"] for p in (at_rate, saturated, e2e)},
        "e2e_errors": {
            f"{p['run']}: {k}": v for p in (at_rate, saturated, e2e) for k, v in p["errors"].items()
        },
    }


async def run(args: argparse.Namespace) -> dict[str, Any]:
    # a stopped bench (Ctrl-C, kill) still stops the services it started
    if task := asyncio.current_task():
        asyncio.get_running_loop().add_signal_handler(signal.SIGTERM, task.cancel)
    stack = await start_stack(args)
    try:
        pg_dir = Path(await stack.scalar("archive", "SHOW data_directory"))
        kafka_dir = ROOT / ".cache" / "kafka" / kafka_bootstrap().rsplit(":", 1)[1]
        cpu = Cpu(stack, pid_from(pg_dir / "postmaster.pid"), pid_from(kafka_dir / "kafka.pid"))
        raw = await phases(stack, args, cpu)
    finally:
        print("e2e: stopping the services…", flush=True)
        await stack.stop()
    results = figures(raw)
    n, size = results["e2e_complaints"], results["e2e_message_bytes"]
    print(f"e2e: baseline, {n:,} messages of {size} bytes through 4 topics…", flush=True)
    results |= await baseline(n, size, kafka_bootstrap())
    results["e2e_ratio"] = round(results["e2e_per_s"] / results["relay_baseline_per_s"], 4)
    return results


async def baseline(messages: int, size: int, bootstrap: str) -> dict[str, Any]:
    cmd = [sys.executable, str(HERE / "relay_baseline.py"), "--bootstrap", bootstrap]
    cmd += ["--messages", str(max(messages, 10_000)), "--size", str(size), "--hops", "4"]
    proc = await asyncio.create_subprocess_exec(*cmd, stdout=subprocess.PIPE)
    stdout, _ = await proc.communicate()
    if proc.returncode != 0:
        raise SystemExit(f"e2e: the relay baseline failed ({proc.returncode})")
    r = json.loads(stdout.decode().strip().splitlines()[-1])
    return {
        "relay_baseline_per_s": r["per_s"],
        "relay_baseline_messages": r["messages"],
        "relay_baseline_p50_ms": r["p50_ms"],
        "relay_baseline_p99_ms": r["p99_ms"],
    }


async def machine() -> dict[str, Any]:
    conn = await asyncpg.connect(admin_database_url().replace("+asyncpg", ""))
    try:
        return await report.machine(conn, "e2e_end")
    finally:
        await conn.close()


def main() -> None:
    args = _args()
    try:
        require_servers()
    except RuntimeError as exc:
        raise SystemExit(f"e2e: {exc}") from None
    results = asyncio.run(run(args))
    results["e2e_measured_at"] = datetime.now(UTC).isoformat(timespec="seconds")
    data = report.write_results(args.results, results, asyncio.run(machine()))
    report.show_table("End to end", e2e_rows(data))


if __name__ == "__main__":
    main()
