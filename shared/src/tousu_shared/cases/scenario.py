"""``tousu simulate``: one complaint through its regime under virtual time.

A scenario file (YAML) names the regime, when the complaint arrived, the complaint
itself (optionally with classification overrides that skip the classifier), a list of
time-ordered actions and how long to run. The result is the JSON the README shows.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import yaml
from pydantic import AwareDatetime, BaseModel, ConfigDict, Field, ValidationError, field_validator

from tousu_shared.cases.classification import TextReading, classify
from tousu_shared.cases.engine import CaseEngine, CaseError
from tousu_shared.regimes.model import VERBS, Regime
from tousu_shared.sla.clock import ClockStateError
from tousu_shared.sla.durations import TargetError, WorkingCalendar

_OFFSET = re.compile(r"^\+(?:\d+(?:\.\d+)?[wdhm])+$")
_OFFSET_PART = re.compile(r"(\d+(?:\.\d+)?)([wdhm])")
_UNIT = {"w": timedelta(weeks=1), "d": timedelta(days=1), "h": timedelta(hours=1), "m": timedelta(minutes=1)}
_OVERRIDES = ("topic", "category", "department", "urgency", "severity")


class ScenarioError(ValueError):
    """A scenario that cannot run; the message is one line for the user."""


class ComplaintSpec(BaseModel):
    model_config = ConfigDict(extra="forbid")

    channel: str = "phone"
    text: str = ""
    room: str | None = None
    signatories: int = Field(default=1, ge=1)


class Action(BaseModel):
    model_config = ConfigDict(extra="forbid", populate_by_name=True)

    at: str
    do: str
    with_: dict[str, Any] = Field(default_factory=dict, alias="with")

    @field_validator("do")
    @classmethod
    def _known_verb(cls, verb: str) -> str:
        if verb not in VERBS or verb == "received":
            raise ValueError(
                f"unknown verb {verb!r}; one of: {', '.join(v for v in VERBS if v != 'received')}"
            )
        return verb


class Scenario(BaseModel):
    model_config = ConfigDict(extra="forbid")

    regime: str
    received_at: AwareDatetime
    complaint: ComplaintSpec = ComplaintSpec()
    topic: str | None = None
    category: str | None = None
    department: str | None = None
    urgency: str | None = None
    severity: str | None = None
    parameters: dict[str, float] = Field(default_factory=dict, description="per-estate overrides")
    actions: list[Action] = Field(default_factory=list)
    run_until: str | None = None


def read_scenario(path: Path) -> Scenario:
    try:
        text = path.read_text(encoding="utf-8")
    except OSError as exc:
        raise ScenarioError(str(exc.strerror or exc)) from None
    return parse_scenario(text)


def parse_scenario(text: str) -> Scenario:
    """A scenario from its YAML text (a file's, or one typed into the console)."""
    try:
        data = yaml.safe_load(text)
    except yaml.YAMLError as exc:
        raise ScenarioError(f"not valid YAML: {str(exc).splitlines()[0]}") from None
    if not isinstance(data, dict):
        raise ScenarioError("a scenario is a mapping with 'regime', 'received_at', 'complaint', 'actions'")
    try:
        return Scenario.model_validate(data)
    except ValidationError as exc:
        err = exc.errors()[0]
        where = ".".join(str(p) for p in err["loc"])
        raise ScenarioError(f"{where}: {err['msg'].removeprefix('Value error, ')}") from None


def instant(value: str, base: datetime) -> datetime:
    """An absolute ISO 8601 instant with offset, or an offset like "+15m", "+2h", "+3d", "+1d2h"."""
    text = str(value).strip()
    if _OFFSET.match(text):
        return base + sum((float(n) * _UNIT[u] for n, u in _OFFSET_PART.findall(text)), timedelta())
    try:
        parsed = datetime.fromisoformat(text)
    except ValueError:
        raise ScenarioError(
            f"bad time {text!r}: use an ISO 8601 instant with offset or +15m/+2h/+3d"
        ) from None
    if parsed.tzinfo is None:
        raise ScenarioError(f"time {text!r} has no offset (e.g. +08:00)")
    return parsed


def simulate(
    scenario: Scenario,
    regime: Regime,
    calendar: WorkingCalendar,
    warnings: list[str],
    reader: Callable[[str], TextReading] | None = None,
) -> dict[str, Any]:
    """Run ``scenario`` under virtual time; ``reader`` is triage's reading of the text
    (without one, the scenario's own ``topic`` or "other")."""
    tz = ZoneInfo(regime.timezone)
    received = scenario.received_at
    overrides = {k: v for k in _OVERRIDES if (v := getattr(scenario, k)) is not None}
    _check_labels(regime, overrides)
    unknown = sorted(set(scenario.parameters) - set(regime.parameters))
    if unknown:
        raise ScenarioError(f"{regime.ref} has no parameter(s) {', '.join(unknown)}")
    c = scenario.complaint
    classification = classify(
        regime,
        reading=reader(c.text) if reader else None,
        channel=c.channel,
        signatories=c.signatories,
        overrides=overrides,
        parameters=scenario.parameters,
    )
    try:
        case = CaseEngine(regime, calendar, tz, received, classification, scenario.parameters)
        last = received
        for number, action in enumerate(scenario.actions, start=1):
            at = instant(action.at, received)
            if at < last:
                raise ScenarioError(f"action {number} ({action.do} at {action.at}) goes back in time")
            details = dict(action.with_)
            if "due_at" in details:
                details["due_at"] = instant(str(details["due_at"]), received)
            case.act(action.do, at, details)
            last = at
        end = instant(scenario.run_until, received) if scenario.run_until else last
        if end < last:
            raise ScenarioError(f"run_until {scenario.run_until} is before the last action")
        case.advance(end)
    except (CaseError, ClockStateError, TargetError) as exc:
        raise ScenarioError(str(exc)) from None
    return _result(case, tz, warnings)


def _check_labels(regime: Regime, overrides: dict[str, str]) -> None:
    allowed = {
        "topic": list(regime.topics),
        "category": regime.categories,
        "department": list(regime.departments),
        "urgency": regime.urgency_levels or [],
        "severity": regime.severity_levels or [],
    }
    for key, value in overrides.items():
        if value not in allowed[key]:
            choices = ", ".join(allowed[key]) or "none in this regime"
            raise ScenarioError(f"{regime.ref}: unknown {key} {value!r}; one of: {choices}")


def _result(case: CaseEngine, tz: ZoneInfo, warnings: list[str]) -> dict[str, Any]:
    c = case.classification

    def local(t: datetime) -> str:
        return t.astimezone(tz).isoformat()

    return {
        "regime": case.regime.ref,
        "topic": c.topic,
        "category": c.category,
        "urgency": c.urgency,
        "severity": c.severity,
        "department": c.department,
        "group": c.group,
        "state": case.state,
        "review_item": case.review_item,
        "clocks": [clock.to_json(tz) for clock in case.clocks],
        "escalations": [e.to_json(tz) for e in case.escalations],
        "events": [
            {k: local(v) if isinstance(v, datetime) else v for k, v in e.items()} for e in case.events
        ],
        "warnings": warnings,
    }
