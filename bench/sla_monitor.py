"""`make bench` part: the SLA monitor with 1,000,000 open clocks in PostgreSQL.

1. Seed a fresh, migrated database with N open cases (bench/sla_seed.py). All but a stream of
   them come due 40–96 min away; the stream's registration warnings come due at a steady RATE
   per second, for WARMUP + WINDOW seconds, starting shortly after seeding.
2. Run the real service (python -m tousu_sla_monitor, wall clock) on it and the bench's Kafka.
   Lateness of each warning due in the WINDOW = outbox.created_at − its envelope's occurred_at
   (also: at the firing transaction's commit, and once on Kafka). RSS sampled from /proc.
3. Once the stream is fired (or DRAIN_MAX s after it), SIGTERM the monitor; while it is down,
   RATE × DOWN more cases come due (copied in while it is stopped, due over the down time);
   start it again and time from its readiness until nothing due before the restart is left.
4. Merge the figures into bench/results.json and print the table (bench/README.md).

Usage: uv run python bench/sla_monitor.py [--cases 1000000] [--rate 1000] [--window 60] …
`make bench` starts PostgreSQL and Kafka on ports of their own (TOUSU_PG_PORT, TOUSU_KAFKA_PORT).
"""

from __future__ import annotations

import argparse
import asyncio
import os
import subprocess
import time
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import asyncpg
import sla_profile
import sla_report as report
from sla_process import Monitor, children_cpu, pid_from
from sla_seed import WARN_AFTER, Patterns, copy_cases, far_future, fresh_database, stream

ROOT = Path(__file__).resolve().parent.parent
BACKLOG = "SELECT count(*) FROM sla_cases WHERE next_due_at < $1"


def _args() -> argparse.Namespace:
    pg_port = os.environ.get("TOUSU_PG_PORT", "25442")
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--pg", default=f"postgresql://tousu@127.0.0.1:{pg_port}/postgres", help="admin DSN")
    ap.add_argument("--db", default="tousu_bench_sla", help="database to (re)create")
    ap.add_argument("--kafka", default=f"127.0.0.1:{os.environ.get('TOUSU_KAFKA_PORT', '9094')}")
    ap.add_argument("--cases", type=int, default=1_000_000, help="open cases in the database")
    ap.add_argument("--rate", type=int, default=1000, help="warnings coming due per second")
    ap.add_argument("--window", type=float, default=60, help="seconds of steady due-load measured")
    ap.add_argument("--warmup", type=float, default=5, help="seconds of due-load before the window")
    ap.add_argument("--drain-max", type=float, default=150, help="seconds to wait for the stream to be fired")
    ap.add_argument("--down", type=float, default=30, help="seconds the monitor is stopped")
    ap.add_argument("--catch-up-max", type=float, default=300, help="seconds to wait for the catch-up")
    ap.add_argument("--results", type=Path, default=ROOT / "bench" / "results.json")
    ap.add_argument("--workdir", type=Path, default=ROOT / ".run" / "bench")
    ap.add_argument("--profile", action="store_true", help="py-spy the monitor during the window")
    return ap.parse_args()


def now() -> datetime:
    return datetime.now(UTC)


async def sleep_until(at: datetime) -> None:
    await asyncio.sleep(max(0.0, (at - now()).total_seconds()))


async def commit_timestamps(admin_dsn: str) -> bool:
    """The firing transaction's commit instant needs track_commit_timestamp, a server setting:
    set it on the bench's own server (scripts/postgres.sh on TOUSU_PG_PORT) and restart that."""
    conn = await asyncpg.connect(admin_dsn)
    try:
        if await conn.fetchval("SHOW track_commit_timestamp") == "on":
            return True
        if str(urlsplit(admin_dsn).port) != os.environ.get("TOUSU_PG_PORT"):
            print("  track_commit_timestamp is off on a server that is not the bench's: no commit lateness")
            return False
        await conn.execute("ALTER SYSTEM SET track_commit_timestamp = on")
    finally:
        await conn.close()
    print("  restarting the bench's PostgreSQL with track_commit_timestamp = on", flush=True)
    for step in ("stop", "start"):
        await asyncio.to_thread(
            subprocess.run, ["bash", str(ROOT / "scripts" / "postgres.sh"), step], check=True
        )
    return True


