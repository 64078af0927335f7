"""The figures of a report, from case files and clock runs: pure, no I/O.

What each figure means (the README's "Reports" section says the same to managers):

- the cases of a report are those **received** in its period (local time of the estate's
  regime, Asia/Shanghai); a rejected complaint (不予受理) is counted apart, not in the volume;
- ``share`` of a type is its cases over the period's cases;
- a clock run is **on time** when it met its target, **late** when it breached (stopped
  since or not); running and cancelled runs are not decided and not counted;
- the satisfaction rate counts each case's last answer: satisfied or basically satisfied
  over all answered cases;
- the reopen rate is cases reopened at least once over cases resolved at least once;
- the handling time runs from receipt to closing, over closed cases, in hours;
- a hot spot is one building's topic with at least ``hot_spot_complaints`` cases (004);
- the staff ladder counts, per staff member, complaints found true against them (投诉属实)
  received in the rolling window ending with the period (002 篇2).
"""

from __future__ import annotations

from collections import Counter, defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from tousu_shared.regimes import load_regime

SATISFIED = ("satisfied", "basically_satisfied")
#: the ladder's rungs, lowest first (002 篇2 第十二條)
RUNGS = ("talk", "public_criticism", "fails_review", "suspension")
RUNG_NAMES = {
    "talk": "谈心教育",
    "public_criticism": "公开批评、书面检讨",
    "fails_review": "年度考核不合格",
    "suspension": "待岗处理",
}


@dataclass(frozen=True)
class CaseRow:
    complaint_id: str
    estate_id: str
    status: str
    received_at: datetime
    category: str | None = None
    topic: str | None = None
    department: str | None = None
    building: str | None = None
    closed_at: datetime | None = None
    resolved_at: datetime | None = None
    satisfaction: str | None = None
    reopened: int = 0
    breaches: int = 0


@dataclass(frozen=True)
class RunRow:
    complaint_id: str
    clock: str
    department: str | None
    outcome: str  # running, met, late, cancelled


@dataclass(frozen=True)
class Finding:
    """A review that found the complaint true against these staff members."""

    received_at: datetime
    staff: tuple[str, ...]


@dataclass(frozen=True)
class Rules:
    hot_spot_complaints: int = 3
    ladder_window_days: int = 365
    #: the count from which each rung of :data:`RUNGS` applies
    ladder: tuple[int, int, int, int] = (1, 2, 3, 4)

    @classmethod
    def from_rulebooks(cls) -> Rules:
        """The thresholds as the rulebooks set them: 004's hot spot, 002 篇2's ladder."""
        matrix = load_regime("property-role-matrix").parameters
        sop = load_regime("service-station-sop").parameters
        return cls(
            hot_spot_complaints=int(matrix["hot_spot_complaints"].default),
            ladder_window_days=int(sop["staff_ladder_window"].default),
            ladder=(
                int(sop["staff_ladder_talk"].default),
                int(sop["staff_ladder_criticism"].default),
                int(sop["staff_ladder_review_fail"].default),
                int(sop["staff_ladder_suspend"].default),
            ),
        )

    def rung(self, count: int) -> str | None:
        reached = [name for name, threshold in zip(RUNGS, self.ladder, strict=True) if count >= threshold]
        return reached[-1] if reached else None


def rate(part: int, whole: int) -> float | None:
    return round(part / whole, 4) if whole else None


def monthly_figures(
    cases: Sequence[CaseRow],
    runs: Iterable[RunRow],
    findings: Iterable[Finding],
    *,
    period_start: datetime,
    period_end: datetime,
    rules: Rules,
    rejected: int = 0,
) -> dict[str, Any]:
    """Every figure of a monthly report (the daily one uses :func:`daily_figures`)."""
    runs_of: dict[str, list[RunRow]] = defaultdict(list)
    for run in runs:
        runs_of[run.complaint_id].append(run)
    return {
        "totals": _totals(cases, [r for c in cases for r in runs_of[c.complaint_id]], rejected),
        "by_category": _shares(cases, lambda c: c.category),
        "by_topic": _shares(cases, lambda c: c.topic),
        "by_estate": _groups(cases, runs_of, "estate_id", lambda c: c.estate_id),
        "by_department": _groups(cases, runs_of, "department", lambda c: c.department),
        "by_clock": _by_clock(r for c in cases for r in runs_of[c.complaint_id]),
        "hot_spots": hot_spots(cases, rules.hot_spot_complaints),
        "staff_ladder": staff_ladder(findings, period_end, rules),
        "by_day": _by_day(cases, period_start, period_end),
    }


