"""Each clock, escalation and callback rule of REGIMES.md, on the five shipped regimes.

The real regime files drive the real ``CaseEngine`` on the shipped business calendar, at
explicit instants (Asia/Shanghai). One class per regime; each test names the rule it pins
and asserts exact due times and statuses. Working-day arithmetic follows REGIMES.md "Time
words": the day of receipt is not counted and the clock is due at 24:00 of the N-th
following working day; 2026-10-01..07 and 2026-02-15..23 are off, Sunday 2026-09-20,
Saturday 2026-10-10, Saturday 2026-02-14 and Saturday 2026-02-28 are make-up working days.
"""

from __future__ import annotations

import functools
from datetime import datetime, timedelta
from typing import Any, ClassVar
from zoneinfo import ZoneInfo

import pytest

from tousu_shared.calendar import load_calendar
from tousu_shared.cases.classification import classify
from tousu_shared.cases.engine import CaseEngine, CaseError
from tousu_shared.cases.scenario import Scenario, simulate
from tousu_shared.regimes import Regime, load_regime
from tousu_shared.sla.clock import SlaClock

from ..reading import read

TZ = ZoneInfo("Asia/Shanghai")


def at(text: str) -> datetime:
    return datetime.fromisoformat(text).replace(tzinfo=TZ)


@functools.cache
def regime(regime_id: str) -> Regime:
    return load_regime(regime_id)


def new_case(
    regime_id: str,
    received: str,
    text: str = "",
    *,
    channel: str = "phone",
    signatories: int = 1,
    parameters: dict[str, float] | None = None,
    **overrides: str,
) -> CaseEngine:
    r = regime(regime_id)
    params = dict(parameters or {})
    c = classify(
        r,
        reading=read(text),
        channel=channel,
        signatories=signatories,
        overrides=overrides,
        parameters=params,
    )
    return CaseEngine(r, load_calendar(), TZ, at(received), c, params)


def run(engine: CaseEngine, *steps: tuple[Any, ...]) -> CaseEngine:
    """Apply (verb, "YYYY-MM-DDTHH:MM"[, details]) steps in order."""
    for verb, when, *details in steps:
        engine.act(verb, at(when), details[0] if details else None)
    return engine


def clock(engine: CaseEngine, name: str, nth: int = 0) -> SlaClock:
    found = [c for c in engine.clocks if c.name == name]
    assert len(found) > nth, f"no clock {name}#{nth}; clocks: {[c.name for c in engine.clocks]}"
    return found[nth]


def names(engine: CaseEngine) -> list[str]:
    return [c.name for c in engine.clocks]


def told(engine: CaseEngine, trigger: str | None = None) -> list[tuple[str, str]]:
    return [(e.to_role, e.trigger) for e in engine.escalations if trigger in (None, e.trigger)]


def assert_clock(c: SlaClock, status: str, due: str, started: str | None = None) -> None:
    assert (c.status, c.due_at) == (status, at(due)), (c.name, c.status, c.due_at.isoformat())
    if started is not None:
        assert c.started_at == at(started), (c.name, c.started_at.isoformat())


