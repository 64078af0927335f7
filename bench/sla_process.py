"""The real sla-monitor process, as the bench runs it: start, wait until ready, watch its memory
and CPU from /proc, stop with SIGTERM."""

from __future__ import annotations

import asyncio
import contextlib
import os
import signal
import socket
import subprocess
import sys
import time
from dataclasses import dataclass, field
from pathlib import Path

import httpx

CLOCK_TICKS = os.sysconf("SC_CLK_TCK")


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def proc_status_kb(pid: int, key: str) -> int | None:
    """A ``kB`` line of /proc/<pid>/status (VmRSS, VmHWM), or None once the process is gone."""
    try:
        for line in Path(f"/proc/{pid}/status").read_text().splitlines():
            if line.startswith(f"{key}:"):
                return int(line.split()[1])
    except (OSError, ValueError):
        return None
    return None


def cpu_seconds(pid: int) -> float | None:
    """User + system CPU time of the process so far."""
    try:
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    except OSError:
        return None
    return (int(fields[11]) + int(fields[12])) / CLOCK_TICKS  # utime, stime (fields 14, 15)


@dataclass
class Monitor:
    """One run of a service (``python -m tousu_sla_monitor`` unless told) with the bench's settings."""

    env: dict[str, str]
    log_path: Path
    module: str = "tousu_sla_monitor"
    proc: subprocess.Popen[bytes] | None = None
    port: int = 0
    started_at: float = 0.0  # wall clock (time.time()) when spawned
    ready_at: float = 0.0
    rss_samples_kb: list[int] = field(default_factory=list)
    hwm_kb: int = 0
    _sampler: asyncio.Task[None] | None = None

    @property
    def pid(self) -> int:
        assert self.proc is not None
        return self.proc.pid

    async def start(self, timeout: float = 120) -> None:
        self.port = free_port()
        env = {k: v for k, v in os.environ.items() if not k.startswith("TOUSU_")}
        env.update(self.env, TOUSU_HTTP_PORT=str(self.port))
        log = self.log_path.open("ab")
        self.started_at = time.time()
        self.proc = subprocess.Popen(  # noqa: ASYNC220 (starting it is quick; waiting is polled)
            [sys.executable, "-m", self.module], env=env, stdout=log, stderr=subprocess.STDOUT
        )
        self._sampler = asyncio.create_task(self._sample())
        deadline = time.monotonic() + timeout
        async with httpx.AsyncClient(timeout=2) as client:
            while time.monotonic() < deadline:
                if self.proc.poll() is not None:
                    raise RuntimeError(f"{self.module} exited ({self.proc.returncode}); see {self.log_path}")
                with contextlib.suppress(httpx.HTTPError):
                    if (await client.get(f"http://127.0.0.1:{self.port}/health/ready")).status_code == 200:
                        self.ready_at = time.time()
                        return
                await asyncio.sleep(0.05)
        raise RuntimeError(f"{self.module} not ready after {timeout} s; see {self.log_path}")

    async def _sample(self) -> None:
        """VmRSS every 0.5 s, and VmHWM (the kernel's own peak), while the process lives."""
        while self.proc is not None and self.proc.poll() is None:
            rss = proc_status_kb(self.pid, "VmRSS")
            hwm = proc_status_kb(self.pid, "VmHWM")
            if rss is not None:
                self.rss_samples_kb.append(rss)
            if hwm is not None:
                self.hwm_kb = max(self.hwm_kb, hwm)
            await asyncio.sleep(0.5)

    def cpu(self) -> float | None:
        return cpu_seconds(self.pid)

    async def stop(self, timeout: float = 60) -> float:
        """SIGTERM (a graceful stop: in-flight batches commit, the relay drains); seconds it took."""
        assert self.proc is not None
        hwm = proc_status_kb(self.pid, "VmHWM")
        self.hwm_kb = max(self.hwm_kb, hwm or 0)
        t0 = time.monotonic()
        self.proc.send_signal(signal.SIGTERM)
        try:
            await asyncio.to_thread(self.proc.wait, timeout)
        except subprocess.TimeoutExpired:
            self.proc.kill()
            self.proc.wait()
        if self._sampler is not None:
            self._sampler.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._sampler
        return time.monotonic() - t0

    def kill(self) -> None:
        """Last resort on a bench error: never leave the monitor behind."""
        if self.proc is not None and self.proc.poll() is None:
            self.proc.kill()
            self.proc.wait()

    @property
    def peak_rss_mb(self) -> float:
        return max(self.hwm_kb, *self.rss_samples_kb, 0) / 1024


def children_cpu(parent: int) -> float:
    """CPU seconds of ``parent`` and its live children (PostgreSQL's backends, writers)."""
    total = cpu_seconds(parent) or 0.0
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:
            ppid = int(stat.read_text().rsplit(")", 1)[1].split()[1])
        except (OSError, ValueError, IndexError):
            continue
        if ppid == parent:
            total += cpu_seconds(int(stat.parent.name)) or 0.0
    return total


def pid_from(path: Path) -> int | None:
    """The pid in the first line of a pid file (postmaster.pid, kafka.pid), if it is alive."""
    try:
        pid = int(path.read_text().split()[0])
    except (OSError, ValueError, IndexError):
        return None
    return pid if Path(f"/proc/{pid}").exists() else None
