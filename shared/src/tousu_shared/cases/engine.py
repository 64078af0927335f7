"""One case under its regime, on a time line that only moves forward.

``CaseEngine`` applies actions (verbs) at given instants and, between them, fires what
comes due on its own: clock warnings and breaches, escalations, automatic upgrades. It
never reads the machine's time: the caller says when things happen.

Rules, all read from the regime:

- a verb stops every open clock whose definition lists it in ``stop_on``, then starts
  every clock whose ``start_on`` is the verb and whose condition matches the case;
- ``pause``/``resume`` pause and resume every open pausable clock;
- ``promise`` moves the due time of the clocks that allow it (000's complex cases);
- a change of classification (``upgrade``, or an automatic upgrade) re-targets open
  clocks (same start, the new definition's target, window and owner, minus the time
  they were paused), cancels those whose condition no longer holds and starts those
  that now apply, from the moment of the change;
- a clock stopped by a hand-over (an ``escalate``/``dispatch`` to a role of its
  ``stop_to``: 003's property fix once the quality-engineering centre takes over) does
  not start again when its start verb recurs (the centre's own site survey);
- ``reopen`` restarts the clocks that resolving had stopped, from the reopening, under
  the definition they ran under (003's builder fix, started by a dispatch to the builder),
  and cancels open callback clocks (a new resolution starts them again);
- ``callback`` with ``satisfied: false`` follows the regime's ``on_dissatisfied``:
  ``reopen`` reopens the case, ``review_item`` closes it marked for review; satisfied
  closes the case; ``on: dissatisfied`` escalations with ``repeat: n`` apply from the
  case's n-th dissatisfied callback (repeated dissatisfaction goes higher);
- closing the case, by ``close`` or by a callback, stops the clocks that ``close`` stops
  (000's closure is met), then ``close`` and ``withdraw`` cancel whatever is still open;
- escalation rules tell each role once per trigger and instant, with the first matching
  rule's reason (004: a 23-household petition matches both the group and the
  signatories rule for the project manager).
"""

from __future__ import annotations

from collections.abc import Collection, Mapping
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any
from zoneinfo import ZoneInfo

from tousu_shared.cases.classification import Classification
from tousu_shared.regimes.model import ClockDef, Condition, EscalationRule, Regime, UpgradeRule
from tousu_shared.sla.clock import SlaClock
from tousu_shared.sla.durations import WorkingCalendar, due_from, push_for_pause, resolve

#: the state a verb leaves the case in (verbs not listed leave it as it is)
STATE_AFTER = {
    "register": "registered",
    "dispatch": "dispatched",
    "accept": "accepted",
    "onsite": "on_site",
    "plan": "planned",
    "resolve": "resolved",
    "reopen": "reopened",
    "close": "closed",
    "withdraw": "withdrawn",
}
_FINAL = ("closed", "withdrawn")
_EVENT_OF = {
    "register": "ComplaintRegistered",
    "dispatch": "WorkOrderDispatched",
    "accept": "WorkOrderAccepted",
    "onsite": "StaffOnSite",
    "plan": "PlanSubmitted",
    "progress": "ProgressReported",
    "report": "ReportedToManager",
    "contact": "ResidentContacted",
    "escalate": "CaseEscalated",
    "pause": "ClocksPaused",
    "resume": "ClocksResumed",
    "promise": "DatePromised",
    "resolve": "ComplaintResolved",
    "callback": "CallbackRecorded",
    "reopen": "ComplaintReopened",
    "upgrade": "SeverityUpgraded",
    "close": "CaseClosed",
    "withdraw": "ComplaintWithdrawn",
}


class CaseError(ValueError):
    """An action the case cannot take (it is closed, time went backwards, …)."""


@dataclass
class Escalation:
    at: datetime
    to_role: str
    reason: str
    trigger: str
    clock: str | None = None

    def to_json(self, tz: ZoneInfo) -> dict[str, Any]:
        out = {
            "at": self.at.astimezone(tz).isoformat(),
            "to_role": self.to_role,
            "reason": self.reason,
            "trigger": self.trigger,
        }
        return out | ({"clock": self.clock} if self.clock else {})