# ---------------------------------------------------------------------------------------------
class TestCommunityStandard:
    """000 小区投诉处理制度."""

    R = "community-standard"

    def case(self, received: str, text: str = "楼道灯坏了", **kw: Any) -> CaseEngine:
        return new_case(self.R, received, text, **kw)

    def test_registration_within_x_hours_default_2(self) -> None:
        e = self.case("2026-09-14T10:00")
        reg = clock(e, "registration")
        assert (reg.due_at, reg.owner, reg.span.describe()) == (at("2026-09-14T12:00"), "receiver", "2 hours")
        run(e, ("register", "2026-09-14T11:59"))
        assert_clock(reg, "met", "2026-09-14T12:00")

    def test_registration_x_hours_is_a_parameter(self) -> None:
        e = self.case("2026-09-14T10:00", parameters={"registration_limit": 4})
        assert clock(e, "registration").due_at == at("2026-09-14T14:00")

    def test_registration_override_through_a_scenario(self) -> None:
        def due(parameters: dict[str, float]) -> str:
            scenario = Scenario.model_validate(
                {
                    "regime": self.R,
                    "received_at": "2026-09-14T10:00:00+08:00",
                    "complaint": {"text": "楼道灯坏了"},
                    "parameters": parameters,
                }
            )
            result = simulate(scenario, regime(self.R), load_calendar(), [], reader=read)
            (registration,) = [c for c in result["clocks"] if c["name"] == "registration"]
            return str(registration["due_at"])

        assert due({}) == "2026-09-14T12:00:00+08:00"
        assert due({"registration_limit": 4}) == "2026-09-14T14:00:00+08:00"

    def test_registration_late_tells_the_lead_department(self) -> None:
        e = self.case("2026-09-14T10:00")
        e.advance(at("2026-09-14T12:00"))
        assert clock(e, "registration").status == "breached"
        assert [(x.to_role, x.trigger, x.clock) for x in e.escalations] == [
            ("customer_service", "breach", "registration")
        ]

    def test_registration_is_not_paused(self) -> None:
        e = self.case("2026-09-14T10:00")
        run(e, ("pause", "2026-09-14T10:30"), ("resume", "2026-09-14T11:30"))
        assert clock(e, "registration").due_at == at("2026-09-14T12:00")
        assert clock(e, "reply").paused_seconds == 3600

    def test_reply_general_3_working_days(self) -> None:
        # received Mon 14 Sep: Tue 15, Wed 16, Thu 17 → 24:00 Thu 17
        assert clock(self.case("2026-09-14T10:00"), "reply").due_at == at("2026-09-18T00:00")

    def test_reply_skips_national_day_and_counts_the_make_up_saturday(self) -> None:
        # received Wed 30 Sep: 1–7 Oct off; Thu 8, Fri 9, Sat 10 (调休) → 24:00 Sat 10 Oct
        e = self.case("2026-09-30T15:00", "楼道垃圾没人清")
        assert_clock(clock(e, "reply"), "running", "2026-10-11T00:00")
        run(e, ("resolve", "2026-10-11T00:00"))  # at the due instant: met
        assert clock(e, "reply").status == "met"

    def test_reply_breaches_at_24_00(self) -> None:
        e = self.case("2026-09-30T15:00")
        e.advance(at("2026-10-11T00:00"))
        assert clock(e, "reply").status == "breached"
        assert ("customer_service", "breach") in told(e)

    def test_reply_complex_case_promised_date_with_reason(self) -> None:
        e = self.case("2026-10-09T10:00", topic="fees")
        reply = clock(e, "reply")
        assert reply.due_at == at("2026-10-14T00:00")  # Sat 10 (调休), Mon 12, Tue 13
        run(e, ("promise", "2026-10-12T17:00", {"due_at": at("2026-10-23T18:00"), "reason": "凭证需调取"}))
        assert (reply.due_at, reply.promised, reply.history[-1].detail) == (
            at("2026-10-23T18:00"),
            True,
            "凭证需调取",
        )
        e.advance(at("2026-10-20T00:00"))
        assert reply.breached_at is None
        run(e, ("resolve", "2026-10-22T16:00"))
        assert reply.status == "met"

    def test_a_promise_needs_a_reason(self) -> None:
        e = self.case("2026-10-09T10:00")
        with pytest.raises(CaseError, match="needs a reason"):
            run(e, ("promise", "2026-10-12T17:00", {"due_at": at("2026-10-23T18:00")}))

    def test_reply_pause_owner_away_lands_on_the_make_up_sunday(self) -> None:
        e = self.case("2026-09-14T10:00", topic="water_leak")
        run(e, ("pause", "2026-09-15T09:00", {"reason": "楼上业主出差"}), ("resume", "2026-09-17T09:00"))
        reply = clock(e, "reply")
        # 63 working hours left at the pause: Thu 17 09–24 (15), Fri 18 (24), Sun 20 调休 (24)
        assert (reply.due_at, reply.paused_seconds) == (at("2026-09-21T00:00"), 172800)
        assert [h.change for h in reply.history] == ["started", "paused", "resumed"]

    def test_major_initial_plan_24_hours(self) -> None:
        e = self.case("2026-02-12T20:00", "消防通道被堵", topic="fire_safety")
        assert e.classification.severity == "major"
        assert "reply" not in names(e)
        run(e, ("plan", "2026-02-13T19:59"))
        assert_clock(clock(e, "initial_plan"), "met", "2026-02-13T20:00")

    def test_major_closure_7_working_days_over_spring_festival(self) -> None:
        # Fri 13, Sat 14 (调休), [15–23 off], Tue 24, Wed 25, Thu 26, Fri 27, Sat 28 (调休)
        e = self.case("2026-02-12T20:00", topic="fire_safety")
        assert clock(e, "closure").due_at == at("2026-03-01T00:00")
        e.advance(at("2026-03-01T00:00"))
        assert clock(e, "closure").status == "breached"

    def test_closure_is_met_when_a_satisfied_callback_closes_the_case(self) -> None:
        e = self.case("2026-02-12T20:00", topic="fire_safety")
        run(
            e,
            ("plan", "2026-02-13T16:00"),
            ("resolve", "2026-02-27T17:00"),
            ("callback", "2026-02-28T10:00", {"satisfied": True}),
        )
        closure = clock(e, "closure")
        assert (closure.status, closure.stopped_at, e.state) == ("met", at("2026-02-28T10:00"), "closed")

    def test_site_check_at_once_with_security_default_1_hour(self) -> None:
        e = self.case("2026-02-12T20:00", topic="fire_safety")
        site = clock(e, "site_check")
        assert (site.due_at, site.owner) == (at("2026-02-12T21:00"), "security")
        run(e, ("onsite", "2026-02-12T20:45"))
        assert site.status == "met"
        assert "site_check" not in names(self.case("2026-02-12T20:00", topic="water_leak"))

    def test_site_check_limit_is_a_parameter(self) -> None:
        e = self.case("2026-02-12T20:00", topic="gas", parameters={"site_check_limit": 0.5})
        assert clock(e, "site_check").due_at == at("2026-02-12T20:30")

    def test_major_reports_at_once_to_leadership_group(self) -> None:
        fire = self.case("2026-02-12T20:00", topic="fire_safety")
        assert told(fire) == [
            ("leadership_group", "classified"),
            ("legal_compliance", "classified"),
            ("security", "classified"),
        ]
        building = self.case("2026-02-12T20:00", "违规搭建", topic="illegal_construction")
        assert building.classification.severity == "major"
        assert told(building) == [("leadership_group", "classified"), ("legal_compliance", "classified")]

    def test_group_of_10_signatories_reports_to_leadership_group(self) -> None:
        group = self.case("2026-10-08T09:00", "停车费涨价", signatories=10)
        assert (group.classification.severity, group.classification.group) == ("group", True)
        assert told(group) == [("leadership_group", "classified"), ("legal_compliance", "classified")]
        assert names(group) == ["registration"]  # reply is for general, plan/closure for major
        nine = self.case("2026-10-08T09:00", "停车费涨价", signatories=9)
        assert (nine.classification.severity, told(nine)) == ("general", [])

    def test_group_from_a_collective_petition(self) -> None:
        e = self.case("2026-10-08T09:00", "全体业主联名反对涨价")
        assert e.classification.severity == "group"

    def test_callback_after_resolution_by_phone_or_visit(self) -> None:
        policy = regime(self.R).callback
        assert (policy.by, set(policy.channels), policy.form) == (
            "customer_service",
            {"phone", "visit"},
            "《投诉反馈确认单》",
        )
        e = run(
            self.case("2026-09-14T10:00"), ("register", "2026-09-14T10:30"), ("resolve", "2026-09-16T11:00")
        )
        callback = clock(e, "callback")
        assert (callback.started_at, callback.due_at, callback.owner) == (
            at("2026-09-16T11:00"),
            at("2026-09-17T11:00"),
            "customer_service",
        )
        run(e, ("callback", "2026-09-17T10:00", {"satisfied": True}))
        assert (callback.status, e.state) == ("met", "closed")

    def test_dissatisfied_callback_reopens_and_restarts_reply(self) -> None:
        e = self.case("2026-09-30T15:00", "楼道垃圾没人清")
        run(
            e,
            ("register", "2026-09-30T15:40"),
            ("resolve", "2026-10-09T11:00"),
            ("callback", "2026-10-10T09:30", {"satisfied": False}),
        )
        assert e.state == "reopened" and regime(self.R).callback.on_dissatisfied == "reopen"
        # from Sat 10 Oct (not counted): Mon 12, Tue 13, Wed 14
        assert_clock(clock(e, "reply", 1), "running", "2026-10-15T00:00", started="2026-10-10T09:30")


