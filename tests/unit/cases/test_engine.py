"""The case engine against a small regime written here, on the real business calendar."""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

import pytest

from tousu_shared.calendar import load_calendar
from tousu_shared.cases.classification import classify
from tousu_shared.cases.engine import CaseEngine, CaseError
from tousu_shared.regimes.model import Regime

from ..reading import read

TZ = ZoneInfo("Asia/Shanghai")
CAL = load_calendar()


def at(text: str) -> datetime:
    return datetime.fromisoformat(text).replace(tzinfo=TZ)


REGIME: dict[str, Any] = {
    "id": "test-regime",
    "version": 1,
    "name": "test",
    "source": "unit test",
    "parameters": {
        "onsite_minutes": {"default": 15, "unit": "minutes", "description": "on site"},
        "upgrade_after": {"default": 30, "unit": "days", "description": "unresolved → major"},
        "years": {"default": 3, "description": "retention"},
        "signatures": {"default": 10, "description": "group threshold"},
    },
    "categories": ["facility", "order", "other"],
    "urgency_levels": ["urgent", "general"],
    "severity_levels": ["minor", "major"],
    "default_urgency": "general",
    "default_severity": "minor",
    "departments": {
        "engineering": {"name": "工程", "role": "engineering"},
        "security": {"name": "秩序", "role": "security"},
    },
    "topics": {
        "elevator": {"category": "facility", "department": "engineering", "urgency": "urgent"},
        "noise": {"category": "order", "department": "security", "urgency": "urgent"},
        "other": {"category": "other", "department": "engineering"},
    },
    "severity_rules": [{"level": "major", "signatories_at_least": "signatures"}],
    "clocks": [
        {
            "name": "onsite",
            "description": "order",
            "when": {"urgency": ["urgent"], "category": ["order"]},
            "stop_on": ["onsite"],
            "target": {"amount": 5, "unit": "minutes"},
        },
        {
            "name": "onsite",
            "description": "urgent",
            "when": {"urgency": ["urgent"]},
            "stop_on": ["onsite"],
            "target": {"param": "onsite_minutes"},
        },
        {
            "name": "resolution",
            "description": "minor",
            "when": {"severity": ["minor"]},
            "stop_on": ["resolve"],
            "target": {"amount": 2, "unit": "working_days"},
            "promise_allowed": True,
        },
        {
            "name": "resolution",
            "description": "major",
            "when": {"severity": ["major"]},
            "stop_on": ["resolve"],
            "target": {"amount": 1, "unit": "working_days"},
        },
        {
            "name": "report_manager",
            "description": "major",
            "when": {"severity": ["major"]},
            "stop_on": ["report"],
            "target": {"amount": 10, "unit": "minutes"},
        },
        {
            "name": "callback",
            "description": "window",
            "start_on": "resolve",
            "stop_on": ["callback"],
            "target": {"amount": 48, "unit": "hours"},
            "not_before": {"amount": 24, "unit": "hours"},
        },
    ],
    "escalations": [
        {"on": "breach", "to": "regional_supervisor", "reason": "overdue"},
        {"on": "classified", "when": {"severity": ["major"]}, "to": "leadership_group", "reason": "major"},
        {"on": "dissatisfied", "to": "quality_manager", "reason": "dissatisfied"},
    ],
    "upgrades": [
        {
            "after": {"param": "upgrade_after"},
            "when": {"severity": ["minor"]},
            "set_severity": "major",
            "reason": "unresolved after a month",
        }
    ],
    "callback": {
        "by": "receiver",
        "channels": ["phone"],
        "clock": "callback",
        "retries": {"attempts": 2, "interval": {"amount": 2, "unit": "hours"}},
    },
    "retention": {"years": "years"},
}


