"""How a case is filed under its regime: topic → category, department, urgency, severity."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, replace

from tousu_shared.regimes.model import Condition, LevelRule, Regime

# Placeholder topic cues until triage's classifier lands; overrides skip them entirely.
_TOPIC_CUES: tuple[tuple[str, tuple[str, ...]], ...] = (
    ("elevator", ("电梯", "電梯", "elevator", "lift")),
    ("water_leak", ("漏水", "水管", "爆管", "渗水", "滲水", "leak")),
    ("gas", ("燃气", "煤气", "燃氣", "gas")),
    ("fire_safety", ("消防", "着火", "火灾", "fire")),
    ("power", ("停电", "跳闸", "停電", "power")),
    ("noise", ("噪音", "吵", "noise")),
    ("parking", ("停车", "车位", "停車", "parking")),
    ("cleaning", ("垃圾", "保洁", "卫生", "清洁", "garbage")),
    ("greening", ("绿化", "綠化", "草坪")),
    ("fees", ("物业费", "物業費", "收费", "账单", "fee")),
    ("staff_attitude", ("态度", "態度", "rude")),
)
_GROUP_CUES = ("联名", "聯名", "集体", "集體", "全体业主")
_MEDIA_CUES = ("媒体", "媒體", "记者", "記者", "曝光", "起诉", "起訴", "律师")


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


def guess_topic(text: str) -> str:
    return topic_cue(text)[0]


def topic_cue(text: str) -> tuple[str, str | None]:
    """The placeholder topic of ``text`` and the cue that decided it (None: no cue found)."""
    lowered = text.lower()
    for topic, cues in _TOPIC_CUES:
        for cue in cues:
            if cue in lowered:
                return topic, cue
    return "other", None


def classify(
    regime: Regime,
    *,
    text: str,
    channel: str,
    signatories: int = 1,
    overrides: Mapping[str, str] | None = None,
    parameters: Mapping[str, float] | None = None,
) -> Classification:
    """File a complaint under ``regime``; ``overrides`` (topic, category, department,
    urgency, severity) replace what the rules would decide."""
    given = dict(overrides or {})
    topic = given.get("topic") or guess_topic(text)
    rule = regime.topics.get(topic) or regime.topics["other"]
    group = any(c in text for c in _GROUP_CUES)
    media = any(c in text for c in _MEDIA_CUES)
    draft = Classification(
        topic=topic,
        category=rule.category,
        department=rule.department,
        urgency=rule.urgency or regime.default_urgency,
        severity=rule.severity or regime.default_severity,
        channel=channel,
        group=group,
        media=media,
        signatories=signatories,
    )
    params = {name: p.default for name, p in regime.parameters.items()} | dict(parameters or {})
    severity = _level(regime.severity_rules, draft, signatories, params) or draft.severity
    urgency = _level(regime.urgency_rules, draft, signatories, params) or draft.urgency
    group = group or _signed_by_enough(regime, signatories, params)
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
        if rule.signatories_at_least is not None and signatories < params.get(rule.signatories_at_least, 1e9):
            continue
        if rule.group is not None and rule.group != c.group and rule.signatories_at_least is None:
            continue
        if rule.media is not None and rule.media != c.media:
            continue
        return rule.level
    return None


def _signed_by_enough(regime: Regime, signatories: int, params: Mapping[str, float]) -> bool:
    thresholds = [
        params[r.signatories_at_least]
        for r in regime.severity_rules + regime.urgency_rules
        if r.signatories_at_least and r.signatories_at_least in params
    ]
    return any(signatories >= t for t in thresholds)