# ---------------------------------------------------------------------------------------------
class TestLogisticsService:
    """001 物业管理后勤服务投诉处理办法."""

    R = "logistics-service"

    def case(self, received: str, text: str = "草坪没人修剪", **kw: Any) -> CaseEngine:
        return new_case(self.R, received, text, **kw)

    def test_handover_within_1_working_day(self) -> None:
        # received Fri 9 Oct: Sat 10 Oct is a make-up working day
        e = self.case("2026-10-09T17:30")
        handover = clock(e, "handover")
        assert (handover.due_at, handover.owner, handover.to_json(TZ)["target"]) == (
            at("2026-10-11T00:00"),
            "customer_service",
            "1 working day",
        )
        run(e, ("dispatch", "2026-10-10T16:00"))
        assert handover.status == "met"

    def test_handover_over_national_day(self) -> None:
        assert clock(self.case("2026-10-03T02:10"), "handover").due_at == at("2026-10-09T00:00")

    def test_handover_late_tells_the_coordinating_centre(self) -> None:
        e = self.case("2026-10-09T17:30")
        e.advance(at("2026-10-11T00:00"))
        assert clock(e, "handover").status == "breached"
        assert told(e) == [("customer_service", "breach")]

    def test_settled_on_the_spot_needs_no_handover(self) -> None:
        e = run(self.case("2026-10-09T17:30"), ("resolve", "2026-10-09T17:40"))
        assert (clock(e, "handover").status, clock(e, "resolution").status) == ("met", "met")

    def test_emergency_notice_at_once_default_15_minutes(self) -> None:
        e = self.case("2026-10-03T02:10", "水管爆了", topic="pipe_burst")
        notice = clock(e, "emergency_notice")
        assert e.classification.urgency == "urgent"
        assert (notice.due_at, notice.owner) == (at("2026-10-03T02:25"), "customer_service")
        assert told(e) == [("customer_service", "classified")]
        run(e, ("dispatch", "2026-10-03T02:19"))
        assert (notice.status, clock(e, "handover").status) == ("met", "met")

    def test_emergency_notice_is_a_parameter(self) -> None:
        e = self.case(
            "2026-10-03T02:10", "楼道里煤气味很浓", topic="gas", parameters={"emergency_notice_limit": 5}
        )
        assert clock(e, "emergency_notice").due_at == at("2026-10-03T02:15")

    def test_emergency_notice_only_for_emergencies(self) -> None:
        assert "emergency_notice" not in names(self.case("2026-10-03T02:10"))

    def test_resolution_general_3_working_days(self) -> None:
        # received Wed 30 Sep: Thu 8, Fri 9, Sat 10 (调休)
        assert clock(self.case("2026-09-30T15:00"), "resolution").due_at == at("2026-10-11T00:00")

    def test_resolution_truncated_3_is_a_parameter(self) -> None:
        param = regime(self.R).parameters["resolution_limit"]
        assert (param.default, param.unit) == (3, "working_days") and "truncated" in param.description
        # 5 working days from Mon 14 Sep: Tue 15 … Fri 18, Sun 20 (调休)
        e = self.case("2026-09-14T09:00", parameters={"resolution_limit": 5})
        assert clock(e, "resolution").due_at == at("2026-09-21T00:00")

    def test_no_resolution_clock_for_emergencies(self) -> None:
        assert "resolution" not in names(self.case("2026-10-03T02:10", topic="pipe_burst"))

    def test_a_changed_due_date_is_a_promise_with_its_reason(self) -> None:
        e = self.case("2026-09-14T09:00")
        run(e, ("promise", "2026-09-18T10:00", {"due_at": at("2026-09-30T18:00"), "reason": "灯具定制"}))
        resolution = clock(e, "resolution")
        assert (resolution.due_at, resolution.history[-1].detail) == (at("2026-09-30T18:00"), "灯具定制")

    def test_a_plan_goes_to_the_supervisor_for_approval(self) -> None:
        assert regime(self.R).plan_approval == "supervisor"
        e = run(self.case("2026-09-14T09:00"), ("plan", "2026-09-15T15:00"))
        assert told(e) == [("supervisor", "verb")]

    def test_callback_after_resolution(self) -> None:
        e = run(self.case("2026-09-14T09:00"), ("resolve", "2026-09-15T10:00"))
        callback = clock(e, "callback")
        assert (callback.due_at, callback.owner) == (at("2026-09-16T10:00"), "customer_service")

    def test_dissatisfied_callback_reopens_and_restarts_resolution(self) -> None:
        e = self.case("2026-09-14T09:00", parameters={"resolution_limit": 5})
        run(
            e,
            ("resolve", "2026-09-29T17:00"),
            ("callback", "2026-09-30T10:00", {"satisfied": False}),
        )
        assert e.state == "reopened"
        # from Wed 30 Sep: Thu 8, Fri 9, Sat 10 (调休), Mon 12, Tue 13
        assert_clock(clock(e, "resolution", 1), "running", "2026-10-14T00:00", started="2026-09-30T10:00")


