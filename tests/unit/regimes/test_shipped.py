"""The five shipped regimes load and say what REGIMES.md says."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from tousu_shared.regimes import REGIME_IDS, Regime, list_regimes, load_regime, regime_json_schema
from tousu_shared.regimes.model import ClockDef, Target
from tousu_shared.yamlsrc import parse

from .conftest import DATA

REQUIRED_TOPICS = [
    *("elevator", "water_leak", "power", "fire_safety", "gas", "noise", "parking", "cleaning", "greening"),
    *("pests", "fees", "staff_attitude", "security", "intrusion", "high_altitude_throwing"),
    *("construction_quality", "neighbour_dispute", "municipal_utility", "illegal_construction", "pets"),
    *("common_space", "property_rights", "other"),
]


def duration(regime: Regime, target: Target) -> tuple[float | None, str | None]:
    """(amount, unit) of a target, following its parameter to the default."""
    if target.param is not None:
        param = regime.parameters[target.param]
        return param.default, param.unit
    return target.amount, target.unit


def clocks(regime: Regime, name: str) -> list[ClockDef]:
    found = [c for c in regime.clocks if c.name == name]
    assert found, f"{regime.ref} has no clock {name!r}"
    return found


def only(regime: Regime, name: str) -> ClockDef:
    (clock,) = clocks(regime, name)
    return clock


def param_of(clock: ClockDef) -> str:
    assert clock.target.param is not None, f"{clock.name}: the target should be a parameter"
    return clock.target.param


@pytest.fixture(scope="module")
def regimes() -> dict[str, Regime]:
    return {r.id: r for r in list_regimes()}


def test_every_shipped_regime_loads_and_the_ids_agree(regimes: dict[str, Regime]) -> None:
    assert sorted(regimes) == sorted(REGIME_IDS)
    assert sorted(p.name for p in DATA.glob("*.yaml")) == sorted(f"{i}@1.yaml" for i in REGIME_IDS)
    for regime_id in REGIME_IDS:
        assert load_regime(regime_id).ref == f"{regime_id}@1"


@pytest.mark.parametrize("regime_id", REGIME_IDS)
def test_each_file_cites_its_seed_and_maps_every_topic(regime_id: str, regimes: dict[str, Regime]) -> None:
    regime = regimes[regime_id]
    text = (DATA / f"{regime_id}@1.yaml").read_text(encoding="utf-8")
    assert text.startswith("#") and "/work/shared/seeds/" in text.splitlines()[1]
    assert regime.source.startswith("seeds/")
    assert set(REQUIRED_TOPICS) <= set(regime.topics)
    assert regime.retention.years in regime.parameters
    # every number of a clock is a parameter, described by the rulebook's words
    for clock in regime.clocks:
        assert clock.target.unit == "same_day" or clock.target.param is not None, clock.name
    for name, param in regime.parameters.items():
        assert param.description.strip(), name


def test_all_regimes_know_the_same_topics(regimes: dict[str, Regime]) -> None:
    topic_sets = {frozenset(r.topics) for r in regimes.values()}
    assert len(topic_sets) == 1


def test_community_standard(regimes: dict[str, Regime]) -> None:
    r = regimes["community-standard"]
    assert r.severity_levels == ["general", "major", "group"] and r.default_severity == "general"
    assert r.urgency_levels is None
    assert duration(r, only(r, "registration").target) == (2, "hours")
    assert param_of(only(r, "registration")) == "registration_limit"
    reply = only(r, "reply")
    assert duration(r, reply.target) == (3, "working_days") and reply.promise_allowed
    assert reply.when.severity == ["general"]
    assert duration(r, only(r, "initial_plan").target) == (24, "hours")
    assert only(r, "initial_plan").when.severity == ["major"]
    assert duration(r, only(r, "closure").target) == (7, "working_days")
    site_check = only(r, "site_check")
    assert duration(r, site_check.target) == (1, "hours") and site_check.target.param == "site_check_limit"
    assert site_check.owner == "security"
    assert r.parameters["group_signatories"].default == 10 and r.parameters["group_signatories"].unit is None
    assert any(
        rule.level == "group" and rule.signatories_at_least == "group_signatories"
        for rule in r.severity_rules
    )
    major_topics = {t for rule in r.severity_rules if rule.level == "major" for t in rule.topics or []}
    assert {"fire_safety", "illegal_construction"} <= major_topics
    assert any(
        e.on == "classified"
        and e.to == "leadership_group"
        and set(e.when.severity or []) == {"major", "group"}
        for e in r.escalations
    )
    assert r.callback.form == "《投诉反馈确认单》" and set(r.callback.channels) == {"phone", "visit"}
    assert r.reports == ["daily_unit", "monthly_analysis"]


def test_logistics_service(regimes: dict[str, Regime]) -> None:
    r = regimes["logistics-service"]
    assert r.categories == [
        "cleaning",
        "greening",
        "order",
        "maintenance",
        "parking",
        "customer-service",
        "other",
    ]
    assert duration(r, only(r, "handover").target) == (1, "working_days")
    notice = only(r, "emergency_notice")
    assert notice.target.param == "emergency_notice_limit" and duration(r, notice.target) == (15, "minutes")
    resolution = only(r, "resolution")
    assert resolution.target.param == "resolution_limit"
    assert duration(r, resolution.target) == (3, "working_days")
    assert "truncated" in r.parameters["resolution_limit"].description
    assert r.plan_approval == "supervisor" and "supervisor" in r.roles
    assert [x.id for x in r.rejection_reasons] == [
        "out_of_scope",
        "no_facts_or_contact",
        "in_legal_proceedings",
        "duplicate_no_new_facts",
        "slander_or_malicious",
    ]
    assert all(x.message.startswith("您好") for x in r.rejection_reasons)
    assert r.topics["cleaning"].category == "cleaning" and r.topics["parking"].category == "parking"


def test_service_station_sop(regimes: dict[str, Regime]) -> None:
    r = regimes["service-station-sop"]
    assert r.severity_levels == ["minor", "major"] and r.default_severity == "minor"
    assert r.categories == ["customer-service", "environment", "maintenance", "referred", "other"]
    assert (
        r.topics["neighbour_dispute"].category == "other"
        and r.topics["municipal_utility"].category == "other"
    )
    assert duration(r, only(r, "feedback").target) == (24, "hours")
    analysis = only(r, "analysis")
    assert analysis.start_on == "dispatch" and duration(r, analysis.target) == (1, "hours")
    report = only(r, "report_manager")
    assert report.when.severity == ["major"] and "report" in report.stop_on
    assert duration(r, report.target) == (10, "minutes") and report.owner == "station_head"
    contact = only(r, "manager_contact")
    assert "contact" in contact.stop_on and duration(r, contact.target) == (12, "hours")
    minor, major = clocks(r, "callback")
    assert minor.when.severity == ["minor"] and major.when.severity == ["major"]
    for c in (minor, major):
        assert c.start_on == "resolve" and c.stop_on == ["callback"]
    assert (
        duration(r, minor.target) == (24, "hours") and minor.owner == "receiver" and minor.not_before is None
    )
    assert major.not_before is not None and duration(r, major.not_before) == (24, "hours")
    assert duration(r, major.target) == (48, "hours") and major.owner == "station_head"
    (upgrade,) = r.upgrades
    assert upgrade.set_severity == "major" and duration(r, upgrade.after) == (30, "days")
    assert r.parameters[r.retention.years].default == 3
    assert r.reports == ["case_library", "monthly_table", "household_dossier", "staff_ladder"]


def test_developer_customer_service(regimes: dict[str, Regime]) -> None:
    r = regimes["developer-customer-service"]
    survey = only(r, "same_day_survey")
    assert survey.target == Target(unit="same_day") and survey.when.category == ["engineering-quality"]
    assert duration(r, only(r, "property_fix").target) == (3, "days")
    qec = only(r, "qec_fix")
    assert qec.start_on == "escalate" and qec.start_to == ["quality_engineering_center"]
    assert duration(r, qec.target) == (3, "days") and qec.promise_allowed
    assert duration(r, only(r, "survey_report").target) == (2, "days")
    assert only(r, "builder_assign").target.unit == "same_day"
    fix = only(r, "builder_fix")
    assert set(fix.start_to or []) == {"builder_project_team", "builder_maintenance_group"}
    assert duration(r, fix.target) == (5, "days")
    assert r.callback.by == "receiver" and r.callback.on_dissatisfied == "reopen"
    assert {(e.when.group, e.when.media) for e in r.escalations if e.to == "leadership_group"} == {
        (True, None),
        (None, True),
    }


def test_property_role_matrix(regimes: dict[str, Regime]) -> None:
    r = regimes["property-role-matrix"]
    assert r.categories == ["service", "facility", "fee", "order"]
    assert r.urgency_levels == ["urgent", "difficult", "general"] and r.severity_levels is None
    order, anything = clocks(r, "onsite")
    assert order.when.category == ["order"] and duration(r, order.target) == (5, "minutes")
    assert anything.when.urgency == ["urgent"] and duration(r, anything.target) == (15, "minutes")
    engineering, general = clocks(r, "plan")
    assert engineering.when.department == ["engineering"] and duration(r, engineering.target) == (24, "hours")
    assert duration(r, general.target) == (2, "working_days")
    assert duration(r, only(r, "preliminary_plan").target) == (5, "working_days")
    assert duration(r, only(r, "dispatch_start").target) == (1, "working_days")
    pickup = only(r, "online_pickup")
    assert duration(r, pickup.target) == (2, "hours") and "wechat" in (pickup.when.channel or [])
    assert only(r, "progress_update").restart_on == ["progress"]
    assert r.parameters["group_households"].default == 20
    assert any(e.on == "breach" and e.to == "regional_supervisor" and e.clocks is None for e in r.escalations)
    assert {e.to for e in r.escalations if e.when.group or e.when.media} == {"project_manager"}
    assert r.callback.on_dissatisfied == "review_item"
    assert r.topics["staff_attitude"].category == "service" and r.topics["fees"].category == "fee"
    assert r.topics["noise"].category == "order" and r.topics["elevator"].department == "engineering"
    assert {"monthly_review", "hot_spots", "household_dossier"} <= set(r.reports)


def test_the_json_schema_is_exported(regimes: dict[str, Regime]) -> None:
    schema = regime_json_schema()
    snapshot = Path(__file__).parents[3] / "shared" / "schemas" / "Regime.v1.json"
    assert json.loads(snapshot.read_text(encoding="utf-8")) == json.loads(json.dumps(schema))
    assert {"clocks", "parameters", "callback", "retention"} <= set(schema["properties"])


def test_yaml_booleans_are_only_true_and_false() -> None:
    doc = parse("on: breach\nno: yes\nflag: true\n")
    assert doc.data == {"on": "breach", "no": "yes", "flag": True}