def case(
    text: str = "电梯坏了",
    received: str = "2026-09-30T10:00",
    signatories: int = 1,
    on_dissatisfied: str = "reopen",
    **overrides: str,
) -> CaseEngine:
    data = {**REGIME, "callback": {**REGIME["callback"], "on_dissatisfied": on_dissatisfied}}
    regime = Regime.model_validate(data)
    c = classify(regime, reading=read(text), channel="phone", signatories=signatories, overrides=overrides)
    return CaseEngine(regime, CAL, TZ, at(received), c)


def clock(engine: CaseEngine, name: str, nth: int = 0) -> Any:
    return [c for c in engine.clocks if c.name == name][nth]


def test_urgent_elevator_onsite_in_time_is_met() -> None:
    engine = case()
    engine.act("onsite", at("2026-09-30T10:12"))
    onsite = clock(engine, "onsite")
    assert (onsite.status, onsite.due_at) == ("met", at("2026-09-30T10:15"))
    assert engine.escalations == []


def test_a_late_clock_warns_breaches_and_escalates_once() -> None:
    engine = case()
    engine.advance(at("2026-09-30T11:00"))
    onsite = clock(engine, "onsite")
    assert onsite.warned_at == at("2026-09-30T10:12") and onsite.breached_at == at("2026-09-30T10:15")
    assert [(e.to_role, e.clock) for e in engine.escalations] == [("regional_supervisor", "onsite")]
    engine.act("onsite", at("2026-09-30T11:05"))
    assert onsite.status == "breached"


def test_order_complaints_get_the_five_minute_definition() -> None:
    assert clock(case("楼上噪音"), "onsite").due_at == at("2026-09-30T10:05")


def test_working_days_skip_national_day_and_count_the_make_up_saturday() -> None:
    # Received Wed 30 Sep; 1–7 Oct are off; Thu 8 and Fri 9 are the two working days.
    assert clock(case(), "resolution").due_at == at("2026-10-10T00:00")
    # Received on Fri 9 Oct: Sat 10 Oct is a make-up working day, then Mon 12.
    assert clock(case(received="2026-10-09T16:00"), "resolution").due_at == at("2026-10-13T00:00")


def test_paused_time_does_not_count() -> None:
    engine = case()
    engine.act("pause", at("2026-09-30T10:05"), {"reason": "owner away"})
    engine.act("resume", at("2026-09-30T12:05"))
    onsite = clock(engine, "onsite")
    assert onsite.due_at == at("2026-09-30T12:15") and onsite.paused_seconds == 7200
    # The working-day clock kept its remaining working time: the pause was all on a working day.
    assert clock(engine, "resolution").due_at == at("2026-10-10T02:00")


def test_a_pause_over_the_holiday_costs_no_working_time() -> None:
    engine = case()
    engine.act("pause", at("2026-10-01T09:00"))
    engine.act("resume", at("2026-10-07T18:00"))
    assert clock(engine, "resolution").due_at == at("2026-10-10T00:00")


def test_a_promised_date_replaces_the_due_time_with_its_reason() -> None:
    engine = case()
    engine.act(
        "promise", at("2026-10-08T09:00"), {"due_at": at("2026-10-20T18:00"), "reason": "parts on order"}
    )
    resolution = clock(engine, "resolution")
    assert resolution.due_at == at("2026-10-20T18:00") and resolution.promised
    assert resolution.history[-1].detail == "parts on order"
    with pytest.raises(CaseError, match="allows a promised date"):
        case("楼上噪音", severity="major").act(
            "promise", at("2026-10-01T09:00"), {"due_at": at("2026-10-09T00:00")}
        )


def test_an_unresolved_minor_case_is_upgraded_after_a_month_and_retargeted() -> None:
    engine = case(received="2026-11-02T09:00")
    engine.act("onsite", at("2026-11-02T09:10"))
    engine.advance(at("2026-12-05T00:00"))
    assert engine.classification.severity == "major"
    resolution = clock(engine, "resolution")
    assert resolution.status == "breached"  # re-targeted to 1 working day from the start
    assert any(h.change == "retargeted" for h in resolution.history)
    report = clock(engine, "report_manager")
    assert report.started_at == at("2026-12-02T09:00")  # starts at the upgrade, 30 days on
    assert ("leadership_group", "upgrade") not in [(e.to_role, e.trigger) for e in engine.escalations]


