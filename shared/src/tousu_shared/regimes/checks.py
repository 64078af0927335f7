"""Cross-reference checks on a regime that pydantic accepted: every name it uses must exist.

Each problem is ``(field path, message)``; the loader turns the path into a line number.
"""

from __future__ import annotations

import zoneinfo
from collections.abc import Collection, Iterable, Iterator

from tousu_shared.contracts.events import Channel
from tousu_shared.regimes.model import ROLE_IDS, Condition, Regime, Target, TimeUnit
from tousu_shared.regimes.taxonomy import TOPICS
from tousu_shared.yamlsrc import FieldPath

Problem = tuple[FieldPath, str]

_MINUTES: dict[TimeUnit, float] = {"minutes": 1, "hours": 60, "days": 24 * 60}
_CHANNELS = tuple(c.value for c in Channel)


def _one_of(values: Iterable[str]) -> str:
    return ", ".join(values) or "(none)"


def check_regime(regime: Regime) -> list[Problem]:
    return [
        *_parameters(regime),
        *_labels(regime),
        *_conditions(regime),
        *_clocks(regime),
        *_escalations(regime),
        *_roles(regime),
        *_misc(regime),
    ]


def _targets(regime: Regime) -> Iterator[tuple[FieldPath, Target]]:
    for i, clock in enumerate(regime.clocks):
        yield ("clocks", i, "target"), clock.target
        if clock.not_before is not None:
            yield ("clocks", i, "not_before"), clock.not_before
    for i, upgrade in enumerate(regime.upgrades):
        yield ("upgrades", i, "after"), upgrade.after
    yield ("callback", "retries", "interval"), regime.callback.retries.interval


def _conditions(regime: Regime) -> Iterator[Problem]:
    for path, cond in _all_conditions(regime):
        yield from _condition(regime, path, cond)


def _all_conditions(regime: Regime) -> Iterator[tuple[FieldPath, Condition]]:
    for i, clock in enumerate(regime.clocks):
        yield ("clocks", i, "when"), clock.when
    for i, esc in enumerate(regime.escalations):
        yield ("escalations", i, "when"), esc.when
    for i, upgrade in enumerate(regime.upgrades):
        yield ("upgrades", i, "when"), upgrade.when


def _number_params(regime: Regime) -> Iterator[tuple[FieldPath, str]]:
    for kind in ("severity_rules", "urgency_rules"):
        for i, rule in enumerate(getattr(regime, kind)):
            if rule.signatories_at_least is not None:
                yield (kind, i, "signatories_at_least"), rule.signatories_at_least
    for path, cond in _all_conditions(regime):
        if cond.signatories_at_least is not None:
            yield (*path, "signatories_at_least"), cond.signatories_at_least
    yield ("retention", "years"), regime.retention.years
    for i, esc in enumerate(regime.escalations):
        if esc.repeat is not None:
            yield ("escalations", i, "repeat"), esc.repeat
    if regime.warranty is not None:
        yield ("warranty", "years"), regime.warranty.years


def _parameters(regime: Regime) -> Iterator[Problem]:
    params = regime.parameters
    known = f"known: {_one_of(sorted(params))}"
    for path, target in _targets(regime):
        if target.param is None:
            continue
        param = params.get(target.param)
        if param is None:
            yield (*path, "param"), f"unknown parameter {target.param!r}; {known}"
        elif param.unit is None:
            yield (*path, "param"), f"parameter {target.param!r} is a plain number; a duration needs a 'unit'"
    for path, name in _number_params(regime):
        param = params.get(name)
        if param is None:
            yield path, f"unknown parameter {name!r}; {known}"
        elif param.unit is not None:
            yield path, f"parameter {name!r} is a duration ({param.unit}); a count needs no 'unit'"


def _level(regime: Regime, kind: str, label: str, path: FieldPath) -> Iterator[Problem]:
    levels = regime.urgency_levels if kind == "urgency" else regime.severity_levels
    if levels is None:
        yield path, f"this regime has no {kind} levels ({kind}_levels is not set)"
    elif label not in levels:
        yield path, f"unknown {kind} {label!r}; one of: {_one_of(levels)}"