@dataclass
class CaseEngine:
    regime: Regime
    calendar: WorkingCalendar
    tz: ZoneInfo
    received_at: datetime
    classification: Classification
    parameters: Mapping[str, float] = field(default_factory=dict)
    now: datetime = field(init=False)
    state: str = "received"
    review_item: bool = False
    #: dissatisfied callbacks so far (a rule with ``repeat: n`` applies from the n-th)
    dissatisfied: int = 0
    clocks: list[SlaClock] = field(default_factory=list)
    escalations: list[Escalation] = field(default_factory=list)
    events: list[dict[str, Any]] = field(default_factory=list)
    _open: dict[str, tuple[SlaClock, ClockDef]] = field(default_factory=dict)
    _verbs_seen: set[str] = field(default_factory=set)
    _stopped_by_resolve: list[tuple[str, ClockDef]] = field(default_factory=list)
    _handed_over: set[str] = field(default_factory=set)
    _upgrades_done: set[int] = field(default_factory=set)

    def __post_init__(self) -> None:
        self.now = self.received_at
        self._event("ComplaintReceived", self.received_at)
        c = self.classification
        self._event(
            "ComplaintTriaged",
            self.received_at,
            category=c.category,
            urgency=c.urgency,
            severity=c.severity,
            department=c.department,
            topic=c.topic,
        )
        self._verbs_seen.add("received")
        self._start_clocks("received", self.received_at)
        self._escalate("classified", self.received_at)

    # -- time ------------------------------------------------------------------------------
    def advance(self, until: datetime, *, inclusive: bool = True) -> None:
        """Fire, in time order, everything that comes due up to ``until``.

        Before an action (``inclusive=False``) what falls due at the very instant of the
        action waits: an action exactly at the due time meets the clock."""
        if until < self.now:
            raise CaseError(f"time goes backwards: {until.isoformat()} is before {self.now.isoformat()}")
        while (timer := self._next_timer()) is not None and (
            timer[0] < until or (inclusive and timer[0] == until)
        ):
            at, fire = timer
            self.now = at
            fire()
        self.now = until

    def next_due(self) -> datetime | None:
        """When something next fires on its own (a warning, a breach, an upgrade), if ever."""
        timer = self._next_timer()
        return timer[0] if timer else None

    def _next_timer(self) -> tuple[datetime, Any] | None:
        candidates: list[tuple[datetime, int, Any]] = []
        for order, (clock, definition) in enumerate(list(self._open.values())):
            nxt = clock.next_timer()
            if nxt is not None:
                at, kind = nxt
                candidates.append(
                    (at, order, lambda c=clock, d=definition, k=kind, t=at: self._fire(c, d, k, t))
                )
        for index, rule in enumerate(self.regime.upgrades):
            upgrade_at = self._upgrade_due(index, rule)
            if upgrade_at is not None:
                candidates.append(
                    (
                        upgrade_at,
                        1000 + index,
                        lambda i=index, r=rule, t=upgrade_at: self._auto_upgrade(i, r, t),
                    )
                )
        if not candidates:
            return None
        at, _, fire = min(candidates, key=lambda x: (x[0], x[1]))
        return at, fire

    def _fire(self, clock: SlaClock, definition: ClockDef, kind: str, at: datetime) -> None:
        clock.fire(kind, at)
        self._event("ClockWarning" if kind == "warning" else "ClockBreached", at, clock=clock.name)
        self._escalate("warning" if kind == "warning" else "breach", at, clock=clock.name)

    # -- a new reading ---------------------------------------------------------------------
    def reclassify(self, new: Classification, at: datetime) -> bool:
        """Triage read the complaint again (the resident answered its questions): running
        clocks follow the new classification (re-targeted, cancelled, or started where they
        now apply) and 'classified' escalations that now apply are raised, each role once
        over the case. A closed case, or the same reading, changes nothing (returns False)."""
        self.advance(at, inclusive=False)
        if self.state in _FINAL or new == self.classification:
            return False
        told = {e.to_role for e in self.escalations if e.trigger == "classified"}
        self._event(
            "ComplaintTriaged",
            at,
            category=new.category,
            urgency=new.urgency,
            severity=new.severity,
            department=new.department,
            topic=new.topic,
        )
        self._reclassify(new, at, "read again")
        self._escalate("classified", at, already=told)
        return True

    # -- actions ---------------------------------------------------------------------------
    def act(self, verb: str, at: datetime, details: Mapping[str, Any] | None = None) -> None:
        self.advance(at, inclusive=False)
        details = dict(details or {})
        if self.state in _FINAL:
            raise CaseError(f"the case is {self.state}; it cannot {verb}")
        handler = getattr(self, f"_on_{verb}", None)
        self._event(_EVENT_OF.get(verb, verb), at, **details)
        self._verbs_seen.add(verb)
        self._restart_recurring(verb, at)
        if handler is not None:
            handler(at, details)
        else:
            to = details.get("to")
            self._stop_clocks(verb, at, to)
            self._start_clocks(verb, at, to)
            if verb == "escalate" and to:
                reason = str(details.get("reason", "escalated by staff"))
                self.escalations.append(Escalation(at, str(to), reason, "manual"))
        self.state = STATE_AFTER.get(verb, self.state)
        self._escalate("verb", at, verb=verb)

    def _on_pause(self, at: datetime, details: dict[str, Any]) -> None:
        for clock, definition in self._open.values():
            if definition.pausable and clock.paused_since is None:
                clock.pause(at, str(details.get("reason", "")))

    def _on_resume(self, at: datetime, details: dict[str, Any]) -> None:
        for clock, _ in self._open.values():
            if clock.paused_since is not None:
                clock.resume(at, self.calendar, self.tz)

    def _on_promise(self, at: datetime, details: dict[str, Any]) -> None:
        due = details.get("due_at")
        if not isinstance(due, datetime):
            raise CaseError("promise needs 'due_at' (an instant with its offset)")
        which = details.get("clock")
        targets = [(c, d) for c, d in self._open.values() if d.promise_allowed and which in (None, c.name)]
        if not targets:
            raise CaseError("no open clock of this case allows a promised date")
        reason = str(details.get("reason") or "").strip()
        if not reason:
            raise CaseError("a promised date needs a reason (with: {due_at, reason})")
        for clock, _ in targets:
            clock.promise(at, due, reason)

    def _on_resolve(self, at: datetime, details: dict[str, Any]) -> None:
        self._stopped_by_resolve = self._stop_clocks("resolve", at)
        self._start_clocks("resolve", at)

    def _on_reopen(self, at: datetime, details: dict[str, Any]) -> None:
        for name, (clock, definition) in list(self._open.items()):
            if definition.start_on == "resolve":
                clock.cancel(at, "case reopened")
                self._closed(name, "ClockCancelled", at)
        for name, ran_under in self._stopped_by_resolve:
            again = self._definition_like(ran_under)
            if again is not None:
                self._start_named(name, at, restart=True, keep=again)
        self._stopped_by_resolve = []

    def _on_callback(self, at: datetime, details: dict[str, Any]) -> None:
        self._stop_clocks("callback", at)
        if details.get("satisfied", True):
            self._close(at, "resident satisfied")
            return
        self.dissatisfied += 1
        self._escalate("dissatisfied", at)
        if self.regime.callback.on_dissatisfied == "review_item":
            self.review_item = True
            self._close(at, "resident dissatisfied: review item")
        else:
            self.act("reopen", at, {"reason": details.get("comment", "resident dissatisfied")})

    def _on_upgrade(self, at: datetime, details: dict[str, Any]) -> None:
        severity = details.get("severity") or self._upgrade_level()
        self._reclassify(self.classification.with_severity(str(severity)), at, "upgraded")
        self._escalate("upgrade", at)

    def _on_close(self, at: datetime, details: dict[str, Any]) -> None:
        self._stop_clocks("close", at)
        self._cancel_open(at, "case closed")

    def _on_withdraw(self, at: datetime, details: dict[str, Any]) -> None:
        self._cancel_open(at, "complaint withdrawn")

    def _close(self, at: datetime, why: str) -> None:
        self._event("CaseClosed", at, reason=why)
        self._stop_clocks("close", at)
        self._cancel_open(at, "case closed")
        self.state = "closed"

    # -- clocks ----------------------------------------------------------------------------
    def _matches(self, cond: Condition) -> bool:
        if cond.signatories_at_least is not None:
            threshold = self.parameters.get(cond.signatories_at_least) or self._param(
                cond.signatories_at_least
            )
            if self.classification.signatories < threshold:
                return False
        return self.classification.matches(cond)

    def _param(self, name: str) -> float:
        return self.regime.parameters[name].default if name in self.regime.parameters else float("inf")

    def _definition(self, name: str, start_on: str | None = None, to: str | None = None) -> ClockDef | None:
        for d in self.regime.clocks:
            if d.start_to is not None and to not in d.start_to:
                continue
            same = d.name == name and (start_on is None or d.start_on == start_on)
            if same and self._matches(d.when):
                return d
        return None

    def _definition_like(self, old: ClockDef) -> ClockDef | None:
        """The definition of ``old``'s clock that matches the case now, among those started the
        same way (same verb, same roles): a clock started by a dispatch to the builder stays the
        builder's clock when the case is re-classified or reopened."""
        for d in self.regime.clocks:
            same = d.name == old.name and d.start_on == old.start_on and d.start_to == old.start_to
            if same and self._matches(d.when):
                return d
        return None

    def _start_clocks(self, verb: str, at: datetime, to: str | None = None) -> None:
        for name in dict.fromkeys(d.name for d in self.regime.clocks if d.start_on == verb):
            if name in self._handed_over:
                continue  # its work went to another unit; the verb recurring there is theirs
            if name not in self._open and (verb != "received" or not self._ever_started(name)):
                self._start_named(name, at, start_on=verb, to=to)

    def _restart_recurring(self, verb: str, at: datetime) -> None:
        """A recurring duty (004's daily progress): the verb meets this period, the next starts."""
        for name, (clock, definition) in list(self._open.items()):
            if verb in definition.restart_on:
                clock.stop(at, verb)
                self._closed(name, "ClockMet" if clock.status == "met" else "ClockStoppedLate", at)
                self._start_named(name, at, restart=True, keep=definition)

    def _start_named(
        self,
        name: str,
        at: datetime,
        *,
        start_on: str | None = None,
        to: str | None = None,
        restart: bool = False,
        keep: ClockDef | None = None,
    ) -> None:
        definition = keep or self._definition(name, start_on, to)
        if definition is None or name in self._open:
            return
        span = resolve(definition.target, self.regime, self.parameters)
        due = due_from(at, span, self.calendar, self.tz)
        not_before = None
        if definition.not_before is not None:
            window = resolve(definition.not_before, self.regime, self.parameters)
            not_before = due_from(at, window, self.calendar, self.tz)
        clock = SlaClock.start(name, span, at, due, definition.warning_at, not_before, definition.owner)
        self.clocks.append(clock)
        self._open[name] = (clock, definition)
        self._event("ClockRestarted" if restart else "ClockStarted", at, clock=name)

    def _stop_clocks(self, verb: str, at: datetime, to: str | None = None) -> list[tuple[str, ClockDef]]:
        """Stop the open clocks ``verb`` stops; return them with the definition each ran under."""
        stopped = []
        for name, (clock, definition) in list(self._open.items()):
            routed_verb = verb in ("escalate", "dispatch") and definition.stop_to is not None
            if verb in definition.stop_on and (not routed_verb or to in (definition.stop_to or [])):
                clock.stop(at, verb)
                self._closed(name, "ClockMet" if clock.status == "met" else "ClockStoppedLate", at)
                stopped.append((name, definition))
                if routed_verb:
                    self._handed_over.add(name)
        return stopped

    def _cancel_open(self, at: datetime, why: str) -> None:
        for name, (clock, _) in list(self._open.items()):
            clock.cancel(at, why)
            self._closed(name, "ClockCancelled", at)

    def _closed(self, name: str, event: str, at: datetime) -> None:
        del self._open[name]
        self._event(event, at, clock=name)

    def _ever_started(self, name: str) -> bool:
        return any(c.name == name for c in self.clocks)

    def _reclassify(self, new: Classification, at: datetime, why: str) -> None:
        self.classification = new
        for name, (clock, old) in list(self._open.items()):
            definition = self._definition_like(old)
            if definition is None:
                clock.cancel(at, f"no longer applies ({why})")
                self._closed(name, "ClockCancelled", at)
            elif definition is not old:
                span = resolve(definition.target, self.regime, self.parameters)
                due = due_from(clock.started_at, span, self.calendar, self.tz)
                for paused_at, resumed_at in clock.pauses():  # paused time still does not count
                    due = push_for_pause(due, span.unit, paused_at, resumed_at, self.calendar, self.tz)
                not_before = None
                if definition.not_before is not None:
                    window = resolve(definition.not_before, self.regime, self.parameters)
                    not_before = due_from(clock.started_at, window, self.calendar, self.tz)
                clock.retarget(at, span, due, why, not_before=not_before, owner=definition.owner)
                self._open[name] = (clock, definition)
                self._event("ClockRetargeted", at, clock=name)
        for name in dict.fromkeys(d.name for d in self.regime.clocks):
            d = self._definition(name)
            if (
                d
                and name not in self._open
                and d.start_on in self._verbs_seen
                and not self._ever_started(name)
            ):
                self._start_named(name, at, start_on=d.start_on)

    # -- upgrades and escalations ------------------------------------------------------------
    def _upgrade_due(self, index: int, rule: UpgradeRule) -> datetime | None:
        if index in self._upgrades_done or self.state in (*_FINAL, "resolved"):
            return None
        if not self._matches(rule.when) or self.classification.severity == rule.set_severity:
            return None
        span = resolve(rule.after, self.regime, self.parameters)
        return due_from(self.received_at, span, self.calendar, self.tz)

    def _auto_upgrade(self, index: int, rule: UpgradeRule, at: datetime) -> None:
        self._upgrades_done.add(index)
        self._event("SeverityUpgraded", at, severity=rule.set_severity, reason=rule.reason, automatic=True)
        self._reclassify(self.classification.with_severity(rule.set_severity), at, rule.reason)
        self._escalate("upgrade", at)

    def _upgrade_level(self) -> str:
        levels = self.regime.severity_levels or []
        current = self.classification.severity
        if current in levels and levels.index(current) + 1 < len(levels):
            return levels[levels.index(current) + 1]
        raise CaseError("upgrade needs 'severity' (no higher level to go to)")

    def _escalate(
        self,
        trigger: str,
        at: datetime,
        *,
        clock: str | None = None,
        verb: str | None = None,
        already: Collection[str] = (),
    ) -> None:
        # a role is told once per trigger and instant (first rule's reason)
        told: set[str] = set(already)
        for rule in self.regime.escalations:
            if self._applies(rule, trigger, clock, verb) and rule.to not in told:
                told.add(rule.to)
                self.escalations.append(Escalation(at, rule.to, rule.reason, trigger, clock))
                self._event("EscalationRaised", at, to_role=rule.to, trigger=trigger)

    def _applies(self, rule: EscalationRule, trigger: str, clock: str | None, verb: str | None) -> bool:
        if rule.on != trigger or not self._matches(rule.when):
            return False
        if trigger in ("breach", "warning") and rule.clocks is not None and clock not in rule.clocks:
            return False
        if rule.repeat is not None and self.dissatisfied < self._count(rule.repeat):
            return False
        return not (trigger == "verb" and rule.verb != verb)

    def _count(self, param: str) -> float:
        """A number parameter's value for this estate (the checks ensure it exists)."""
        return self.parameters.get(param, self.regime.parameters[param].default)

    def _event(self, type_: str, at: datetime, **details: Any) -> None:
        self.events.append({"at": at, "type": type_, **{k: v for k, v in details.items() if v is not None}})
