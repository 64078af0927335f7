"""How a case is filed under its regime: topic → category, department, urgency, severity."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, replace

from tousu_shared.regimes.model import Condition, LevelRule, Regime


@dataclass(frozen=True)
class TextReading:
    """What triage read in a complaint's text, before any regime files it."""

    topic: str = "other"
    signals: frozenset[str] = frozenset()
    signatories: int | None = None  # households or people the text says joined in


@dataclass(frozen=True)
class Classification:
    topic: str
    category: str
    department: str
    urgency: str | None
    severity: str | None
    channel: str
    group: bool = False
    media: bool = False
    signatories: int = 1
    signals: frozenset[str] = frozenset()

    def matches(self, cond: Condition) -> bool:
        checks = (
            (cond.urgency, self.urgency, True),
            (cond.severity, self.severity, True),
            (cond.category, self.category, True),
            (cond.not_category, self.category, False),
            (cond.department, self.department, True),
            (cond.not_department, self.department, False),
            (cond.topic, self.topic, True),
            (cond.channel, self.channel, True),
        )
        for allowed, value, inside in checks:
            if allowed is not None and (value in allowed) != inside:
                return False
        if cond.group is not None and cond.group != self.group:
            return False
        return cond.media is None or cond.media == self.media

    def with_severity(self, severity: str) -> Classification:
        return replace(self, severity=severity)


def classify(
    regime: Regime,
    *,
    channel: str,
    reading: TextReading | None = None,
    signatories: int = 1,
    overrides: Mapping[str, str] | None = None,
    parameters: Mapping[str, float] | None = None,
) -> Classification:
    """File a complaint under ``regime`` from what triage read in it; ``overrides`` (topic,
    category, department, urgency, severity) replace what the rules would decide."""
    given = dict(overrides or {})
    read = reading or TextReading()
    topic = given.get("topic") or read.topic
    rule = regime.topics.get(topic) or regime.topics["other"]
    signatories = max(signatories, read.signatories or 0)
    params = {name: p.default for name, p in regime.parameters.items()} | dict(parameters or {})
    signals = _effective_signals(regime, read, params)
    draft = Classification(
        topic=topic,
        category=rule.category,
        department=rule.department,
        urgency=rule.urgency or regime.default_urgency,
        severity=rule.severity or regime.default_severity,
        channel=channel,
        group="group" in signals,
        media="media" in signals,
        signatories=signatories,
        signals=signals,
    )
    severity = _level(regime.severity_rules, draft, signatories, params) or draft.severity
    urgency = _level(regime.urgency_rules, draft, signatories, params) or draft.urgency
    group = draft.group or _signed_by_enough(regime, signatories, params)
    return replace(
        draft,
        category=given.get("category", draft.category),
        department=given.get("department", draft.department),
        urgency=given.get("urgency", urgency),
        severity=given.get("severity", severity),
        group=group,
    )


def _level(
    rules: list[LevelRule], c: Classification, signatories: int, params: Mapping[str, float]
) -> str | None:
    for rule in rules:
        if rule.topics is not None and c.topic not in rule.topics:
            continue
        if rule.signals is not None and not c.signals.intersection(rule.signals):
            continue
        if rule.signatories_at_least is not None and signatories < params.get(rule.signatories_at_least, 1e9):
            continue
        if rule.group is not None and rule.group != c.group and rule.signatories_at_least is None:
            continue
        if rule.media is not None and rule.media != c.media:
            continue
        return rule.level
    return None


def _effective_signals(regime: Regime, read: TextReading, params: Mapping[str, float]) -> frozenset[str]:
    """A text that counts its signatories is a group complaint only if the count reaches
    the regime's threshold ("5户联名" is not a group under a 10-signatory rule)."""
    thresholds = _signatory_thresholds(regime, params)
    counted = read.signatories if thresholds and "group" in read.signals else None
    if counted is not None and counted < min(thresholds):
        return read.signals - {"group"}
    return read.signals


def _signatory_thresholds(regime: Regime, params: Mapping[str, float]) -> list[float]:
    return [
        params[r.signatories_at_least]
        for r in regime.severity_rules + regime.urgency_rules
        if r.signatories_at_least and r.signatories_at_least in params
    ]


def _signed_by_enough(regime: Regime, signatories: int, params: Mapping[str, float]) -> bool:
    return any(signatories >= t for t in _signatory_thresholds(regime, params))
