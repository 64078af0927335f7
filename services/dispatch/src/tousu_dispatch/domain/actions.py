"""Which staff actions a work order may take, and the state each leaves it in.

Pure rules over plain values; the HTTP layer turns :class:`ActionRefused` into a 4xx.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime

from tousu_dispatch.domain.refused import ActionRefused
from tousu_dispatch.domain.warranty import Warranty
from tousu_shared.cases.engine import STATE_AFTER
from tousu_shared.contracts.case_events import ACTION_EVENTS
from tousu_shared.regimes.model import ROLE_IDS, Regime

#: the verbs staff record through dispatch; ``callback`` is the callback service's
STAFF_VERBS: tuple[str, ...] = tuple(verb for verb in ACTION_EVENTS if verb != "callback")
#: a work order in one of these states takes no more actions
FINAL_STATES: tuple[str, ...] = ("closed", "withdrawn")
#: verbs that must name the role the case goes to in ``to``; a ``dispatch`` without one goes to
#: the work order's own department (the event then carries no ``to``, as the regime engine expects)
NEEDS_ROLE: tuple[str, ...] = ("escalate",)


@dataclass(frozen=True)
class RegimeRules:
    """What the action rules need of a regime."""

    ref: str
    roles: frozenset[str]
    severity_levels: tuple[str, ...] | None
    promise_clocks: tuple[str, ...]
    #: the role that approves a plan, where the regime asks for approval (001: supervisor)
    plan_approval: str | None = None
    #: 003: who a builder's repair goes to, by the building's completion acceptance
    warranty: Warranty | None = None
    #: 004: the verb that hands the case over, and what it must carry
    handover_verb: str | None = None
    handover_fields: tuple[str, ...] = ()

    @classmethod
    def of(cls, regime: Regime) -> RegimeRules:
        return cls(
            ref=regime.ref,
            roles=frozenset((*ROLE_IDS, *regime.roles)),
            severity_levels=tuple(regime.severity_levels) if regime.severity_levels else None,
            promise_clocks=tuple(dict.fromkeys(c.name for c in regime.clocks if c.promise_allowed)),
            plan_approval=regime.plan_approval,
            warranty=_warranty(regime),
            handover_verb=regime.handover.verb if regime.handover else None,
            handover_fields=tuple(regime.handover.fields) if regime.handover else (),
        )

    @classmethod
    def unknown(cls) -> RegimeRules:
        """For a work order that does not record its regime: the common roles, nothing else known."""
        return cls(ref="(unknown regime)", roles=frozenset(ROLE_IDS), severity_levels=None, promise_clocks=())


def _warranty(regime: Regime) -> Warranty | None:
    rule = regime.warranty
    if rule is None:
        return None
    years = int(regime.parameters[rule.years].default)
    return Warranty(rule.dispatch_as, years, rule.within, rule.after, regime.timezone, rule.years)


@dataclass(frozen=True)
class Action:
    verb: str
    to: str | None = None
    reason: str | None = None
    due_at: datetime | None = None
    clock: str | None = None
    severity: str | None = None
    background: str | None = None
    expectation: str | None = None


def check_verb(verb: str) -> None:
    if verb not in STAFF_VERBS:
        hint = " (callbacks are recorded by the callback service)" if verb == "callback" else ""
        raise ActionRefused("invalid", f"unknown verb {verb!r}{hint}; allowed: {', '.join(STAFF_VERBS)}")


def check_open(work_order_id: str, status: str, verb: str) -> None:
    if status in FINAL_STATES:
        raise ActionRefused("conflict", f"work order {work_order_id} is {status}; it cannot {verb}")


def check_action(action: Action, rules: RegimeRules, current_severity: str | None) -> str | None:
    """Refuse an action the regime does not allow; return the work order's severity after it."""
    check_verb(action.verb)
    if action.verb in NEEDS_ROLE and not action.to:
        raise ActionRefused("invalid", f"{action.verb} needs 'to': the role the case goes to")
    if action.verb == rules.handover_verb:
        _check_handover(action, rules)
    if rules.warranty and action.to == rules.warranty.dispatch_as:
        if action.verb != "dispatch":
            raise ActionRefused("invalid", f"'{action.to}' is for dispatch only; {action.verb} names a role")
    elif action.to and action.to not in rules.roles:
        raise ActionRefused(
            "invalid", f"unknown role {action.to!r} in {rules.ref}; known: {_list(rules.roles)}"
        )
    if action.verb == "promise":
        _check_promise(action, rules)
    if action.verb == "upgrade":
        return upgraded_severity(rules, current_severity, action.severity)
    return current_severity


def _check_handover(action: Action, rules: RegimeRules) -> None:
    missing = [f for f in rules.handover_fields if not (getattr(action, f) or "").strip()]
    if missing:
        raise ActionRefused(
            "invalid",
            f"{rules.ref} hands a case over with its {' and '.join(rules.handover_fields)} "
            f"(诉求+背景+业主期望); {action.verb} is missing {', '.join(repr(m) for m in missing)}",
        )


def _check_promise(action: Action, rules: RegimeRules) -> None:
    if action.due_at is None or not (action.reason or "").strip():
        raise ActionRefused("invalid", "promise needs 'due_at' (an instant with its offset) and a 'reason'")
    if not rules.promise_clocks:
        raise ActionRefused("invalid", f"no clock of {rules.ref} allows a promised date")
    if action.clock is not None and action.clock not in rules.promise_clocks:
        raise ActionRefused(
            "invalid",
            f"clock {action.clock!r} of {rules.ref} does not allow a promised date; "
            f"those that do: {', '.join(rules.promise_clocks)}",
        )


def upgraded_severity(rules: RegimeRules, current: str | None, given: str | None) -> str:
    """The severity after an upgrade: the one given, else the level above the current one."""
    levels = rules.severity_levels
    if not levels:
        raise ActionRefused("invalid", f"{rules.ref} has no severity levels to upgrade to")
    if given is not None:
        if given not in levels:
            raise ActionRefused(
                "invalid", f"unknown severity {given!r} in {rules.ref}; known: {', '.join(levels)}"
            )
        return given
    if current in levels and levels.index(current) + 1 < len(levels):
        return levels[levels.index(current) + 1]
    where = f"{current!r} is the highest level" if current in levels else f"the severity is {current!r}"
    raise ActionRefused("invalid", f"upgrade needs 'severity' ({where}); known: {', '.join(levels)}")


def state_after(verb: str, current: str) -> str:
    """The work order's status after ``verb`` (the regime engine's rule: most verbs leave it as it is)."""
    return STATE_AFTER.get(verb, current)


def _list(names: Iterable[str]) -> str:
    return ", ".join(sorted(names))