def _labels(regime: Regime) -> Iterator[Problem]:
    if "other" not in regime.topics:
        yield ("topics",), "the topic map needs 'other' (where unmapped topics go)"
    for kind in ("urgency", "severity"):
        levels = getattr(regime, f"{kind}_levels")
        default = getattr(regime, f"default_{kind}")
        if default is not None:
            yield from _level(regime, kind, default, (f"default_{kind}",))
        elif levels:
            yield (f"{kind}_levels",), f"give default_{kind}: one of {_one_of(levels)}"
        for i, rule in enumerate(getattr(regime, f"{kind}_rules")):
            yield from _level(regime, kind, rule.level, (f"{kind}_rules", i, "level"))
            for j, topic in enumerate(rule.topics or []):
                if topic not in regime.topics:
                    yield (f"{kind}_rules", i, "topics", j), f"unknown topic {topic!r} (not in 'topics')"
    for topic, rule in regime.topics.items():
        if topic not in TOPICS:
            yield ("topics", topic), f"unknown topic {topic!r}; one of: {_one_of(TOPICS)}"
        if rule.category not in regime.categories:
            yield (
                ("topics", topic, "category"),
                f"unknown category {rule.category!r}; one of: {_one_of(regime.categories)}",
            )
        if rule.department not in regime.departments:
            yield (
                ("topics", topic, "department"),
                f"unknown department {rule.department!r}; one of: {_one_of(regime.departments)}",
            )
        if rule.urgency is not None:
            yield from _level(regime, "urgency", rule.urgency, ("topics", topic, "urgency"))
        if rule.severity is not None:
            yield from _level(regime, "severity", rule.severity, ("topics", topic, "severity"))
    for i, upgrade in enumerate(regime.upgrades):
        yield from _level(regime, "severity", upgrade.set_severity, ("upgrades", i, "set_severity"))


def _condition(regime: Regime, path: FieldPath, cond: Condition) -> Iterator[Problem]:
    for kind in ("urgency", "severity"):
        for j, label in enumerate(getattr(cond, kind) or []):
            yield from _level(regime, kind, label, (*path, kind, j))
    lists: list[tuple[str, Collection[str], str]] = [
        ("category", regime.categories, "category"),
        ("not_category", regime.categories, "category"),
        ("department", regime.departments, "department"),
        ("not_department", regime.departments, "department"),
        ("topic", regime.topics, "topic"),
        ("channel", _CHANNELS, "channel"),
    ]
    for field, allowed, what in lists:
        for j, label in enumerate(getattr(cond, field) or []):
            if label not in allowed:
                yield (*path, field, j), f"unknown {what} {label!r}; one of: {_one_of(allowed)}"


def _minutes(target: Target, regime: Regime) -> tuple[str, float | None]:
    """(kind of unit, length in that kind) of a target, following a parameter."""
    unit, amount = target.unit, target.amount
    if target.param is not None:
        param = regime.parameters.get(target.param)
        if param is None or param.unit is None:
            return "unknown", None
        unit, amount = param.unit, param.default
    if unit in _MINUTES and amount is not None:
        return "elapsed", amount * _MINUTES[unit]
    return str(unit), amount


def _clocks(regime: Regime) -> Iterator[Problem]:
    seen: dict[str, list[Condition]] = {}
    for i, clock in enumerate(regime.clocks):
        path: FieldPath = ("clocks", i)
        earlier = seen.setdefault(clock.name, [])
        if any(c == Condition() or c == clock.when for c in earlier):
            yield (
                (*path, "when"),
                f"clock {clock.name!r}: unreachable, an earlier definition with the same name "
                "matches every case this one does",
            )
        earlier.append(clock.when)
        if clock.start_to is not None and clock.start_on not in ("escalate", "dispatch"):
            yield (*path, "start_to"), "start_to needs start_on: escalate or dispatch"
        if clock.stop_to is not None and not {"escalate", "dispatch"} & set(clock.stop_on):
            yield (*path, "stop_to"), "stop_to needs escalate or dispatch in stop_on"
        if clock.start_on in clock.stop_on and clock.start_to is None and clock.stop_to is None:
            yield (*path, "stop_on"), f"clock {clock.name!r} starts and stops on {clock.start_on!r}"
        for j, verb in enumerate(clock.restart_on):
            if verb in clock.stop_on:
                yield (*path, "restart_on", j), f"{verb!r} is in both stop_on and restart_on"
        if clock.not_before is not None:
            kind_nb, nb = _minutes(clock.not_before, regime)
            kind_t, t = _minutes(clock.target, regime)
            if "unknown" in (kind_nb, kind_t):
                continue
            if kind_nb != kind_t:
                yield (
                    (*path, "not_before"),
                    f"clock {clock.name!r}: not_before ({kind_nb}) and target ({kind_t}) cannot be "
                    "compared; use the same kind of unit",
                )
            elif nb is not None and t is not None and nb >= t:
                yield (
                    (*path, "not_before"),
                    f"clock {clock.name!r}: not_before must be shorter than the target ({nb:g} ≥ {t:g} "
                    f"{'minutes' if kind_t == 'elapsed' else kind_t})",
                )


