"""Each validation rule on a copy of a shipped file with one thing changed: the issue names
the file, the line and the field, and no exception but RegimeFileError escapes."""

from __future__ import annotations

from pathlib import Path

import pytest

from tousu_shared.regimes import RegimeFileError, load_regime_file
from tousu_shared.regimes.loader import parse_regime

from .conftest import Edit, line_of, shipped

# (regime, old text, new text, field path, text on the reported line, words of the message)
CASES = [
    pytest.param(
        "service-station-sop",
        "param: report_manager_limit}",
        "param: report_manger_limit}",
        "clocks[2].target.param",
        "report_manger_limit}",
        "unknown parameter 'report_manger_limit'",
        id="unknown-parameter",
    ),
    pytest.param(
        "property-role-matrix",
        "target: {param: onsite_limit}",
        "target: {param: group_households}",
        "clocks[2].target.param",
        "target: {param: group_households}",
        "needs a 'unit'",
        id="duration-needs-a-unit",
    ),
    pytest.param(
        "community-standard",
        "signatories_at_least: group_signatories",
        "signatories_at_least: registration_limit",
        "severity_rules[0].signatories_at_least",
        "signatories_at_least: registration_limit",
        "a count needs no 'unit'",
        id="signatories-are-a-count",
    ),
    pytest.param(
        "service-station-sop",
        "retention: {years: retention_years}",
        "retention: {years: upgrade_after}",
        "retention.years",
        "retention: {years",
        "is a duration",
        id="retention-years-is-a-count",
    ),
    pytest.param(
        "developer-customer-service",
        "retention: {years: retention_years}",
        "retention: {years: keep_years}",
        "retention.years",
        "retention: {years",
        "unknown parameter 'keep_years'",
        id="retention-unknown-parameter",
    ),
    pytest.param(
        "logistics-service",
        "cleaning: {category: cleaning, department: cleaning}",
        "cleaning: {category: sanitation, department: cleaning}",
        "topics.cleaning.category",
        "cleaning: {category: sanitation",
        "unknown category 'sanitation'",
        id="topic-category",
    ),
    pytest.param(
        "property-role-matrix",
        "fees: {category: fee, department: finance}",
        "fees: {category: fee, department: accounting}",
        "topics.fees.department",
        "fees: {category: fee",
        "unknown department 'accounting'",
        id="topic-department",
    ),
    pytest.param(
        "property-role-matrix",
        "    when: {urgency: [difficult]}\n    stop_on",
        "    when: {urgency: [hard]}\n    stop_on",
        "clocks[5].when.urgency[0]",
        "when: {urgency: [hard]}",
        "unknown urgency 'hard'",
        id="condition-urgency-label",
    ),
    pytest.param(
        "property-role-matrix",
        "    when: {urgency: [difficult], category: [facility]}",
        "    when: {urgency: [difficult], severity: [major]}",
        "escalations[6].when.severity[0]",
        "severity: [major]}",
        "no severity levels",
        id="severity-in-a-regime-without-severity",
    ),
    pytest.param(
        "service-station-sop",
        "default_severity: minor",
        "default_severity: moderate",
        "default_severity",
        "default_severity: moderate",
        "unknown severity 'moderate'",
        id="default-severity",
    ),
    pytest.param(
        "community-standard",
        "  - level: group\n    signals: [group, media]",
        "  - level: crowd\n    signals: [group, media]",
        "severity_rules[1].level",
        "level: crowd",
        "unknown severity 'crowd'",
        id="level-rule-label",
    ),
    pytest.param(
        "developer-customer-service",
        "  other: {category: service-quality, department: developer_customer_service}\n",
        "",
        "topics",
        "topics:",
        "needs 'other'",
        id="topics-need-other",
    ),
    pytest.param(
        "property-role-matrix",
        "  - on: breach\n    to: regional_supervisor",
        "  - on: breach\n    clocks: [onsight]\n    to: regional_supervisor",
        "escalations[1].clocks[0]",
        "clocks: [onsight]",
        "unknown clock 'onsight'",
        id="escalation-clock",
    ),
    pytest.param(
        "community-standard",
        "  clock: callback",
        "  clock: call_back",
        "callback.clock",
        "clock: call_back",
        "unknown clock 'call_back'",
        id="callback-clock",
    ),
    pytest.param(
        "service-station-sop",
        "start_on: report",
        "start_on: reported",
        "clocks[3].start_on",
        "start_on: reported",
        "unknown value 'reported'",
        id="start-verb",
    ),
    pytest.param(
        "developer-customer-service",
        "    start_on: report\n    stop_on: [dispatch,",
        "    start_on: report\n    stop_on: [assign,",
        "clocks[5].stop_on[0]",
        "stop_on: [assign,",
        "unknown value 'assign'",
        id="stop-verb",
    ),
    pytest.param(
        "service-station-sop",
        "    not_before: {param: callback_major_not_before}",
        "    not_before: {amount: 3, unit: days}",
        "clocks[5].not_before",
        "not_before: {amount: 3",
        "not_before must be shorter than the target",
        id="not-before-after-target",
    ),
    pytest.param(
        "service-station-sop",
        "    not_before: {param: callback_major_not_before}",
        "    not_before: {amount: 1, unit: working_days}",
        "clocks[5].not_before",
        "not_before: {amount: 1",
        "cannot be compared",
        id="not-before-other-unit",
    ),
    pytest.param(
        "property-role-matrix",
        "    to: project_manager\n    reason: 二(三)",
        "    to: chief_of_police\n    reason: 二(三)",
        "escalations[7].to",
        "to: chief_of_police",
        "unknown role 'chief_of_police'",
        id="escalation-role",
    ),
    pytest.param(
        "property-role-matrix",
        "when: {urgency: [general], department: [engineering]}",
        "when: {urgency: [general], department: [engineers]}",
        "clocks[3].when.department[0]",
        "department: [engineers]",
        "unknown department 'engineers'",
        id="condition-department",
    ),
    pytest.param(
        "property-role-matrix",
        "channel: [app, wechat, owner_group, web]",
        "channel: [app, wechat, telegram, web]",
        "clocks[0].when.channel[2]",
        "channel: [app, wechat, telegram",
        "unknown channel 'telegram'",
        id="condition-channel",
    ),
    pytest.param(
        "property-role-matrix",
        "topics: [property_rights]",
        "topics: [property_right]",
        "urgency_rules[4].topics[0]",
        "topics: [property_right]",
        "unknown topic 'property_right'",
        id="level-rule-topic",
    ),
    pytest.param(
        "property-role-matrix",
        "    when: {urgency: [urgent], category: [order]}",
        "    when: {urgency: [urgent]}",
        "clocks[2].when",
        "when: {urgency: [urgent]}\n    stop_on: [onsite, resolve, close, withdraw]\n"
        "    target: {param: onsite_limit}",
        "unreachable",
        id="unreachable-clock-definition",
    ),
    pytest.param(
        "developer-customer-service",
        "    stop_to: [quality_engineering_center]",
        "    stop_to: [quality_engineering_centre]",
        "clocks[1].stop_to[0]",
        "stop_to: [quality_engineering_centre]",
        "unknown role",
        id="stop-to-role",
    ),
    pytest.param(
        "service-station-sop",
        "    set_severity: major",
        "    set_severity: critical",
        "upgrades[0].set_severity",
        "set_severity: critical",
        "unknown severity 'critical'",
        id="upgrade-severity",
    ),
    pytest.param(
        "logistics-service",
        "    stop_on: [callback]",
        "    stop_on: [close]",
        "callback.clock",
        "  clock: callback",
        "does not stop on 'callback'",
        id="callback-clock-stops-on-callback",
    ),
    pytest.param(
        "community-standard",
        "source: seeds/000_ceeb227befd854a3.txt",
        "source: seeds/000_ceeb227befd854a3.txt\ntimezone: Asia/Beijing",
        "timezone",
        "timezone: Asia/Beijing",
        "unknown time zone",
        id="timezone",
    ),
    pytest.param(
        "logistics-service",
        "target: {param: handover_limit}",
        "target: {param: handover_limit, amount: 2}",
        "clocks[0].target",
        "target: {param: handover_limit, amount: 2}",
        "either 'param' or 'amount'",
        id="target-shape",
    ),
    pytest.param(
        "community-standard",
        "reports: [daily_unit, monthly_analysis]",
        "reports: [daily_unit, monthly_analysis]\nreport_to: leadership_group",
        "report_to",
        "report_to: leadership_group",
        "unknown field 'report_to'",
        id="unknown-field",
    ),
    pytest.param(
        "service-station-sop",
        "    default: 10\n    unit: minutes\n",
        "    default: ten\n    unit: minutes\n",
        "parameters.report_manager_limit.default",
        "default: ten",
        "valid number",
        id="number-type",
    ),
    pytest.param(
        "developer-customer-service",
        "name: 房地产公司客户投诉处理规定\n",
        "",
        "name",
        "id: developer-customer-service",
        "missing (required)",
        id="missing-field",
    ),
    pytest.param(
        "property-role-matrix",
        "  retention_years:\n",
        "  onsite_limit:\n",
        "yaml",
        "  onsite_limit:\n    default: 3",
        "duplicate key 'onsite_limit'",
        id="duplicate-key",
    ),
    pytest.param(
        "developer-customer-service",
        "  dispatch_as: builder_team\n",
        "  dispatch_as: engineering\n",
        "warranty.dispatch_as",
        "dispatch_as: engineering",
        "is a role; the rule's alias must not be one",
        id="warranty-alias",
    ),
    pytest.param(
        "developer-customer-service",
        "  years: warranty_years\n",
        "  years: builder_fix_limit\n",
        "warranty.years",
        "years: builder_fix_limit",
        "is a duration (days); a count needs no 'unit'",
        id="warranty-years",
    ),
    pytest.param(
        "property-role-matrix",
        "  fields: [background, expectation]",
        "  fields: [background, wishes]",
        "handover.fields[1]",
        "fields: [background, wishes]",
        "'background' or 'expectation'",
        id="handover-field",
    ),
    pytest.param(
        "developer-customer-service",
        "    repeat: dissatisfied_escalate_after\n",
        "    repeat: builder_fix_limit\n",
        "escalations[4].repeat",
        "repeat: builder_fix_limit",
        "is a duration (days); a count needs no 'unit'",
        id="repeat-duration",
    ),
    pytest.param(
        "service-station-sop",
        "  - on: dissatisfied\n    repeat: dissatisfied_escalate_after\n",
        "  - on: breach\n    repeat: dissatisfied_escalate_after\n",
        "escalations[5].repeat",
        "repeat: dissatisfied_escalate_after",
        "'repeat' only applies to on: dissatisfied, not 'breach'",
        id="repeat-not-dissatisfied",
    ),
    pytest.param(
        "community-standard",
        "categories: [service, environment, facility, safety, other]",
        "categories: [service, environment, facility, safety, other",
        "yaml",
        "urgency_levels: null",
        "expected ',' or ']'",
        id="yaml-syntax",
    ),
]


