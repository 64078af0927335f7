"""The monitor's rebuilt timelines give ``tousu simulate``'s answer, however often they fire.

The SLA monitor does not run a scenario in one go: it fires timers whenever its loop comes
round, applies actions as their events arrive, and rebuilds the engine from the stored
inputs each time. For every example scenario, these tests drive a :class:`Timeline` that
way (firing at many instants between the actions, rebuilding from the stored inputs after
every step) and compare its clocks, escalations and state with simulate's.
"""

from __future__ import annotations

import dataclasses
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from tousu_shared.calendar import load_calendar
from tousu_shared.cases.classification import classify
from tousu_shared.cases.scenario import Scenario, instant, read_scenario, simulate
from tousu_shared.contracts.case_events import CLOCK_EVENTS, EscalationRaised
from tousu_shared.regimes import load_regime
from tousu_sla_monitor.domain.timeline import Timeline

from ..reading import read

SCENARIOS = Path(__file__).resolve().parents[3] / "examples" / "scenarios"
FILES = sorted(SCENARIOS.rglob("*.yaml"))
OVERRIDES = ("topic", "category", "department", "urgency", "severity")
CALENDAR = load_calendar()


def classification(scenario: Scenario) -> dict[str, Any]:
    regime = load_regime(scenario.regime)
    c = scenario.complaint
    filed = classify(
        regime,
        reading=read(c.text),
        channel=c.channel,
        signatories=c.signatories,
        overrides={k: v for k in OVERRIDES if (v := getattr(scenario, k)) is not None},
        parameters=scenario.parameters,
    )
    return dataclasses.asdict(filed) | {"signals": sorted(filed.signals)}


def drive(scenario: Scenario, fire_points: list[float]) -> tuple[Timeline, int]:
    """Run the scenario the monitor's way; returns the timeline and how many events it emitted."""
    regime = load_regime(scenario.regime)
    received = scenario.received_at
    timeline = Timeline(regime, CALENDAR, received, classification(scenario), parameters=scenario.parameters)
    published, emitted, last = 0, 0, received
    steps = [(instant(a.at, received), a) for a in scenario.actions]
    end = (
        instant(scenario.run_until, received) if scenario.run_until else (steps[-1][0] if steps else received)
    )
    for at, action in [*steps, (end + timedelta(microseconds=1), None)]:
        for share in fire_points:  # the loop comes round between the actions
            timeline.fire_until(last + (at - last) * share)
        details = dict(action.with_) if action else {}
        if "due_at" in details:
            details["due_at"] = instant(str(details["due_at"]), received)
        if action is None:
            timeline.fire_until(at)
        else:
            timeline.act(action.do, at, details)
        before = timeline.engine.state
        emitted += len(timeline.emitted_since(published, before, "check"))
        published = len(timeline.engine.events)
        # what the next event or round sees: the engine rebuilt from the stored inputs
        timeline = Timeline(
            regime, CALENDAR, received, timeline.classification, timeline.inputs, scenario.parameters
        )
        assert len(timeline.engine.events) == published
        last = at
    return timeline, emitted


def _simulated(path: Path) -> tuple[Scenario, dict[str, Any]]:
    scenario = read_scenario(path)
    result = simulate(scenario, load_regime(scenario.regime), load_calendar(), [], reader=read)
    return scenario, result


@pytest.mark.parametrize("path", FILES, ids=lambda p: f"{p.parent.name}/{p.stem}")
def test_the_monitors_way_gives_simulates_answer(path: Path) -> None:
    scenario, result = _simulated(path)
    timeline, _ = drive(scenario, [0.25, 0.5, 0.999])
    tz = ZoneInfo(load_regime(scenario.regime).timezone)
    assert [c.to_json(tz) for c in timeline.engine.clocks] == result["clocks"]
    assert [e.to_json(tz) for e in timeline.engine.escalations] == result["escalations"]
    assert timeline.engine.state == result["state"]
    assert timeline.engine.review_item == result["review_item"]