def _escalations(regime: Regime) -> Iterator[Problem]:
    names = {c.name for c in regime.clocks}
    known = f"known clocks: {_one_of(sorted(names))}"
    for i, esc in enumerate(regime.escalations):
        path: FieldPath = ("escalations", i)
        if esc.clocks is not None and esc.on not in ("breach", "warning"):
            yield (*path, "clocks"), f"'clocks' only applies to on: breach or warning, not {esc.on!r}"
        for j, name in enumerate(esc.clocks or []):
            if name not in names:
                yield (*path, "clocks", j), f"unknown clock {name!r}; {known}"
        if esc.on == "verb" and esc.verb is None:
            yield (*path, "verb"), "on: verb needs 'verb'"
        if esc.on != "verb" and esc.verb is not None:
            yield (*path, "verb"), f"'verb' only applies to on: verb, not {esc.on!r}"
        if esc.on != "dissatisfied" and esc.repeat is not None:
            yield (*path, "repeat"), f"'repeat' only applies to on: dissatisfied, not {esc.on!r}"
    cb = regime.callback
    if cb.clock not in names:
        yield ("callback", "clock"), f"unknown clock {cb.clock!r}; {known}"
    elif not any(c.name == cb.clock and "callback" in c.stop_on for c in regime.clocks):
        yield ("callback", "clock"), f"clock {cb.clock!r} does not stop on 'callback'"


def _roles(regime: Regime) -> Iterator[Problem]:
    known = set(ROLE_IDS) | set(regime.roles)
    hint = "a role of REGIMES.md, or add it under 'roles'"
    for role in regime.roles:
        if role in ROLE_IDS:
            yield ("roles", role), f"{role!r} is already a REGIMES.md role"
    refs: list[tuple[FieldPath, str | None]] = [
        (("callback", "by"), regime.callback.by),
        (("plan_approval",), regime.plan_approval),
    ]
    if regime.warranty is not None:
        refs += [(("warranty", f), getattr(regime.warranty, f)) for f in ("within", "after")]
    refs += [(("departments", key, "role"), d.role) for key, d in regime.departments.items()]
    refs += [(("escalations", i, "to"), e.to) for i, e in enumerate(regime.escalations)]
    for i, clock in enumerate(regime.clocks):
        refs.append((("clocks", i, "owner"), clock.owner))
        for field in ("start_to", "stop_to"):
            refs += [(("clocks", i, field, j), r) for j, r in enumerate(getattr(clock, field) or [])]
    if regime.warranty is not None and regime.warranty.dispatch_as in known:
        alias = regime.warranty.dispatch_as
        yield ("warranty", "dispatch_as"), f"{alias!r} is a role; the rule's alias must not be one"
    for path, used in refs:
        if used is not None and used not in known:
            yield path, f"unknown role {used!r} ({hint})"


def _misc(regime: Regime) -> Iterator[Problem]:
    try:
        zoneinfo.ZoneInfo(regime.timezone)
    except (zoneinfo.ZoneInfoNotFoundError, ValueError):
        yield ("timezone",), f"unknown time zone {regime.timezone!r} (an IANA name, e.g. Asia/Shanghai)"
    seen: set[str] = set()
    for i, reason in enumerate(regime.rejection_reasons):
        if reason.id in seen:
            yield ("rejection_reasons", i, "id"), f"duplicate rejection reason {reason.id!r}"
        seen.add(reason.id)
    for kind in ("urgency_levels", "severity_levels", "categories"):
        labels = getattr(regime, kind) or []
        for j, label in enumerate(labels):
            if label in labels[:j]:
                yield (kind, j), f"duplicate {label!r}"
