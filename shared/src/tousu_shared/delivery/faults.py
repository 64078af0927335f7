"""Crash points for fault tests: die like ``kill -9`` at the worst possible moment.

``TOUSU_CRASH_AT=<point>:<n>`` makes the process exit abruptly (no cleanup, exit code 137)
the n-th time it reaches ``<point>``. Points:

- ``consumer-after-commit``: the batch's transaction is committed, its offsets are not;
  after a restart the same records come again and must change nothing.
- ``relay-after-send``: the broker has the messages, the outbox does not know; after a
  restart they are published again and consumers must drop them.

Unset in production; the check is one dictionary lookup.
"""

from __future__ import annotations

import os
from collections import Counter

_plan: tuple[str, int] | None = None
_seen: Counter[str] = Counter()


def _load() -> tuple[str, int] | None:
    spec = os.environ.get("TOUSU_CRASH_AT", "")
    if not spec:
        return None
    point, _, count = spec.partition(":")
    return point, int(count or 1)


_plan = _load()


def crash_point(point: str) -> None:
    if _plan is None or _plan[0] != point:
        return
    _seen[point] += 1
    if _seen[point] >= _plan[1]:
        os.write(2, f"TOUSU_CRASH_AT: crashing at {point} #{_seen[point]}\n".encode())
        os._exit(137)