@pytest.mark.parametrize(("regime_id", "old", "new", "field", "on_line", "message"), CASES)
def test_a_broken_copy_names_file_line_and_field(
    edited: Edit, regime_id: str, old: str, new: str, field: str, on_line: str, message: str
) -> None:
    path = edited(regime_id, old, new)
    with pytest.raises(RegimeFileError) as caught:
        load_regime_file(path)
    expected = f"{path}:{line_of(path, on_line)}: {field}: "
    lines = [str(i) for i in caught.value.issues]
    hits = [line for line in lines if line.startswith(expected)]
    assert hits, f"no issue starts with {expected!r}; got {lines}"
    assert any(message in hit for hit in hits), hits
    assert "Traceback" not in str(caught.value)


def test_the_unchanged_copies_are_valid(edited: Edit) -> None:
    for regime_id in ("community-standard", "property-role-matrix"):
        assert load_regime_file(edited(regime_id, "version: 1", "version: 1")).id == regime_id


def test_copy_change_one_number_validate(edited: Edit) -> None:
    """The operator's story: copy a shipped regime, change one number, validate it."""
    path = edited("property-role-matrix", "    default: 15\n", "    default: 10\n")
    regime = load_regime_file(path)
    assert regime.parameters["onsite_limit"].default == 10
    assert regime.parameters["onsite_limit"].unit == "minutes"


def test_a_missing_file(tmp_path: Path) -> None:
    path = tmp_path / "nowhere.yaml"
    with pytest.raises(RegimeFileError) as caught:
        load_regime_file(path)
    assert str(caught.value) == f"{path}: no such file"


@pytest.mark.parametrize(
    ("text", "message"),
    [("", "found an empty file"), ("- a\n- b\n", "found a list"), ("just words\n", "found a str")],
)
def test_a_document_that_is_not_a_mapping(text: str, message: str) -> None:
    with pytest.raises(RegimeFileError) as caught:
        parse_regime(text, "x.yaml")
    assert str(caught.value).startswith("x.yaml:1: ") and message in str(caught.value)


def test_several_problems_are_all_reported(edited: Edit) -> None:
    text = shipped("property-role-matrix").read_text(encoding="utf-8")
    text = text.replace("department: finance}", "department: accounting}").replace(
        "to: regional_supervisor", "to: regional_boss"
    )
    with pytest.raises(RegimeFileError) as caught:
        parse_regime(text, "many.yaml")
    fields = [i.field for i in caught.value.issues]
    assert "topics.fees.department" in fields
    assert sum(1 for f in fields if f and f.endswith(".to")) == 2