# ---------------------------------------------------------------------------------------------
class TestServiceStationSop:
    """002 投訴處理標準作業規程."""

    R = "service-station-sop"

    def case(self, received: str, text: str = "電梯異響", **kw: Any) -> CaseEngine:
        return new_case(self.R, received, text, **kw)

    def major(self, received: str = "2026-02-15T21:00") -> CaseEngine:
        return self.case(received, "維修工沒關閥門淹了我家", topic="water_leak", severity="major")

    def test_minor_feedback_to_the_resident_within_24_hours(self) -> None:
        e = self.case("2026-09-15T19:00")
        feedback = clock(e, "feedback")
        assert (e.classification.severity, feedback.owner) == ("minor", "customer_service")
        run(e, ("contact", "2026-09-16T19:00"))
        assert_clock(feedback, "met", "2026-09-16T19:00")

    def test_minor_breach_tells_the_station_head(self) -> None:
        e = self.case("2026-09-15T19:00")
        e.advance(at("2026-09-16T19:00"))
        assert clock(e, "feedback").status == "breached"
        assert told(e) == [("station_head", "breach")]

    def test_analysis_within_1_hour_after_handover(self) -> None:
        e = self.case("2026-09-15T19:00")
        assert "analysis" not in names(e)
        run(e, ("dispatch", "2026-09-15T19:30"), ("plan", "2026-09-15T20:20"))
        assert_clock(clock(e, "analysis"), "met", "2026-09-15T20:30", started="2026-09-15T19:30")

    def test_a_minor_complaint_not_settled_at_once_is_reported_to_the_station_head(self) -> None:
        e = run(self.case("2026-09-15T19:00"), ("dispatch", "2026-09-15T19:30"))
        assert told(e) == [("station_head", "verb")]

    def test_minor_callback_by_the_receiver_within_24_hours(self) -> None:
        e = run(self.case("2026-09-15T19:00"), ("resolve", "2026-09-17T11:00"))
        callback = clock(e, "callback")
        assert (callback.owner, callback.not_before, callback.due_at) == (
            "receiver",
            None,
            at("2026-09-18T11:00"),
        )
        run(e, ("callback", "2026-09-17T12:00", {"satisfied": True}))
        assert callback.status == "met"

    def test_major_report_to_the_property_manager_within_10_minutes(self) -> None:
        e = self.major()
        report = clock(e, "report_manager")
        assert (report.due_at, report.owner) == (at("2026-02-15T21:10"), "station_head")
        assert told(e) == [("station_head", "classified")]
        assert {"feedback", "analysis"}.isdisjoint(names(run(e, ("dispatch", "2026-02-15T21:05"))))
        run(e, ("report", "2026-02-15T21:10"))
        assert report.status == "met"

    def test_major_breach_tells_the_property_manager(self) -> None:
        e = self.major()
        e.advance(at("2026-02-15T21:10"))
        assert clock(e, "report_manager").status == "breached"
        assert told(e, "breach") == [("property_manager", "breach")]

    def test_manager_contacts_the_resident_within_12_hours_of_the_report(self) -> None:
        e = run(self.major(), ("report", "2026-02-15T21:25"))
        contact = clock(e, "manager_contact")
        assert (contact.started_at, contact.due_at, contact.owner) == (
            at("2026-02-15T21:25"),
            at("2026-02-16T09:25"),
            "property_manager",
        )
        run(e, ("contact", "2026-02-16T08:00"))
        assert contact.status == "met"

    def test_major_callback_by_the_station_head_not_before_24_hours(self) -> None:
        early = run(self.major(), ("resolve", "2026-02-18T15:00"))
        callback = clock(early, "callback")
        assert (callback.not_before, callback.due_at, callback.owner) == (
            at("2026-02-19T15:00"),
            at("2026-02-20T15:00"),
            "station_head",
        )
        run(early, ("callback", "2026-02-19T11:00", {"satisfied": True}))
        assert callback.status == "breached"  # too early
        in_window = run(
            self.major(),
            ("resolve", "2026-02-18T15:00"),
            ("callback", "2026-02-19T15:00", {"satisfied": True}),
        )
        assert clock(in_window, "callback").status == "met"

    def test_major_callback_window_closes_at_48_hours(self) -> None:
        e = run(self.major(), ("report", "2026-02-15T21:05"), ("contact", "2026-02-16T08:00"))
        run(e, ("resolve", "2026-02-18T15:00"))
        e.advance(at("2026-02-20T15:00"))
        assert clock(e, "callback").status == "breached"
        assert told(e, "breach") == [("property_manager", "breach")]

    def test_unresolved_after_one_month_becomes_major(self) -> None:
        e = self.case("2026-09-07T10:00", "車庫頂板滲水")
        run(e, ("contact", "2026-09-07T12:00"), ("dispatch", "2026-09-07T13:00"))
        e.advance(at("2026-10-07T09:59"))
        assert e.classification.severity == "minor"
        e.advance(at("2026-10-07T10:00"))  # 30 days (elapsed) after receipt
        assert e.classification.severity == "major"
        assert told(e, "upgrade") == [("station_head", "upgrade")]
        analysis = clock(e, "analysis")  # never planned: breached, then no longer applies
        assert (analysis.status, analysis.cancelled_at) == ("cancelled", at("2026-10-07T10:00"))
        assert_clock(clock(e, "report_manager"), "running", "2026-10-07T10:10", started="2026-10-07T10:00")
        assert any(x["type"] == "SeverityUpgraded" and x.get("automatic") for x in e.events)

    def test_a_case_resolved_within_the_month_is_not_upgraded(self) -> None:
        e = run(self.case("2026-09-07T10:00"), ("resolve", "2026-10-07T09:59"))
        e.advance(at("2026-10-30T00:00"))
        assert e.classification.severity == "minor"

    def test_a_reopened_case_still_unresolved_after_one_month_is_upgraded(self) -> None:
        e = self.case("2026-09-07T10:00")
        run(e, ("resolve", "2026-09-14T16:00"), ("callback", "2026-09-15T09:00", {"satisfied": False}))
        e.advance(at("2026-10-07T10:00"))
        assert (e.state, e.classification.severity) == ("reopened", "major")

    def test_one_month_is_a_parameter(self) -> None:
        e = self.case("2026-09-07T10:00", parameters={"upgrade_after": 31})
        e.advance(at("2026-10-08T09:59"))
        assert e.classification.severity == "minor"
        e.advance(at("2026-10-08T10:00"))
        assert e.classification.severity == "major"

    def test_a_manual_upgrade_retargets_the_callback_to_the_station_heads_window(self) -> None:
        e = run(
            self.case("2026-10-12T08:30", "樓道裝修垃圾", topic="cleaning"),
            ("resolve", "2026-10-13T11:00"),
            ("upgrade", "2026-10-13T15:00", {"severity": "major"}),
        )
        callback = clock(e, "callback")
        assert (callback.started_at, callback.not_before, callback.due_at, callback.owner) == (
            at("2026-10-13T11:00"),
            at("2026-10-14T11:00"),
            at("2026-10-15T11:00"),
            "station_head",
        )
        assert clock(e, "report_manager").started_at == at("2026-10-13T15:00")
        run(e, ("callback", "2026-10-13T16:00", {"satisfied": True}))
        assert callback.status == "breached"  # before the major window opens

    def test_a_retargeted_clock_keeps_its_paused_time(self) -> None:
        e = run(
            self.case("2026-10-12T08:30"),
            ("resolve", "2026-10-13T11:00"),
            ("pause", "2026-10-13T12:00"),
            ("resume", "2026-10-13T22:00"),
        )
        assert clock(e, "callback").due_at == at("2026-10-14T21:00")  # 24 h + 10 h paused
        run(e, ("upgrade", "2026-10-13T23:00", {"severity": "major"}))
        assert clock(e, "callback").due_at == at("2026-10-15T21:00")  # 48 h + 10 h paused

    def test_dissatisfied_callback_reopens(self) -> None:
        e = run(
            self.case("2026-09-15T19:00"),
            ("resolve", "2026-09-17T11:00"),
            ("callback", "2026-09-17T17:00", {"satisfied": False}),
        )
        assert (e.state, e.review_item) == ("reopened", False)