def _totals(cases: Sequence[CaseRow], runs: list[RunRow], rejected: int) -> dict[str, Any]:
    met = sum(r.outcome == "met" for r in runs)
    late = sum(r.outcome == "late" for r in runs)
    answered = [c for c in cases if c.satisfaction]
    satisfied = sum(c.satisfaction in SATISFIED for c in answered)
    resolved = [c for c in cases if c.resolved_at is not None]
    reopened = sum(c.reopened > 0 for c in resolved)
    closed = [c for c in cases if c.status == "closed" and c.closed_at is not None]
    hours = [(c.closed_at - c.received_at).total_seconds() / 3600 for c in closed if c.closed_at]
    return {
        "cases": len(cases),
        "rejected": rejected,
        "closed": len(closed),
        "open": sum(c.status not in ("closed", "withdrawn", "rejected") for c in cases),
        "withdrawn": sum(c.status == "withdrawn" for c in cases),
        "overdue_cases": sum(c.breaches > 0 for c in cases),
        "clock_runs_decided": met + late,
        "clock_runs_met": met,
        "on_time_rate": rate(met, met + late),
        "answered": len(answered),
        "satisfied": satisfied,
        "satisfaction_rate": rate(satisfied, len(answered)),
        "resolved": len(resolved),
        "reopened": reopened,
        "reopen_rate": rate(reopened, len(resolved)),
        "avg_handling_hours": round(sum(hours) / len(hours), 2) if hours else None,
    }


def _shares(cases: Sequence[CaseRow], key: Any) -> list[dict[str, Any]]:
    counts = Counter(key(c) or "unclassified" for c in cases)
    return [
        {"name": name, "cases": n, "share": rate(n, len(cases))}
        for name, n in sorted(counts.items(), key=lambda kv: (-kv[1], kv[0]))
    ]


def _groups(
    cases: Sequence[CaseRow], runs_of: dict[str, list[RunRow]], label: str, key: Any
) -> list[dict[str, Any]]:
    grouped: dict[str, list[CaseRow]] = defaultdict(list)
    for case in cases:
        grouped[key(case) or "unclassified"].append(case)
    rows = []
    for name in sorted(grouped):
        members = grouped[name]
        totals = _totals(members, [r for c in members for r in runs_of[c.complaint_id]], 0)
        rows.append({label: name, **{k: v for k, v in totals.items() if k != "rejected"}})
    return rows


def _by_clock(runs: Iterable[RunRow]) -> list[dict[str, Any]]:
    met: Counter[str] = Counter()
    late: Counter[str] = Counter()
    for run in runs:
        if run.outcome == "met":
            met[run.clock] += 1
        elif run.outcome == "late":
            late[run.clock] += 1
    return [
        {
            "clock": name,
            "decided": met[name] + late[name],
            "met": met[name],
            "late": late[name],
            "on_time_rate": rate(met[name], met[name] + late[name]),
        }
        for name in sorted(set(met) | set(late))
    ]


def hot_spots(cases: Iterable[CaseRow], threshold: int) -> list[dict[str, Any]]:
    """One building's topic with ``threshold`` or more cases (e.g. 7号楼的电梯 three times)."""
    counts = Counter((c.estate_id, c.building, c.topic) for c in cases if c.building and c.topic)
    return [
        {"estate_id": estate, "building": building, "topic": topic, "cases": n}
        for (estate, building, topic), n in sorted(counts.items(), key=lambda kv: (-kv[1], kv[0]))
        if n >= threshold
    ]


def staff_ladder(findings: Iterable[Finding], period_end: datetime, rules: Rules) -> list[dict[str, Any]]:
    """Substantiated complaints per staff member in the rolling window ending at ``period_end``,
    and the rung of 002 篇2's ladder each count reaches."""
    since = period_end - timedelta(days=rules.ladder_window_days)
    counts: Counter[str] = Counter()
    for finding in findings:
        if since <= finding.received_at < period_end:
            counts.update(set(finding.staff))
    rows = []
    for staff, n in sorted(counts.items(), key=lambda kv: (-kv[1], kv[0])):
        rung = rules.rung(n)
        rows.append(
            {"staff_id": staff, "substantiated": n, "rung": rung, "rung_name": RUNG_NAMES.get(rung or "")}
        )
    return rows


def _by_day(cases: Iterable[CaseRow], start: datetime, end: datetime) -> list[dict[str, Any]]:
    tz = start.tzinfo
    counts = Counter(c.received_at.astimezone(tz).date() for c in cases)
    days, day = [], start.date()
    while day < end.date():
        days.append({"date": day.isoformat(), "cases": counts[day]})
        day += timedelta(days=1)
    return days


def daily_figures(cases: Sequence[CaseRow], *, rejected: int = 0) -> dict[str, Any]:
    """000's daily report of each unit (部门): the day's complaints, how many are still open,
    closed, overdue; by category too."""
    per_unit: dict[str, list[CaseRow]] = defaultdict(list)
    for case in cases:
        per_unit[case.department or "unclassified"].append(case)
    units = [
        {
            "department": unit,
            "cases": len(members),
            "open": sum(c.status not in ("closed", "withdrawn", "rejected") for c in members),
            "closed": sum(c.status == "closed" for c in members),
            "overdue_cases": sum(c.breaches > 0 for c in members),
        }
        for unit, members in sorted(per_unit.items())
    ]
    return {
        "totals": {"cases": len(cases), "rejected": rejected},
        "by_department": units,
        "by_category": _shares(cases, lambda c: c.category),
    }
