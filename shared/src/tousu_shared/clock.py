"""Time is given to code, never read from the machine directly.

Production uses :class:`SystemClock`; tests and simulations use :class:`VirtualClock`,
which can jump days ahead in microseconds.
"""

from __future__ import annotations

import os
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Protocol


class Clock(Protocol):
    def now(self) -> datetime:
        """The current instant, timezone-aware (UTC)."""
        ...


class SystemClock:
    def now(self) -> datetime:
        return datetime.now(UTC)


class VirtualClock:
    """A clock that only moves when told to."""

    def __init__(self, start: datetime) -> None:
        if start.tzinfo is None:
            raise ValueError("VirtualClock needs a timezone-aware start time")
        self._now = start.astimezone(UTC)

    def now(self) -> datetime:
        return self._now

    def advance(self, delta: timedelta) -> datetime:
        if delta < timedelta(0):
            raise ValueError("time does not go backwards")
        self._now += delta
        return self._now

    def set(self, instant: datetime) -> datetime:
        return self.advance(instant.astimezone(UTC) - self._now)


class FileClock:
    """Virtual time shared by processes: now is the ISO 8601 instant written in a file.

    For integration tests and demos (``TOUSU_CLOCK_FILE``): a test moves every service's
    time at once by rewriting the file (write a temporary file, then rename it). The file
    is read again only when it changes.
    """

    def __init__(self, path: Path) -> None:
        self._path = path
        self._stamp: tuple[int, int] | None = None
        self._now: datetime | None = None
        self.now()  # a missing or unreadable file is a start-up error, not a later one

    def now(self) -> datetime:
        try:
            stat = self._path.stat()
            stamp = (stat.st_mtime_ns, stat.st_ino)
            if stamp != self._stamp or self._now is None:
                self._now = _parse_instant(self._path.read_text(encoding="utf-8").strip(), self._path)
                self._stamp = stamp
        except OSError as exc:
            if self._now is None:
                raise ValueError(f"clock file {self._path}: {exc.strerror}") from None
        assert self._now is not None
        return self._now

    @staticmethod
    def write(path: Path, instant: datetime) -> None:
        """Set the time of every process reading ``path`` (atomically)."""
        tmp = path.with_name(f".{path.name}.tmp")
        tmp.write_text(instant.astimezone(UTC).isoformat(), encoding="utf-8")
        os.replace(tmp, path)


def _parse_instant(text: str, path: Path) -> datetime:
    try:
        instant = datetime.fromisoformat(text)
    except ValueError:
        raise ValueError(f"clock file {path}: {text[:40]!r} is not an ISO 8601 instant") from None
    if instant.tzinfo is None:
        raise ValueError(f"clock file {path}: {text!r} has no offset")
    return instant.astimezone(UTC)


def clock_from(clock_file: Path | None) -> Clock:
    return FileClock(clock_file) if clock_file else SystemClock()