# ---------------------------------------------------------------------------------------------
class TestDeveloperCustomerService:
    """003 房地产公司客户投诉处理规定."""

    R = "developer-customer-service"
    QEC: ClassVar[dict[str, str]] = {"to": "quality_engineering_center"}
    DCS: ClassVar[dict[str, str]] = {"to": "developer_customer_service"}

    def case(self, received: str = "2026-09-28T09:30", text: str = "楼板渗水", **kw: Any) -> CaseEngine:
        kw.setdefault("topic", "construction_quality")
        return new_case(self.R, received, text, **kw)

    def to_builder(self, team: str) -> CaseEngine:
        return run(
            self.case(),
            ("onsite", "2026-09-28T15:00"),
            ("escalate", "2026-09-28T18:00", self.QEC),
            ("onsite", "2026-09-28T20:00"),
            ("escalate", "2026-09-29T10:00", self.DCS),
            ("report", "2026-09-30T16:00"),
            ("dispatch", "2026-09-30T17:00", {"to": team}),
        )

    def test_same_day_survey_by_the_property_centre(self) -> None:
        e = self.case()
        survey = clock(e, "same_day_survey")
        assert (survey.due_at, survey.owner) == (at("2026-09-29T00:00"), "engineering")
        run(e, ("onsite", "2026-09-28T15:00"))
        assert survey.status == "met"
        assert clock(self.case("2026-09-28T23:50"), "same_day_survey").due_at == at("2026-09-29T00:00")

    def test_service_quality_runs_no_engineering_clock(self) -> None:
        e = new_case(self.R, "2026-10-05T14:20", "销售承诺的幼儿园没建")
        assert (e.classification.category, names(e)) == ("service-quality", [])

    def test_property_engineering_fixes_minor_problems_within_3_days(self) -> None:
        e = run(self.case(), ("onsite", "2026-09-28T15:00"))
        fix = clock(e, "property_fix")
        assert (fix.started_at, fix.due_at) == (at("2026-09-28T15:00"), at("2026-10-01T15:00"))  # 72 h
        run(e, ("resolve", "2026-10-01T14:00"))
        assert fix.status == "met"

    def test_escalated_to_the_quality_engineering_centre(self) -> None:
        e = run(self.case(), ("onsite", "2026-09-28T15:00"), ("escalate", "2026-09-28T18:00", self.QEC))
        assert clock(e, "property_fix").status == "met"  # handed over
        survey, fix = clock(e, "qec_survey"), clock(e, "qec_fix")
        assert (survey.due_at, survey.owner) == (at("2026-09-29T00:00"), "quality_engineering_center")
        assert (fix.due_at, fix.owner) == (at("2026-10-01T18:00"), "quality_engineering_center")
        assert told(e) == [("quality_engineering_center", "manual")]

    def test_the_centres_own_survey_does_not_restart_the_property_fix(self) -> None:
        e = run(
            self.case(),
            ("onsite", "2026-09-28T15:00"),
            ("escalate", "2026-09-28T18:00", self.QEC),
            ("onsite", "2026-09-28T20:00"),
        )
        assert clock(e, "qec_survey").status == "met"
        assert names(e).count("property_fix") == 1
        e.advance(at("2026-10-02T00:00"))
        assert told(e, "breach") == [("line_leader", "breach")]  # only qec_fix, due 18:00 Thu 1 Oct
        assert e.escalations[-1].clock == "qec_fix"

    def test_escalating_elsewhere_does_not_hand_the_fix_over(self) -> None:
        e = run(
            self.case(),
            ("onsite", "2026-09-28T15:00"),
            ("escalate", "2026-09-28T18:00", {"to": "line_leader"}),
        )
        assert clock(e, "property_fix").status == "running"
        assert "qec_fix" not in names(e)

    def test_qec_fix_special_case_agreed_with_the_owner(self) -> None:
        e = run(self.case(), ("escalate", "2026-09-28T18:00", self.QEC))
        run(e, ("promise", "2026-09-29T09:00", {"due_at": at("2026-10-09T18:00"), "reason": "业主国庆外出"}))
        assert (clock(e, "qec_fix").due_at, clock(e, "qec_fix").promised) == (at("2026-10-09T18:00"), True)

    def test_survey_report_to_developer_cs_and_builder_within_2_days(self) -> None:
        e = run(
            self.case(),
            ("escalate", "2026-09-28T18:00", self.QEC),
            ("onsite", "2026-09-28T20:00"),
            ("escalate", "2026-09-29T10:00", self.DCS),
        )
        assert clock(e, "qec_fix").status == "met"  # handed over
        report = clock(e, "survey_report")
        assert (report.due_at, report.owner) == (at("2026-10-01T10:00"), "quality_engineering_center")
        run(e, ("report", "2026-09-30T16:00"))
        assert report.status == "met"

    def test_builder_engineering_assigns_the_same_day(self) -> None:
        e = self.to_builder("builder_project_team")
        assign = clock(e, "builder_assign")
        assert (assign.started_at, assign.due_at, assign.owner, assign.status) == (
            at("2026-09-30T16:00"),
            at("2026-10-01T00:00"),
            "builder_engineering",
            "met",
        )

    @pytest.mark.parametrize("team", ["builder_project_team", "builder_maintenance_group"])
    def test_builder_team_fixes_within_5_days(self, team: str) -> None:
        # project team inside the 1-year warranty, maintenance group after it; 5 × 24 h, holidays count
        e = self.to_builder(team)
        fix = clock(e, "builder_fix")
        assert (fix.started_at, fix.due_at) == (at("2026-09-30T17:00"), at("2026-10-05T17:00"))
        run(e, ("resolve", "2026-10-04T11:00"))
        assert fix.status == "met"
        assert told(e, "breach") == []

    def test_a_dispatch_to_anyone_else_starts_no_builder_fix(self) -> None:
        e = run(
            self.case(),
            ("report", "2026-09-30T16:00"),
            ("dispatch", "2026-09-30T17:00", {"to": "engineering"}),
        )
        assert "builder_fix" not in names(e)

    def test_whoever_accepted_the_complaint_calls_back(self) -> None:
        assert regime(self.R).callback.by == "receiver"
        e = run(self.case(), ("onsite", "2026-09-28T15:00"), ("resolve", "2026-09-29T15:00"))
        callback = clock(e, "callback")
        assert (callback.due_at, callback.owner) == (at("2026-09-30T15:00"), "receiver")

    def test_a_dissatisfied_owner_sends_the_case_back_to_the_builder(self) -> None:
        e = self.to_builder("builder_maintenance_group")
        run(e, ("resolve", "2026-10-04T11:00"), ("callback", "2026-10-05T10:00", {"satisfied": False}))
        assert e.state == "reopened" and regime(self.R).callback.on_dissatisfied == "reopen"
        assert_clock(clock(e, "builder_fix", 1), "running", "2026-10-10T10:00", started="2026-10-05T10:00")
        assert names(e).count("property_fix") == 1

    def test_a_dissatisfied_owner_sends_the_case_back_to_property_engineering(self) -> None:
        e = run(
            self.case(),
            ("onsite", "2026-09-28T15:00"),
            ("resolve", "2026-09-29T15:00"),
            ("callback", "2026-09-30T10:00", {"satisfied": False}),
        )
        assert_clock(clock(e, "property_fix", 1), "running", "2026-10-03T10:00", started="2026-09-30T10:00")

    def test_group_litigation_or_media_goes_to_leadership_at_once(self) -> None:
        media = self.case(text="再不修就找媒体曝光")
        assert (media.classification.severity, told(media)) == ("major", [("leadership_group", "classified")])
        group = self.case(text="全体业主联名")
        assert told(group) == [("leadership_group", "classified")]
        both = self.case(text="全体业主联名，准备找记者曝光")
        assert told(both) == [("leadership_group", "classified")]  # told once

    def test_larger_service_complaints_go_to_the_line_leaders(self) -> None:
        e = new_case(self.R, "2026-10-05T14:20", "销售承诺没兑现", severity="major")
        assert told(e) == [("line_leader", "classified")]
        assert told(new_case(self.R, "2026-10-05T14:20", "销售承诺没兑现")) == []

    def test_overdue_goes_to_the_line_leader(self) -> None:
        e = self.case()
        e.advance(at("2026-09-29T00:00"))
        assert [(x.to_role, x.trigger, x.clock) for x in e.escalations] == [
            ("line_leader", "breach", "same_day_survey")
        ]

    def test_an_upgrade_keeps_the_chain_clocks(self) -> None:
        e = run(
            self.case(),
            ("escalate", "2026-09-28T18:00", self.QEC),
            ("upgrade", "2026-09-29T09:00", {"severity": "major"}),
        )
        assert clock(e, "qec_fix").status == "running"
        assert clock(e, "qec_fix").due_at == at("2026-10-01T18:00")