def test_group_complaints_are_major_from_the_start() -> None:
    engine = case("联名投诉电梯", signatories=12)
    assert engine.classification.severity == "major" and engine.classification.group
    assert [e.to_role for e in engine.escalations if e.trigger == "classified"] == ["leadership_group"]


def test_callback_window_and_dissatisfaction_reopens() -> None:
    engine = case()
    engine.act("onsite", at("2026-09-30T10:10"))
    engine.act("resolve", at("2026-10-08T12:00"))
    engine.act("callback", at("2026-10-09T13:00"), {"satisfied": False, "comment": "still broken"})
    assert engine.state == "reopened"
    assert clock(engine, "callback").status == "met"
    again = clock(engine, "resolution", 1)
    assert again.started_at == at("2026-10-09T13:00") and again.status == "running"
    assert [e.to_role for e in engine.escalations if e.trigger == "dissatisfied"] == ["quality_manager"]
    engine.act("resolve", at("2026-10-12T10:00"))
    engine.act("callback", at("2026-10-12T11:00"), {"satisfied": True})  # too early: before 24 h
    assert clock(engine, "callback", 1).status == "breached"
    assert engine.state == "closed"


def test_repeated_dissatisfaction_goes_higher_from_the_nth_time() -> None:
    data = {
        **REGIME,
        "parameters": {**REGIME["parameters"], "again": {"default": 2, "description": "n-th"}},
        "escalations": [
            *REGIME["escalations"],
            {"on": "dissatisfied", "repeat": "again", "to": "general_manager", "reason": "twice"},
        ],
    }
    regime = Regime.model_validate(data)
    reading = classify(regime, reading=read("电梯坏了"), channel="phone", signatories=1, overrides={})
    for n, told in ((2, ["quality_manager", "general_manager"]), (3, ["quality_manager"])):
        engine = CaseEngine(regime, CAL, TZ, at("2026-09-30T10:00"), reading, parameters={"again": n})
        engine.act("resolve", at("2026-10-08T12:00"))
        engine.act("callback", at("2026-10-09T13:00"), {"satisfied": False})
        engine.act("resolve", at("2026-10-10T12:00"))
        engine.act("callback", at("2026-10-11T13:00"), {"satisfied": False})
        second = [e.to_role for e in engine.escalations if e.at == at("2026-10-11T13:00")]
        assert (engine.dissatisfied, second) == (2, told), n


def test_review_item_policy_closes_and_flags() -> None:
    engine = case(on_dissatisfied="review_item")
    engine.act("resolve", at("2026-10-08T12:00"))
    engine.act("callback", at("2026-10-09T13:00"), {"satisfied": False})
    assert (engine.state, engine.review_item) == ("closed", True)


def test_closing_cancels_open_clocks_and_ends_the_case() -> None:
    engine = case()
    engine.act("withdraw", at("2026-09-30T10:01"))
    assert {c.status for c in engine.clocks} == {"cancelled"}
    with pytest.raises(CaseError, match="withdrawn"):
        engine.act("onsite", at("2026-09-30T10:02"))


def test_time_never_goes_backwards() -> None:
    engine = case()
    engine.advance(at("2026-09-30T11:00"))
    with pytest.raises(CaseError, match="backwards"):
        engine.act("onsite", at("2026-09-30T10:30"))


def test_a_forty_day_case_is_fast() -> None:
    engine = case(received="2026-09-01T08:00")
    for day in range(40):
        engine.act("progress", at("2026-09-01T09:00") + timedelta(days=day))
    engine.advance(at("2026-10-15T00:00"))
    assert engine.classification.severity == "major"