@settings(max_examples=25, deadline=None)
@given(
    path=st.sampled_from(FILES),
    points=st.lists(st.floats(min_value=0, max_value=1, exclude_max=True), max_size=6).map(sorted),
)
def test_firing_at_any_instants_changes_nothing(path: Path, points: list[float]) -> None:
    scenario, result = _simulated(path)
    timeline, _ = drive(scenario, points)
    tz = ZoneInfo(load_regime(scenario.regime).timezone)
    assert [c.to_json(tz) for c in timeline.engine.clocks] == result["clocks"]
    assert [e.to_json(tz) for e in timeline.engine.escalations] == result["escalations"]


@pytest.mark.parametrize("path", FILES[:6], ids=lambda p: p.stem)
def test_every_clock_change_and_escalation_is_emitted_once(path: Path) -> None:
    scenario = read_scenario(path)
    regime = load_regime(scenario.regime)
    timeline = Timeline(
        regime, CALENDAR, scenario.received_at, classification(scenario), parameters=scenario.parameters
    )
    received = scenario.received_at
    published = 0
    emitted: list[Any] = []
    for action in scenario.actions:
        at = instant(action.at, received)
        timeline.fire_until(at)
        details = dict(action.with_)
        if "due_at" in details:
            details["due_at"] = instant(str(details["due_at"]), received)
        state = timeline.engine.state
        timeline.act(action.do, at, details)
        emitted += timeline.emitted_since(published, state, action.do)
        published = len(timeline.engine.events)
    engine_events = [e for e in timeline.engine.events if e["type"] in CLOCK_EVENTS]
    clock_events = [e for e in emitted if type(e.payload).__name__ in CLOCK_EVENTS]
    assert [(type(e.payload).__name__, e.payload.clock, e.at) for e in clock_events] == [  # type: ignore[attr-defined]
        (e["type"], e["clock"], e["at"]) for e in engine_events
    ]
    raised = [e.payload for e in emitted if isinstance(e.payload, EscalationRaised)]
    assert [(r.to_role, r.trigger) for r in raised] == [
        (e.to_role, e.trigger) for e in timeline.engine.escalations if e.trigger != "manual"
    ]


def test_an_action_after_the_clocks_fired_is_applied_late_and_says_so() -> None:
    scenario = read_scenario(SCENARIOS / "property-role-matrix" / "order-intrusion-5-minutes.yaml")
    regime = load_regime(scenario.regime)
    timeline = Timeline(
        regime, CALENDAR, scenario.received_at, classification(scenario), parameters=scenario.parameters
    )
    received: datetime = scenario.received_at
    timeline.fire_until(received + timedelta(hours=1))
    applied = timeline.act("onsite", received + timedelta(minutes=3), {})
    assert applied == received + timedelta(hours=1)
    assert timeline.inputs[-1]["with"]["late_by_s"] == 57 * 60


# -- a second reading (triage's revision 2 after a clarification) ---------------------------

PRM = load_regime("property-role-matrix")
T0 = datetime.fromisoformat("2026-10-12T10:00:00+08:00")  # a Monday
VAGUE = {
    "topic": "elevator",
    "category": "facility",
    "department": "engineering",
    "urgency": "general",
    "severity": None,
    "channel": "app",
    "group": False,
    "media": False,
    "signatories": 1,
    "signals": [],
}
TRAPPED = VAGUE | {"topic": "elevator_entrapment", "urgency": "urgent", "signals": ["danger"]}


def _clock_rows(timeline: Timeline) -> list[tuple[str, str, datetime]]:
    return [(c.name, c.status, c.due_at) for c in timeline.engine.clocks]