# ---------------------------------------------------------------------------------------------
class TestPropertyRoleMatrix:
    """004 物業投訴處理流程及人員職責分工."""

    R = "property-role-matrix"

    def case(self, received: str, text: str = "", **kw: Any) -> CaseEngine:
        return new_case(self.R, received, text, **kw)

    @pytest.mark.parametrize("channel", ["app", "wechat", "owner_group", "web"])
    def test_online_pickup_2_hours(self, channel: str) -> None:
        e = self.case("2026-09-18T21:00", "管家不回消息", channel=channel)
        pickup = clock(e, "online_pickup")
        assert (pickup.due_at, pickup.owner) == (at("2026-09-18T23:00"), "customer_service")
        run(e, ("register", "2026-09-18T22:00"))
        assert pickup.status == "met"

    def test_no_online_pickup_for_phone_or_letters(self) -> None:
        for channel in ("phone", "letter", "onsite"):
            assert "online_pickup" not in names(self.case("2026-09-18T21:00", channel=channel))

    def test_onsite_15_minutes_for_urgent(self) -> None:
        e = self.case("2026-10-10T08:20", "電梯困人", topic="elevator_entrapment")
        assert (e.classification.urgency, e.classification.category) == ("urgent", "facility")
        run(e, ("onsite", "2026-10-10T08:35"))
        assert_clock(clock(e, "onsite"), "met", "2026-10-10T08:35")

    def test_order_onsite_5_minutes(self) -> None:
        e = self.case("2026-02-16T23:40", "老人走失", topic="missing_person")
        assert (e.classification.urgency, e.classification.category) == ("urgent", "order")
        onsite = clock(e, "onsite")
        assert (onsite.due_at, onsite.owner) == (at("2026-02-16T23:45"), "security")

    def test_urgent_cases_have_no_plan_clock(self) -> None:
        e = self.case("2026-10-10T08:20", topic="elevator_entrapment")
        assert {"plan", "preliminary_plan"}.isdisjoint(names(e))

    def test_engineering_plan_24_hours(self) -> None:
        e = self.case("2026-09-18T21:00", "天花板滲水", topic="water_leak")
        plan = clock(e, "plan")
        assert (plan.due_at, plan.owner, plan.span.describe()) == (
            at("2026-09-19T21:00"),
            "engineering",
            "24 hours",
        )

    def test_general_plan_2_working_days(self) -> None:
        # received Wed 30 Sep: Thu 8, Fri 9 Oct
        e = self.case("2026-09-30T16:00", "管家答應的事沒下文", topic="staff_attitude")
        assert clock(e, "plan").due_at == at("2026-10-10T00:00")
        run(e, ("plan", "2026-10-09T23:59"))
        assert clock(e, "plan").status == "met"

    def test_difficult_preliminary_plan_5_working_days(self) -> None:
        # received Thu 12 Feb: Fri 13, Sat 14 (调休), [15–23 off], Tue 24, Wed 25, Thu 26
        e = self.case("2026-02-12T10:00", "人防車位產權", topic="property_rights")
        assert e.classification.urgency == "difficult" and "plan" not in names(e)
        assert clock(e, "preliminary_plan").due_at == at("2026-02-27T00:00")

    def test_dispatch_start_1_working_day(self) -> None:
        # dispatched on the make-up Saturday 10 Oct (not counted): Mon 12 Oct
        e = self.case("2026-10-10T08:20", topic="elevator_entrapment")
        run(
            e, ("dispatch", "2026-10-10T08:23"), ("pause", "2026-10-10T08:25"), ("resume", "2026-10-10T09:25")
        )
        start = clock(e, "dispatch_start")
        assert (start.due_at, start.paused_seconds) == (at("2026-10-13T00:00"), 0)  # not pausable
        run(e, ("onsite", "2026-10-10T09:30"))
        assert start.status == "met"

    def test_daily_progress_restarts(self) -> None:
        e = run(self.case("2026-10-10T08:20", topic="elevator_entrapment"), ("dispatch", "2026-10-10T08:23"))
        assert clock(e, "progress_update").due_at == at("2026-10-11T08:23")
        run(e, ("progress", "2026-10-10T09:00"), ("progress", "2026-10-11T08:00"))
        assert [(c.status, c.due_at) for c in e.clocks if c.name == "progress_update"] == [
            ("met", at("2026-10-11T08:23")),
            ("met", at("2026-10-11T09:00")),
            ("running", at("2026-10-12T08:00")),
        ]
        run(e, ("resolve", "2026-10-12T07:00"))
        assert clock(e, "progress_update", 2).status == "met"

    def test_a_missed_daily_update_is_overdue(self) -> None:
        e = run(self.case("2026-09-30T16:00", topic="staff_attitude"), ("dispatch", "2026-09-30T18:30"))
        e.advance(at("2026-10-01T18:30"))  # 每日 = 24 h, holidays included
        assert clock(e, "progress_update").status == "breached"
        assert [(x.to_role, x.clock) for x in e.escalations if x.trigger == "breach"] == [
            ("regional_supervisor", "progress_update")
        ]

    def test_warning_reminds_customer_service(self) -> None:
        e = self.case("2026-09-18T21:00", topic="water_leak")
        e.advance(at("2026-09-19T16:12"))  # 80 % of the engineering plan's 24 h
        assert [(x.to_role, x.trigger, x.clock, x.at) for x in e.escalations] == [
            ("customer_service", "warning", "plan", at("2026-09-19T16:12"))
        ]

    def test_overdue_goes_to_regional_supervisor(self) -> None:
        e = self.case("2026-09-30T16:00", topic="staff_attitude")
        e.advance(at("2026-10-10T00:00"))
        assert clock(e, "plan").status == "breached"
        assert [(x.to_role, x.clock, x.at) for x in e.escalations if x.trigger == "breach"] == [
            ("regional_supervisor", "plan", at("2026-10-10T00:00"))
        ]

    def test_group_of_20_households_goes_to_project_manager(self) -> None:
        e = self.case("2026-02-12T10:00", "車位管理費", signatories=20, topic="fees")
        assert (e.classification.group, e.classification.urgency) == (True, "difficult")
        assert told(e) == [("project_manager", "classified"), ("regional_supervisor", "classified")]
        nineteen = self.case("2026-02-12T10:00", "車位管理費", signatories=19, topic="fees")
        assert (nineteen.classification.urgency, told(nineteen)) == ("general", [])

    def test_media_attention_goes_to_project_manager(self) -> None:
        # media attention also makes the case difficult (GUIDE.md): the supervisor is told too
        e = self.case("2026-09-30T16:00", "已經聯繫記者了", topic="staff_attitude")
        assert told(e) == [("project_manager", "classified"), ("regional_supervisor", "classified")]

    def test_difficult_cases_go_to_regional_supervisor(self) -> None:
        e = self.case("2026-02-12T10:00", topic="property_rights")
        assert told(e) == [("regional_supervisor", "classified")]

    def test_difficult_facility_problem_is_reported_to_project_manager(self) -> None:
        e = self.case("2026-02-12T10:00", "電梯反覆故障", topic="elevator", urgency="difficult")
        assert told(e) == [("regional_supervisor", "classified"), ("project_manager", "classified")]

    def test_suspicious_person_is_reported_to_project_manager(self) -> None:
        e = self.case("2026-02-16T23:40", "陌生人尾隨", topic="intrusion", urgency="urgent")
        assert told(e) == [("project_manager", "classified")]
        assert clock(e, "onsite").due_at == at("2026-02-16T23:45")

    def test_callback_by_customer_service(self) -> None:
        policy = regime(self.R).callback
        assert (policy.by, policy.form) == ("customer_service", "《反饋確認單》")
        e = run(self.case("2026-10-10T08:20", topic="elevator_entrapment"), ("resolve", "2026-10-12T15:00"))
        callback = clock(e, "callback")
        assert (callback.due_at, callback.owner) == (at("2026-10-13T15:00"), "customer_service")

    def test_dissatisfied_becomes_review_item(self) -> None:
        e = run(
            self.case("2026-10-10T08:20", topic="elevator_entrapment"),
            ("resolve", "2026-10-12T15:00"),
            ("callback", "2026-10-13T10:00", {"satisfied": False}),
        )
        assert (e.state, e.review_item) == ("closed", True)
        assert told(e, "dissatisfied") == [("quality_manager", "dissatisfied")]
        with pytest.raises(CaseError, match="closed"):
            run(e, ("reopen", "2026-10-13T11:00"))


