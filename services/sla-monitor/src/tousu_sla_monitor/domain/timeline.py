"""One case's clocks, rebuilt from what happened to it: the same engine ``tousu simulate`` runs.

The monitor stores a case as its inputs — the classification and, in order, every action
(verb, instant, details) and every instant at which it fired timers — and rebuilds the
regime engine from them whenever something happens. The engine is deterministic, so the
rebuilt case is the one that was stored, and the events it produced beyond those already
published are exactly the new ones: nothing is announced twice, nothing is missed.

An action that arrives after the monitor has already fired past its instant (the monitor
was down, the event was slow) is applied at the monitor's instant: what was announced
stays announced, and the delay is recorded in the action's details.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any
from zoneinfo import ZoneInfo

from tousu_shared.cases.classification import Classification
from tousu_shared.cases.engine import STATE_AFTER, CaseEngine, CaseError
from tousu_shared.contracts.case_events import (
    CLOCK_EVENTS,
    CaseStateChanged,
    EscalationRaised,
    SeverityAutoUpgraded,
)
from tousu_shared.contracts.events import ComplaintTriaged
from tousu_shared.contracts.payload import Payload
from tousu_shared.regimes.model import Regime
from tousu_shared.sla.clock import ClockStateError, SlaClock
from tousu_shared.sla.durations import TargetError, WorkingCalendar

ADVANCE = "advance"
#: an input that is a new reading of the complaint (triage's revision 2, 3, …), not an action
RECLASSIFY = "reclassify"
NOT_ACTIONS = (ADVANCE, RECLASSIFY)
#: the engine's events whose reason says why the rules moved the case
_STATE_REASONS = ("ComplaintReopened", "CaseClosed")
#: details of a case action the engine reads (the rest stays in the event for the record)
ENGINE_DETAILS = ("to", "reason", "due_at", "clock", "severity", "satisfied", "comment")


class ActionRefused(ValueError):
    """The case cannot take this action (it is closed, a promise without a reason, …)."""


def classification_of(triaged: ComplaintTriaged) -> dict[str, Any]:
    return {
        "topic": triaged.topic,
        "category": triaged.category,
        "department": triaged.department,
        "urgency": triaged.urgency,
        "severity": triaged.severity,
        "channel": triaged.channel.value if triaged.channel else "web",
        "group": triaged.group,
        "media": "media" in triaged.signals,
        "signatories": max(triaged.signatories or 1, 1),
        "signals": sorted(triaged.signals),
    }


def _classification(data: dict[str, Any]) -> Classification:
    return Classification(**{**data, "signals": frozenset(data.get("signals", ()))})


@dataclass
class Emitted:
    """An event the case produced, for ``sla.events``; ``at`` is its logical instant."""

    at: datetime
    payload: Payload


@dataclass
class Timeline:
    regime: Regime
    calendar: WorkingCalendar
    received_at: datetime
    classification: dict[str, Any]
    inputs: list[dict[str, Any]] = field(default_factory=list)
    #: the estate's values for the regime's parameters ("X hours"), where it sets them
    parameters: dict[str, float] = field(default_factory=dict)
    engine: CaseEngine = field(init=False)

    def __post_init__(self) -> None:
        self.engine = self._rebuild()

    def _rebuild(self) -> CaseEngine:
        engine = CaseEngine(
            self.regime,
            self.calendar,
            ZoneInfo(self.regime.timezone),
            self.received_at,
            _classification(self.classification),
            self.parameters,
        )
        for item in sorted(self.inputs, key=_instant):  # stable: the same instant keeps its order
            at = datetime.fromisoformat(item["at"])
            if item["do"] == ADVANCE:
                engine.advance(at, inclusive=False)
            elif item["do"] == RECLASSIFY:
                engine.reclassify(_classification(item["with"]["classification"]), at)
            else:
                engine.act(item["do"], at, _engine_details(item.get("with", {})))
        return engine

    @property
    def now(self) -> datetime:
        return self.engine.now

    def act(self, verb: str, at: datetime, details: dict[str, Any]) -> datetime:
        """Apply an action; returns the instant it was applied at (later than ``at`` if late)."""
        applied = max(at, self.engine.now)
        entry: dict[str, Any] = {"do": verb, "at": _iso(applied), "with": stored_details(details)}
        if applied > at:
            entry["with"]["late_by_s"] = round((applied - at).total_seconds(), 3)
        try:
            self.engine.act(verb, applied, _engine_details(details))
        except (CaseError, ClockStateError, TargetError) as exc:
            self.engine = self._rebuild()  # the engine may be half-way; the log is not
            raise ActionRefused(str(exc)) from None
        self.inputs.append(entry)
        return applied

    @property
    def revision(self) -> int:
        """The triage reading the clocks follow (1: the first)."""
        return max((i["with"]["revision"] for i in self.inputs if i["do"] == RECLASSIFY), default=1)

    @property
    def reading(self) -> dict[str, Any]:
        """The classification the clocks follow now: the latest reading's."""
        latest = [i["with"]["classification"] for i in self.inputs if i["do"] == RECLASSIFY]
        return latest[-1] if latest else self.classification

    def reclassify(self, classification: dict[str, Any], revision: int, at: datetime) -> bool:
        """Follow a newer reading of the complaint (an older one is ignored); True if it moved
        anything. Applied at the monitor's instant if the clocks are already past ``at``."""
        if revision <= self.revision:
            return False
        applied = max(at, self.engine.now)
        moved = self.engine.reclassify(_classification(classification), applied)
        entry = {"classification": classification, "revision": revision}
        self.inputs.append({"do": RECLASSIFY, "at": _iso(applied), "with": entry})
        return moved

    def fire_until(self, now: datetime) -> bool:
        """Fire what came due before ``now``; True if anything did."""
        before = len(self.engine.events)
        self.engine.advance(now, inclusive=False)
        if len(self.engine.events) == before:
            return False
        self.inputs.append({"do": ADVANCE, "at": _iso(now)})
        return True

    def next_due(self) -> datetime | None:
        return self.engine.next_due()

    def emitted_since(self, published: int, previous_state: str, because: str) -> list[Emitted]:
        """The events of ``sla.events`` produced after the first ``published`` engine events."""
        events = self.engine.events
        automatic = [e for e in self.engine.escalations if e.trigger != "manual"]
        told = sum(1 for e in events[:published] if e["type"] == "EscalationRaised")
        department = self.engine.classification.department
        out: list[Emitted] = []
        for event in events[published:]:
            kind, at = event["type"], event["at"]
            if kind in CLOCK_EVENTS:
                clock = self._instance(event["clock"], at)
                out.append(Emitted(at, _clock_event(kind, clock, department)))
            elif kind == "EscalationRaised":
                e = automatic[told]
                told += 1
                payload = EscalationRaised(
                    to_role=e.to_role,
                    reason=e.reason,
                    trigger=e.trigger,
                    clock=e.clock,
                    department=department,
                )
                out.append(Emitted(at, payload))
            elif kind == "SeverityUpgraded" and event.get("automatic"):
                out.append(
                    Emitted(at, SeverityAutoUpgraded(severity=event["severity"], reason=event["reason"]))
                )
        state = self.engine.state
        if state != previous_state and STATE_AFTER.get(because) != state:
            said = [e.get("reason") for e in events[published:] if e["type"] in _STATE_REASONS]
            change = CaseStateChanged(
                state=state,
                previous=previous_state,
                review_item=self.engine.review_item,
                because=because,
                reason=said[-1] if said else None,
            )
            out.append(Emitted(self.engine.now, change))
        return out

    def _instance(self, name: str, at: datetime) -> SlaClock:
        """The run of clock ``name`` an event at ``at`` is about (a restarted clock is a new run)."""
        runs = [c for c in self.engine.clocks if c.name == name and c.started_at <= at]
        return runs[-1]


def _clock_event(kind: str, clock: SlaClock, department: str) -> Payload:
    return CLOCK_EVENTS[kind](
        clock=clock.name,
        status=clock.status,
        target=clock.span.describe(),
        started_at=clock.started_at,
        due_at=clock.due_at,
        stopped_at=clock.stopped_at or clock.cancelled_at,
        not_before=clock.not_before,
        owner=clock.owner,
        department=department,
    )


def _iso(at: datetime) -> str:
    return at.astimezone(UTC).isoformat()


def _instant(item: dict[str, Any]) -> datetime:
    return datetime.fromisoformat(item["at"])


def stored_details(details: dict[str, Any]) -> dict[str, Any]:
    out = {}
    for key, value in details.items():
        if value is not None:
            out[key] = _iso(value) if isinstance(value, datetime) else value
    return out


def _engine_details(details: dict[str, Any]) -> dict[str, Any]:
    out = {k: details[k] for k in ENGINE_DETAILS if details.get(k) is not None}
    if isinstance(out.get("due_at"), str):
        out["due_at"] = datetime.fromisoformat(out["due_at"])
    return out
