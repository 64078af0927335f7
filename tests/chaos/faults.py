"""The faults of the chaos run, one after another under load, each timed.

A fault is injected, held for a while, and undone; it counts as recovered once the part
is back (the service ready again, the broker or database up) and the pipeline flows
again: a complaint offered after it came back has reached its case file with its work
order. Every other service must have stayed up throughout.
"""

from __future__ import annotations

import asyncio
import os
import signal
import time
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any

from sqlalchemy.engine import make_url

from tests.chaos.load import LoadGenerator
from tests.integration.harness import Stack, admin_database_url, kafka_bootstrap, wait_until, whereabouts

ROOT = Path(__file__).resolve().parents[2]
#: how long a fault may take to recover before the run fails on it
RECOVERY_TIMEOUT_S = 180
#: complaints offered after a part came back that are watched for the pipeline to flow again
FLOW_PROBES = 20


@dataclass
class Fault:
    name: str
    at_s: float  # since the load began
    held_s: float  # how long the part was kept away
    back_s: float  # from the fault until the part was back (ready, up)
    recovered_s: float  # from the fault until the pipeline flowed again
    clocks_due_during: int = 0  # clock runs that came due between the fault and its recovery

    def as_dict(self) -> dict[str, Any]:
        return {k: round(v, 1) if isinstance(v, float) else v for k, v in asdict(self).items()}


def say(line: str) -> None:
    """Progress, one line per phase (pytest runs with -s for it)."""
    print(f"chaos: {line}", flush=True)


class Chaos:
    def __init__(self, stack: Stack, load: LoadGenerator) -> None:
        self.stack = stack
        self.load = load
        self.faults: list[Fault] = []

    async def settle_in(self, steady_s: float = 5.0) -> None:
        """Wait for the first complaints to go all the way through, then a little steady load."""
        t0 = time.monotonic()
        await wait_until(
            lambda: self._flowing_since(self.load.started_at - 1), RECOVERY_TIMEOUT_S, "the first case file"
        )
        say(f"pipeline flowing: first case file {time.monotonic() - t0:.1f} s after the load began")
        await asyncio.sleep(steady_s)

    async def kill_service(self, name: str, hold_s: float = 2.0) -> Fault:
        """kill -9 one service, leave it dead a moment (its input piles up), start it again."""
        t0 = time.monotonic()
        assert self.stack.services[name].kill(signal.SIGKILL) == -signal.SIGKILL
        await asyncio.sleep(hold_s)
        await self.stack.restart(name)
        return await self._recovered(f"kill -9 {name}", t0, hold_s)

    async def kill_broker(self, hold_s: float = 3.0) -> Fault:
        t0 = time.monotonic()
        await _script("kafka.sh", "kill9")
        await asyncio.sleep(hold_s)
        await _script("kafka.sh", "start")
        return await self._recovered("kill -9 Kafka broker", t0, hold_s)

    async def stop_postgres(self, hold_s: float = 30.0) -> Fault:
        """Crash PostgreSQL (no checkpoint), keep it away ``hold_s``, start it (WAL recovery).
        The services stay up meanwhile: they retry, and intake answers 503."""
        t0 = time.monotonic()
        await _script("postgres.sh", "crash")
        await asyncio.sleep(hold_s)
        await _script("postgres.sh", "start")
        await asyncio.gather(*(self.stack.wait_ready(n) for n in self.stack.services))
        return await self._recovered(f"PostgreSQL down {hold_s:.0f} s", t0, hold_s)

    async def _recovered(self, name: str, t0: float, held_s: float) -> Fault:
        back = time.monotonic()
        self.assert_all_alive()
        await wait_until(
            lambda: self._flowing_since(back), RECOVERY_TIMEOUT_S, f"the pipeline to flow after {name}"
        )
        self.assert_all_alive()
        fault = Fault(name, t0 - self.load.started_at, held_s, back - t0, time.monotonic() - t0)
        self.faults.append(fault)
        say(f"{name}: back in {fault.back_s:.1f} s, flowing again {fault.recovered_s:.1f} s after the fault")
        return fault

    async def _flowing_since(self, instant: float) -> bool | str:
        """True once a complaint offered after ``instant`` is in its case file with its work
        order (any of the first few: one case stuck is for the final counts to show)."""
        taken = self.load.accepted_after(instant)[:FLOW_PROBES]
        if not taken:
            return "no complaint offered since has been taken yet"
        sql = "SELECT count(*) FROM case_files WHERE complaint_id = ANY(:ids) AND work_order_id IS NOT NULL"
        try:
            filed = await self.stack.scalar("archive", sql, ids=[s.complaint_id for s in taken])
        except Exception as exc:  # the test's own pool may meet the database still recovering
            return f"archive's database: {type(exc).__name__}"
        if filed:
            return True
        backlog = sum(1 for x in self.load.submissions if x.complaint_id is None)
        first = taken[0]
        where = await whereabouts(self.stack, str(first.complaint_id))
        return f"{first.key} {first.complaint_id}: {where}; {backlog} offered complaints not taken yet"

    def assert_all_alive(self) -> None:
        services = self.stack.services.items()
        dead = {n: s.proc.returncode for n, s in services if s.proc and s.proc.poll() is not None}
        assert not dead, f"services exited during the chaos run: {dead}\n" + "\n".join(
            f"--- {n}:\n{self.stack.services[n].log_tail()}" for n in dead
        )


def _server_env() -> dict[str, str]:
    """The scripts act on the servers the suite uses (TOUSU_TEST_*), whatever their ports."""
    return {
        **os.environ,
        "TOUSU_KAFKA_PORT": kafka_bootstrap().rsplit(":", 1)[1],
        "TOUSU_PG_PORT": str(make_url(admin_database_url()).port),
    }


async def _script(script: str, command: str) -> None:
    proc = await asyncio.create_subprocess_exec(
        "bash",
        str(ROOT / "scripts" / script),
        command,
        env=_server_env(),
        stdout=asyncio.subprocess.PIPE,
        stderr=asyncio.subprocess.STDOUT,
    )
    out, _ = await proc.communicate()
    for line in out.decode(errors="replace").splitlines():
        say(f"  {line}")
    assert proc.returncode == 0, f"scripts/{script} {command} exited {proc.returncode}"
