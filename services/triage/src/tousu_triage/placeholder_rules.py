"""A placeholder classifier: keyword → topic → category/department.

Pure and deterministic, so the pipeline can run end to end. The real classifier
(taxonomy, OpenCC, jieba, negation, urgency from present danger) replaces it.
"""

from __future__ import annotations

from dataclasses import dataclass

CLASSIFIER = "placeholder-keywords@0"

# (topic, keywords) in priority order: the first topic with a hit wins.
_TOPIC_KEYWORDS: tuple[tuple[str, tuple[str, ...]], ...] = (
    ("elevator", ("电梯", "電梯", "elevator", "lift")),
    ("water_leak", ("漏水", "水管", "爆管", "渗水", "leak")),
    ("power", ("停电", "跳闸", "电路", "power")),
    ("fire_safety", ("消防", "着火", "火灾", "fire")),
    ("noise", ("噪音", "吵", "noise")),
    ("parking", ("停车", "车位", "parking")),
    ("cleaning", ("垃圾", "保洁", "卫生", "清洁", "garbage")),
    ("greening", ("绿化", "树", "草坪")),
    ("fees", ("物业费", "收费", "账单", "fee")),
    ("staff_attitude", ("态度", "服务差", "rude")),
)

# topic → (category, department) per regime family; "other" where unmapped.
_REGIME_MAP: dict[str, dict[str, tuple[str, str]]] = {
    "property-role-matrix": {
        "elevator": ("facility", "engineering"),
        "water_leak": ("facility", "engineering"),
        "power": ("facility", "engineering"),
        "fire_safety": ("facility", "engineering"),
        "noise": ("order", "security"),
        "parking": ("order", "security"),
        "cleaning": ("service", "customer_service"),
        "greening": ("service", "housekeeper"),
        "fees": ("fee", "finance"),
        "staff_attitude": ("service", "customer_service"),
    },
    "logistics-service": {
        "elevator": ("maintenance", "engineering"),
        "water_leak": ("maintenance", "engineering"),
        "power": ("maintenance", "engineering"),
        "fire_safety": ("maintenance", "engineering"),
        "noise": ("order", "security"),
        "parking": ("parking", "security"),
        "cleaning": ("cleaning", "cleaning"),
        "greening": ("greening", "greening"),
        "fees": ("customer-service", "customer_service"),
        "staff_attitude": ("customer-service", "customer_service"),
    },
}
_DEFAULT_DEPARTMENT = {
    "elevator": "engineering",
    "water_leak": "engineering",
    "power": "engineering",
    "fire_safety": "engineering",
    "noise": "security",
    "parking": "security",
    "cleaning": "cleaning",
    "greening": "greening",
    "fees": "finance",
    "staff_attitude": "customer_service",
}


@dataclass(frozen=True)
class Triage:
    topic: str
    category: str
    department: str
    confidence: float
    reasons: list[str]


def triage(regime: str, text: str) -> Triage:
    lowered = text.lower()
    for topic, words in _TOPIC_KEYWORDS:
        hit = next((w for w in words if w in lowered), None)
        if hit:
            category, department = _REGIME_MAP.get(regime, {}).get(topic, (topic, _DEFAULT_DEPARTMENT[topic]))
            return Triage(topic, category, department, 0.5, [f"keyword {hit!r} → {topic}"])
    return Triage("other", "other", "customer_service", 0.1, ["no keyword matched"])