def test_a_second_reading_moves_the_clocks_and_survives_a_rebuild() -> None:
    timeline = Timeline(PRM, CALENDAR, T0, VAGUE)
    assert {c.name for c in timeline.engine.clocks} == {"online_pickup", "plan"}
    before = len(timeline.engine.events)
    at = T0 + timedelta(minutes=20)
    assert timeline.reclassify(TRAPPED, 2, at)
    names = {c.name: c for c in timeline.engine.clocks}
    # urgent now: 15 minutes on site, counted from the new reading; the general plan clock goes
    assert names["onsite"].started_at == at and names["onsite"].due_at == at + timedelta(minutes=15)
    assert names["plan"].status == "cancelled"
    kinds = [e["type"] for e in timeline.engine.events[before:]]
    assert kinds[0] == "ComplaintTriaged" and "ClockCancelled" in kinds and "ClockStarted" in kinds
    emitted = timeline.emitted_since(before, "received", "reclassified")
    assert {type(e.payload).__name__ for e in emitted} >= {"ClockCancelled", "ClockStarted"}
    rebuilt = Timeline(PRM, CALENDAR, T0, VAGUE, timeline.inputs)
    assert _clock_rows(rebuilt) == _clock_rows(timeline) and rebuilt.revision == 2


def test_an_older_or_identical_reading_changes_nothing() -> None:
    timeline = Timeline(PRM, CALENDAR, T0, VAGUE)
    events = len(timeline.engine.events)
    assert not timeline.reclassify(VAGUE, 2, T0 + timedelta(minutes=5))  # the same reading
    assert len(timeline.engine.events) == events and timeline.revision == 2  # followed, nothing moved
    assert timeline.reclassify(TRAPPED, 3, T0 + timedelta(minutes=6))
    assert not timeline.reclassify(VAGUE, 2, T0 + timedelta(minutes=7))  # older than the one followed
    assert timeline.revision == 3 and timeline.engine.classification.urgency == "urgent"


def test_a_reading_that_makes_it_a_group_complaint_tells_the_project_manager_once() -> None:
    group = VAGUE | {"group": True, "signatories": 23}
    timeline = Timeline(PRM, CALENDAR, T0, VAGUE)
    assert timeline.reclassify(group, 2, T0 + timedelta(hours=1))
    assert timeline.reclassify(group | {"signatories": 30}, 3, T0 + timedelta(hours=2))
    told = [e.to_role for e in timeline.engine.escalations if e.trigger == "classified"]
    assert told.count("project_manager") == 1


def test_a_late_reading_is_applied_at_the_monitors_instant() -> None:
    timeline = Timeline(PRM, CALENDAR, T0, VAGUE)
    timeline.fire_until(T0 + timedelta(hours=3))
    assert timeline.reclassify(TRAPPED, 2, T0 + timedelta(hours=1))
    onsite = next(c for c in timeline.engine.clocks if c.name == "onsite")
    assert onsite.started_at == T0 + timedelta(hours=3)


def test_a_dissatisfied_callback_reopens_with_the_residents_words_and_a_satisfied_one_closes() -> None:
    dcs = load_regime("developer-customer-service")
    timeline = Timeline(dcs, CALENDAR, T0, VAGUE | {"category": "engineering-quality"})
    for verb, hours in (("onsite", 1), ("resolve", 5)):
        timeline.act(verb, T0 + timedelta(hours=hours), {})
    before, state = len(timeline.engine.events), timeline.engine.state
    timeline.act("callback", T0 + timedelta(hours=8), {"satisfied": False, "comment": "还在漏"})
    [changed] = [
        e.payload
        for e in timeline.emitted_since(before, state, "callback")
        if type(e.payload).__name__ == "CaseStateChanged"
    ]
    assert (changed.state, changed.previous, changed.reason) == ("reopened", "resolved", "还在漏")
    timeline.act("resolve", T0 + timedelta(hours=20), {})
    before, state = len(timeline.engine.events), timeline.engine.state
    timeline.act("callback", T0 + timedelta(hours=22), {"satisfied": True})
    [changed] = [
        e.payload
        for e in timeline.emitted_since(before, state, "callback")
        if type(e.payload).__name__ == "CaseStateChanged"
    ]
    assert (changed.state, changed.reason) == ("closed", "resident satisfied")
