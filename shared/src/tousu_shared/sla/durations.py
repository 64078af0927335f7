"""From a regime's target ("3 个工作日", a parameter, "当天") to a due instant."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Protocol
from zoneinfo import ZoneInfo

from tousu_shared.regimes.model import Regime, Target, TimeUnit

_ELAPSED = {"minutes": timedelta(minutes=1), "hours": timedelta(hours=1), "days": timedelta(days=1)}


class WorkingCalendar(Protocol):
    def due_after_working_days(self, start: datetime, n: int, tz: ZoneInfo) -> datetime: ...
    def end_of_day(self, start: datetime, tz: ZoneInfo) -> datetime: ...
    def working_seconds_between(self, a: datetime, b: datetime, tz: ZoneInfo) -> float: ...
    def add_working_seconds(self, a: datetime, seconds: float, tz: ZoneInfo) -> datetime: ...


class TargetError(ValueError):
    """A target that names a missing parameter or cannot be computed."""


@dataclass(frozen=True)
class Span:
    """A resolved target: how much of which kind of time."""

    amount: float
    unit: TimeUnit

    def describe(self) -> str:
        if self.unit == "same_day":
            return "same day"
        amount = int(self.amount) if self.amount == int(self.amount) else self.amount
        unit = self.unit.replace("_", " ")
        return f"{amount} {unit.removesuffix('s') if amount == 1 else unit}"


def resolve(target: Target, regime: Regime, overrides: Mapping[str, float] | None = None) -> Span:
    """The target's amount and unit, reading parameters (with per-estate overrides)."""
    if target.param is None:
        assert target.unit is not None  # the model guarantees it
        return Span(target.amount or 0.0, target.unit)
    param = regime.parameters.get(target.param)
    if param is None or param.unit is None:
        raise TargetError(f"{regime.ref}: no duration parameter {target.param!r}")
    amount = (overrides or {}).get(target.param, param.default)
    return Span(float(amount), param.unit)


def due_from(start: datetime, span: Span, calendar: WorkingCalendar, tz: ZoneInfo) -> datetime:
    if span.unit in _ELAPSED:
        return start + span.amount * _ELAPSED[span.unit]
    if span.unit == "same_day":
        return calendar.end_of_day(start, tz)
    days = int(span.amount)
    if days != span.amount or days < 1:
        raise TargetError(f"working days must be a whole number ≥ 1, not {span.amount}")
    return calendar.due_after_working_days(start, days, tz)


def push_for_pause(
    due: datetime,
    unit: TimeUnit,
    paused_at: datetime,
    resumed_at: datetime,
    calendar: WorkingCalendar,
    tz: ZoneInfo,
) -> datetime:
    """Paused time does not count: the remaining budget starts again at the resume.

    Working-day clocks keep their remaining *working* time (a pause over a weekend costs
    nothing extra); elapsed and same-day clocks keep their remaining wall-clock time.
    """
    if resumed_at <= paused_at:
        return due
    if unit == "working_days":
        remaining = calendar.working_seconds_between(paused_at, due, tz)
        return max(due, calendar.add_working_seconds(resumed_at, remaining, tz))
    return due + (resumed_at - paused_at)
