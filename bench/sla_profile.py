"""`--profile`: py-spy samples the monitor during the steady window; this sums up its raw
(collapsed) stacks: where the CPU went, by function, counting each function once per sample."""

from __future__ import annotations

import re
import subprocess
from collections import Counter
from pathlib import Path

_FRAME = re.compile(r"^(?P<func>.*?) \((?P<file>.*?)(?::\d+)?\)$")


def start(pid: int, seconds: float, out: Path) -> subprocess.Popen[bytes] | None:
    try:
        return subprocess.Popen(
            [
                "py-spy",
                "record",
                "--pid",
                str(pid),
                "--duration",
                str(int(seconds)),
                "--rate",
                "50",
                "--format",
                "raw",
                "--output",
                str(out),
                "--nonblocking",
            ],
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
    except FileNotFoundError:
        print("  --profile: py-spy is not on PATH (uv tool install py-spy)")
        return None


#: frames every sample of the main stack passes through (process start, uvicorn, the event loop)
_WRAPPERS = ("runpy>", "(uvicorn/", "(asyncio/", "tousu_sla_monitor/__main__", "main (tousu_sla_monitor/app",
             "serve (tousu_shared/runtime/service")  # fmt: skip


def _name(frame: str) -> str:
    m = _FRAME.match(frame.strip())
    if not m:
        return frame.strip()
    path = m["file"]
    for marker in ("site-packages/", "/src/", "python3.11/"):
        if marker in path:
            path = path.split(marker, 1)[1]
            break
    return f"{m['func']} ({path})"


#: where a sample's CPU went, first match wins. SQLAlchemy's async layer runs ORM work in greenlets,
#: whose stacks py-spy reports without the frames that called them, so this looks at any frame.
BUCKETS: list[tuple[str, tuple[str, ...]]] = [
    ("event loop select (waiting for PostgreSQL / Kafka)", ("EpollSelector.select",)),
    ("outbox relay", ("relay.py",)),
    ("regime engine: rebuild, fire, events", ("tousu_shared/cases/", "timeline.py", "tousu_shared/sla/")),
    ("envelopes and event payloads (pydantic)", ("envelope.py", "case_events", "pydantic/")),
    ("ORM flush: UPDATE case, INSERT clock runs + outbox", ("Session._flush", "Session.flush")),
    ("ORM DELETE of the case's clock runs", ("_BulkORMDelete", "bulk_persistence.py")),
    ("new ORM objects (SlaClockRun, OutboxMessage)", ("sqlmodel/", "generated __init__")),
    ("asyncpg and socket writes", ("asyncpg/", "selector_events.py")),
    ("store.save / touch themselves", ("store.py",)),
]


def buckets(raw: Path) -> tuple[int, list[tuple[str, int]]]:
    counts: Counter[str] = Counter()
    total = 0
    for line in raw.read_text().splitlines():
        stack, _, count = line.rpartition(" ")
        if not stack or not count.isdigit():
            continue
        total += int(count)
        leaf = stack.rsplit(";", 1)[-1]
        for name, needles in BUCKETS:
            where = leaf if name.startswith("event loop") else stack
            if any(n in where for n in needles):
                counts[name] += int(count)
                break
        else:
            counts["other (SQLAlchemy core, asyncio, …)"] += int(count)
    return total, counts.most_common()


def summary(raw: Path, top: int = 25, what: str = "the monitor's CPU during the steady window") -> str:
    """Where the CPU went: by part (the monitor's parts; only for it), inclusive and own."""
    inclusive: Counter[str] = Counter()
    own: Counter[str] = Counter()
    total = 0
    for line in raw.read_text().splitlines():
        stack, _, count = line.rpartition(" ")
        if not stack or not count.isdigit():
            continue
        n = int(count)
        frames = [_name(f) for f in stack.split(";") if f and not f.startswith("process ")]
        if not frames:
            continue
        total += n
        own[frames[-1]] += n
        for name in set(frames):
            inclusive[name] += n
    if not total:
        return f"no samples of {what}"
    lines = [f"{total} samples (50/s) of {what}"]
    if "monitor" in what:
        lines += ["", "by part:"] + [f"  {100 * n / total:5.1f} %  {name}" for name, n in buckets(raw)[1]]
    lines += ["", "inclusive:"]
    shown = [(k, n) for k, n in inclusive.most_common() if not any(w in k for w in _WRAPPERS)][:top]
    lines += [f"  {100 * n / total:5.1f} %  {name}" for name, n in shown]
    lines += ["", "own (leaf frame):"]
    lines += [f"  {100 * n / total:5.1f} %  {name}" for name, n in own.most_common(top)]
    return "\n".join(lines)
