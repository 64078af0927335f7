"""One SLA clock of one case: start, pause/resume, promise, re-target, stop, cancel.

Every change is recorded in ``history``. Paused time does not count towards the clock;
a breach is the due time passing while the clock runs (it stays open until stopped, and
a clock stopped late ends ``breached``); a clock stopped before its window opens
(``not_before``, e.g. 002's callback "not before 24 h") also ends ``breached``.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from typing import Any, Literal
from zoneinfo import ZoneInfo

from tousu_shared.sla.durations import Span, WorkingCalendar, push_for_pause

Status = Literal["running", "paused", "met", "breached", "cancelled"]


class ClockStateError(ValueError):
    """An action that makes no sense for the clock's state (resume a running clock, …)."""


@dataclass
class Change:
    at: datetime
    change: str
    detail: str = ""
    due_at: datetime | None = None

    def to_json(self, tz: ZoneInfo) -> dict[str, Any]:
        out: dict[str, Any] = {"at": self.at.astimezone(tz).isoformat(), "change": self.change}
        if self.due_at is not None:
            out["due_at"] = self.due_at.astimezone(tz).isoformat()
        return out | ({"detail": self.detail} if self.detail else {})


@dataclass
class SlaClock:
    name: str
    span: Span
    started_at: datetime
    due_at: datetime
    warning_share: float
    not_before: datetime | None = None
    stopped_at: datetime | None = None
    cancelled_at: datetime | None = None
    paused_since: datetime | None = None
    paused_seconds: float = 0.0
    warned_at: datetime | None = None
    breached_at: datetime | None = None
    promised: bool = False
    history: list[Change] = field(default_factory=list)
    #: where the warning share is measured from; moves with pauses, unlike started_at
    anchor: datetime | None = None
    #: the role that must act to stop the clock, where the regime names one
    owner: str | None = None

    @classmethod
    def start(
        cls,
        name: str,
        span: Span,
        at: datetime,
        due_at: datetime,
        warning_share: float,
        not_before: datetime | None = None,
        owner: str | None = None,
    ) -> SlaClock:
        clock = cls(name, span, at, due_at, warning_share, not_before, anchor=at, owner=owner)
        clock.history.append(Change(at, "started", span.describe(), due_at))
        return clock

    # -- state ---------------------------------------------------------------------------
    @property
    def open(self) -> bool:
        return self.stopped_at is None and self.cancelled_at is None

    @property
    def status(self) -> Status:
        if self.cancelled_at is not None:
            return "cancelled"
        if self.stopped_at is not None:
            early = self.not_before is not None and self.stopped_at < self.not_before
            return "breached" if early or self.stopped_at > self.due_at else "met"
        if self.paused_since is not None:
            return "paused"
        return "breached" if self.breached_at is not None else "running"

    @property
    def warn_at(self) -> datetime:
        """Warn when this share of the clock's budget (from start to due) has gone."""
        anchor = self.anchor or self.started_at
        return anchor + (self.due_at - anchor) * self.warning_share

    def next_timer(self) -> tuple[datetime, str] | None:
        """The next moment something fires for this clock on its own: a warning or a breach."""
        if not self.open or self.paused_since is not None:
            return None
        if self.warned_at is None and self.warn_at < self.due_at:
            return self.warn_at, "warning"
        if self.breached_at is None:
            return self.due_at, "breach"
        return None

    # -- changes -------------------------------------------------------------------------
    def fire(self, kind: str, at: datetime) -> None:
        if kind == "warning":
            self.warned_at = at
            self.history.append(Change(at, "warning", due_at=self.due_at))
        else:
            self.breached_at = at
            self.history.append(Change(at, "breached"))

    def pause(self, at: datetime, reason: str = "") -> None:
        self._require_open("pause")
        if self.paused_since is not None:
            raise ClockStateError(f"clock {self.name} is already paused")
        self.paused_since = at
        self.history.append(Change(at, "paused", reason))

    def resume(self, at: datetime, calendar: WorkingCalendar, tz: ZoneInfo) -> None:
        self._require_open("resume")
        if self.paused_since is None:
            raise ClockStateError(f"clock {self.name} is not paused")
        paused_at, self.paused_since = self.paused_since, None
        self.paused_seconds += (at - paused_at).total_seconds()
        old_due = self.due_at
        self.due_at = push_for_pause(old_due, self.span.unit, paused_at, at, calendar, tz)
        self.anchor = (self.anchor or self.started_at) + (self.due_at - old_due)
        self.history.append(Change(at, "resumed", due_at=self.due_at))

    def promise(self, at: datetime, due_at: datetime, reason: str) -> None:
        """A complex case's promised date becomes the new due time (000), with its reason."""
        self._require_open("promise")
        if not reason.strip():
            raise ClockStateError("a promised date needs a reason")
        self.due_at = due_at
        self.promised = True
        self.breached_at = None if due_at > at else self.breached_at
        self.history.append(Change(at, "promised", reason, due_at))

    def retarget(
        self,
        at: datetime,
        span: Span,
        due_at: datetime,
        why: str,
        *,
        not_before: datetime | None = None,
        owner: str | None = None,
    ) -> None:
        """The case's classification changed: same start, new target (and the new definition's
        window and owner: 002's major callback is the station head's, not before 24 h)."""
        self._require_open("retarget")
        self.span, self.due_at = span, due_at
        self.not_before, self.owner = not_before, owner
        if self.breached_at is not None and due_at > at:
            self.breached_at = None
        self.history.append(Change(at, "retargeted", f"{span.describe()} ({why})", due_at))

    def pauses(self) -> list[tuple[datetime, datetime]]:
        """Every finished pause, as (paused at, resumed at)."""
        out, since = [], None
        for change in self.history:
            if change.change == "paused":
                since = change.at
            elif change.change == "resumed" and since is not None:
                out.append((since, change.at))
                since = None
        return out

    def stop(self, at: datetime, by: str) -> None:
        self._require_open("stop")
        if self.paused_since is not None:
            self.paused_seconds += (at - self.paused_since).total_seconds()
            self.paused_since = None
        self.stopped_at = at
        self.history.append(Change(at, self.status, f"by {by}"))

    def cancel(self, at: datetime, why: str) -> None:
        self._require_open("cancel")
        self.cancelled_at = at
        self.history.append(Change(at, "cancelled", why))

    def _require_open(self, action: str) -> None:
        if not self.open:
            raise ClockStateError(f"cannot {action} clock {self.name}: it is {self.status}")

    def to_json(self, tz: ZoneInfo) -> dict[str, Any]:
        def local(t: datetime | None) -> str | None:
            return t.astimezone(tz).isoformat() if t else None

        return {
            "name": self.name,
            "target": self.span.describe(),
            "owner": self.owner,
            "started_at": local(self.started_at),
            "due_at": local(self.due_at),
            "stopped_at": local(self.stopped_at or self.cancelled_at),
            "status": self.status,
            "paused_seconds": round(self.paused_seconds),
            "history": [c.to_json(tz) for c in self.history],
        }
