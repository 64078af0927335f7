"""The vocabulary between triage and the regimes: fine-grained topics and text signals.

Triage reads a complaint into a topic and a set of signals; each regime maps topics to
its own categories and departments, and turns signals into its urgency or severity
(``LevelRule.signals``). The corpus guide (services/triage/corpus/GUIDE.md) says what
each one means to a clerk.
"""

from __future__ import annotations

from typing import Literal, get_args

Topic = Literal[
    "elevator",
    "elevator_entrapment",
    "water_leak",
    "pipe_burst",
    "drainage",
    "power",
    "facility_equipment",
    "fire_safety",
    "gas",
    "noise",
    "parking",
    "cleaning",
    "greening",
    "pests",
    "pets",
    "fees",
    "staff_attitude",
    "service_response",
    "security",
    "intrusion",
    "high_altitude_throwing",
    "missing_person",
    "construction_quality",
    "neighbour_dispute",
    "municipal_utility",
    "illegal_construction",
    "common_space",
    "property_rights",
    "other",
]
TOPICS: tuple[str, ...] = get_args(Topic)

Signal = Literal[
    "danger",  # danger to people or property now or imminent (not hypothetical, negated or past)
    "outage",  # a major equipment failure: a building without water/power, every lift stopped
    "long_standing",  # unresolved for a month or more, "一直"
    "repeated",  # complained several times before
    "multi_party",  # needs developer, builder, utility or other owners
    "legal",  # lawyers, courts, arbitration, litigation
    "group",  # a collective complaint: signatories, 联名, 集体, 全体业主
    "media",  # the press or public exposure
    "injury_or_loss",  # someone hurt or belongings damaged
]
SIGNALS: tuple[str, ...] = get_args(Signal)