def test_every_clock_name_of_regimes_md_is_tested() -> None:
    """The clock names REGIMES.md fixes, per regime, are exactly the shipped ones (plus callback)."""
    expected = {
        "community-standard": {"registration", "reply", "initial_plan", "closure", "site_check"},
        "logistics-service": {"handover", "emergency_notice", "resolution"},
        "service-station-sop": {"feedback", "analysis", "report_manager", "manager_contact"},
        "developer-customer-service": {
            *("same_day_survey", "property_fix", "qec_survey", "qec_fix"),
            *("survey_report", "builder_assign", "builder_fix"),
        },
        "property-role-matrix": {
            *("online_pickup", "onsite", "plan", "preliminary_plan"),
            *("dispatch_start", "progress_update"),
        },
    }
    for regime_id, clocks in expected.items():
        assert {c.name for c in regime(regime_id).clocks} == clocks | {"callback"}, regime_id


def test_a_case_runs_for_months_without_trouble() -> None:
    e = new_case("property-role-matrix", "2026-01-05T09:00", topic="property_rights")
    run(e, ("dispatch", "2026-01-05T10:00"))
    for day in range(120):
        e.act("progress", at("2026-01-05T18:00") + timedelta(days=day))
    assert len([c for c in e.clocks if c.name == "progress_update"]) == 121