async def wait_backlog(conn: asyncpg.Connection, before: datetime, timeout: float) -> float | None:
    """Poll until no case is due before ``before``; the wall-clock instant it happened, or None."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if await conn.fetchval(BACKLOG, before) == 0:
            return time.time()
        await asyncio.sleep(0.1)
    return None


async def progress(conn: asyncpg.Connection, monitor: Monitor, until: datetime, label: str) -> None:
    while now() < until:
        await asyncio.sleep(min(10.0, max(0.0, (until - now()).total_seconds())))
        due = await conn.fetchval(BACKLOG, now())
        written = await conn.fetchval("SELECT count(*) FROM outbox")
        rss = (monitor.rss_samples_kb or [0])[-1] / 1024
        print(f"  {label}: {written:>7,} events written, {due:>6,} due now, RSS {rss:.0f} MB", flush=True)


async def vacuum(conn: asyncpg.Connection) -> None:
    await conn.execute("VACUUM ANALYZE sla_cases")
    await conn.execute("VACUUM ANALYZE sla_clock_runs")


@dataclass
class Cpu:
    """CPU seconds of the monitor, PostgreSQL (postmaster and children) and Kafka, and when."""

    monitor: float
    postgres: float
    kafka: float
    at: float

    @classmethod
    def read(cls, monitor: Monitor, pg_pid: int | None, kafka_pid: int | None) -> Cpu:
        return cls(
            monitor.cpu() or 0.0,
            children_cpu(pg_pid) if pg_pid else 0.0,
            children_cpu(kafka_pid) if kafka_pid else 0.0,
            time.monotonic(),
        )

    def pct_since(self, start: Cpu) -> dict[str, float]:
        span = self.at - start.at
        return {
            "sla_monitor_cpu_pct": 100 * (self.monitor - start.monitor) / span,
            "sla_postgres_cpu_pct": 100 * (self.postgres - start.postgres) / span,
            "sla_kafka_cpu_pct": 100 * (self.kafka - start.kafka) / span,
        }


async def bench(args: argparse.Namespace) -> tuple[dict[str, Any], dict[str, Any]]:
    args.workdir.mkdir(parents=True, exist_ok=True)
    print(
        f"SLA bench: {args.cases:,} open cases, {args.rate:,} due/s for {args.window:.0f} s, "
        f"restart after {args.down:.0f} s down",
        flush=True,
    )
    if (load := os.getloadavg()[0]) > 1.5:
        print(f"  note: load average {load:.1f} on {os.cpu_count()} cores: another job is busy here too")
    has_commit_ts = await commit_timestamps(args.pg)
    t_seed = time.monotonic()
    dsn = await fresh_database(args.pg, args.db)
    conn = await asyncpg.connect(dsn)
    facts = await report.machine(conn)
    pg_pid = pid_from(Path(await conn.fetchval("SHOW data_directory")) / "postmaster.pid")
    kafka_pid = pid_from(ROOT / ".cache" / "kafka" / args.kafka.rsplit(":", 1)[1] / "kafka.pid")

    # -- seed: the far-future cases, then the stream, due from shortly after seeding ends
    patterns = Patterns()
    n_stream = min(args.cases, int((args.warmup + args.window + 10) * args.rate))
    far = far_future(n_stream, args.cases - n_stream, now(), patterns)
    took = await copy_cases(conn, far, "far-future") if far else 0.0
    t_vac = time.monotonic()
    await vacuum(conn)
    vacuum_s = time.monotonic() - t_vac
    first_due = now() + timedelta(seconds=1.5 * n_stream * took / max(len(far), 1) + 2 * vacuum_s + 15)
    await copy_cases(conn, stream(0, n_stream, first_due, args.rate, patterns), "due stream")
    await vacuum(conn)
    await conn.execute("CHECKPOINT")  # the seed's dirty pages are not the monitor's to write
    seed_s = time.monotonic() - t_seed
    stream_end = first_due + timedelta(seconds=n_stream / args.rate)
    print(
        f"  seeded {args.cases:,} cases ({patterns.built:,} engine runs, one per distinct received_at) in "
        f"{seed_s:.1f} s; the stream comes due {first_due:%H:%M:%S}–{stream_end:%H:%M:%S} UTC",
        flush=True,
    )
    open_cases = await conn.fetchval("SELECT count(*) FROM sla_cases WHERE next_due_at IS NOT NULL")
    open_runs = await conn.fetchval("SELECT count(*) FROM sla_clock_runs WHERE is_open")

    env = {
        "TOUSU_DATABASE_URL": dsn.replace("postgresql://", "postgresql+asyncpg://", 1),
        "TOUSU_KAFKA_BOOTSTRAP": args.kafka,
        "TOUSU_TOPIC_PREFIX": "bench.",
        "TOUSU_LOG_LEVEL": "WARNING",
        "TOUSU_OUTBOX_KEEP_SECONDS": "86400",
        "TOUSU_ADMIN_TOKEN": "bench-admin-token-0123456789abcdef",
        "TOUSU_DATA_DIR": str(args.workdir / "data"),
        **{k: v for k, v in os.environ.items() if k.startswith("TOUSU_SLA_")},  # batch size, poll
    }
    log = args.workdir / "sla-monitor.log"
    log.write_bytes(b"")
    first, second = Monitor(env, log), Monitor(env, log)
    try:
        # -- steady due-load
        await first.start()
        ready = datetime.fromtimestamp(first.ready_at, UTC)
        print(f"  monitor pid {first.pid} ready in {first.ready_at - first.started_at:.1f} s", flush=True)
        w0 = max(first_due, ready + timedelta(seconds=1)) + timedelta(seconds=args.warmup)
        w1 = min(w0 + timedelta(seconds=args.window), stream_end)
        if ready > first_due:
            print(
                f"  warning: ready {(ready - first_due).total_seconds():.1f} s after the stream began; "
                f"the window is {(w1 - w0).total_seconds():.0f} s"
            )
        await sleep_until(w0)
        profile_raw = args.workdir / "sla-profile.txt"
        profiler = sla_profile.start(first.pid, args.window, profile_raw) if args.profile else None
        cpu0 = Cpu.read(first, pg_pid, kafka_pid)
        await progress(conn, first, w1, "steady")
        cpu = Cpu.read(first, pg_pid, kafka_pid).pct_since(cpu0)
        load_at_w1 = os.getloadavg()[0]
        await sleep_until(stream_end)
        left = await conn.fetchval(BACKLOG, stream_end)
        if left:
            print(
                f"  {left:,} of the stream still due at its end; waiting up to {args.drain_max:.0f} s",
                flush=True,
            )
        drained = await wait_backlog(conn, stream_end, timeout=args.drain_max)
        unfired_window = await conn.fetchval(BACKLOG, w1)
        if profiler is not None:
            await asyncio.to_thread(profiler.wait)
            if profile_raw.exists():
                (args.workdir / "sla-profile-top.txt").write_text(sla_profile.summary(profile_raw) + "\n")
                print(sla_profile.summary(profile_raw, top=20))

        # -- stop, pile-up, restart, catch-up
        stop_at = now()
        stop_s = await first.stop()
        print(
            f"  SIGTERM at {stop_at:%H:%M:%S} ({unfired_window:,} of the window not fired yet); "
            f"stopped in {stop_s:.1f} s; down for {args.down:.0f} s",
            flush=True,
        )
        n_pile = int(args.rate * args.down)
        await copy_cases(conn, stream(args.cases, n_pile, stop_at, args.rate, patterns), "due while down")
        await sleep_until(stop_at + timedelta(seconds=args.down))
        restart = now()
        piled = await conn.fetchval(BACKLOG, restart)
        await second.start()
        print(
            f"  restarted with {piled:,} due; ready in {second.ready_at - second.started_at:.1f} s",
            flush=True,
        )
        done = await wait_backlog(conn, restart, timeout=args.catch_up_max)
        if done is None:
            print(f"  warning: catch-up not finished {args.catch_up_max:.0f} s after the restart")
        await second.stop()
    finally:
        first.kill()
        second.kill()

    # -- read back
    rows = await report.warnings(conn)
    in_window = [r for r in rows if w0 <= r["due"] < w1]
    due_in_window = await conn.fetchval(
        "SELECT count(*) FROM sla_cases WHERE received_at >= $1 AND received_at < $2",
        w0 - WARN_AFTER,
        w1 - WARN_AFTER,
    )
    if due_in_window != len(in_window):
        print(f"  {due_in_window - len(in_window):,} warnings due in the window never fired during the bench")
    window_s = (w1 - w0).total_seconds()
    late = report.Lateness.of([(r["created_at"] - r["due"]).total_seconds() for r in in_window])
    sent = report.Lateness.of([(r["sent_at"] - r["due"]).total_seconds() for r in in_window if r["sent_at"]])
    commit_late = (await report.commit_lateness(conn, w0, w1)) if has_commit_ts else []
    commit = report.Lateness.of(commit_late)
    # firings achieved: every warning whose firing committed within the window (whatever its due)
    fired_at = (await report.commit_instants(conn)) if has_commit_ts else [r["created_at"] for r in rows]
    restart_started = datetime.fromtimestamp(second.started_at, UTC)
    catch_up = sum(1 for r in rows if r["due"] < restart and r["created_at"] >= restart_started)
    catch_up_s = None if done is None else done - second.ready_at
    await conn.close()
    results = {
        "sla_p99_lateness_s": late.p99,
        "sla_p50_lateness_s": late.p50,
        "sla_max_lateness_s": late.max,
        "sla_p50_commit_lateness_s": commit.p50,
        "sla_p99_commit_lateness_s": commit.p99,
        "sla_max_commit_lateness_s": commit.max,
        "sla_p99_sent_lateness_s": sent.p99,
        "sla_window_firings": late.count,
        "sla_window_fired_after_restart": unfired_window,
        "sla_firings_per_s": sum(1 for t in fired_at if w0 <= t < w1) / window_s,
        "sla_due_per_s": due_in_window / window_s,
        "sla_window_never_fired": due_in_window - len(in_window),
        "sla_window_s": window_s,
        "sla_stream_drained_s": None if drained is None else drained - stream_end.timestamp(),
        "sla_rss_mb": round(max(first.peak_rss_mb, second.peak_rss_mb), 1),
        "sla_rss_mb_steady": round(first.peak_rss_mb, 1),
        "sla_rss_mb_catch_up": round(second.peak_rss_mb, 1),
        **cpu,
        "sla_loadavg_1m_window_end": round(load_at_w1, 2),
        "sla_open_clocks": open_cases,
        "sla_open_clock_runs": open_runs,
        "sla_catch_up_s": catch_up_s,
        "sla_catch_up_firings": catch_up,
        "sla_catch_up_per_s": catch_up / catch_up_s if catch_up_s else None,
        "sla_catch_up_backlog_at_restart": piled,
        "sla_restart_ready_s": second.ready_at - second.started_at,
        "sla_seed_s": seed_s,
        "sla_settings": {
            "batch_size": int(env.get("TOUSU_SLA_BATCH_SIZE", 200)),
            "poll_seconds": float(env.get("TOUSU_SLA_POLL_SECONDS", 0.2)),
            "rate_per_s": args.rate,
            "window_s": args.window,
            "down_s": args.down,
        },
        "sla_measured_at": now().isoformat(timespec="seconds"),
    }
    return results, facts


def main() -> None:
    args = _args()
    results, facts = asyncio.run(bench(args))
    results = {k: round(v, 4) if isinstance(v, float) else v for k, v in results.items()}
    report.write_results(args.results, results, facts)
    report.print_table(results)
    shown = args.results.relative_to(ROOT) if args.results.is_relative_to(ROOT) else args.results
    print(f"written to {shown}; monitor log: {args.workdir / 'sla-monitor.log'}")


if __name__ == "__main__":
    main()
