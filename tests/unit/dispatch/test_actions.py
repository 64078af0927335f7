"""Dispatch's action rules: which verbs staff may record, what each needs, the state after it."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from tousu_dispatch.domain.actions import (
    STAFF_VERBS,
    Action,
    ActionRefused,
    RegimeRules,
    check_action,
    check_open,
    check_verb,
    state_after,
)
from tousu_shared.cases.engine import STATE_AFTER
from tousu_shared.contracts.case_events import ACTION_EVENTS
from tousu_shared.regimes import load_regime

DUE = datetime(2026, 9, 25, 10, 0, tzinfo=UTC)


def rules(regime_id: str) -> RegimeRules:
    return RegimeRules.of(load_regime(regime_id))


def refused(action: Action, regime_id: str = "community-standard", severity: str | None = "general") -> str:
    with pytest.raises(ActionRefused) as caught:
        check_action(action, rules(regime_id), severity)
    assert caught.value.kind == "invalid"
    assert "\n" not in caught.value.detail
    return caught.value.detail


class TestVerbs:
    def test_staff_may_record_every_action_verb_but_the_callback(self) -> None:
        assert set(STAFF_VERBS) == set(ACTION_EVENTS) - {"callback"}
        for verb in STAFF_VERBS:
            check_verb(verb)

    @pytest.mark.parametrize("verb", ["callback", "received", "Dispatch", "fly", ""])
    def test_other_verbs_are_refused_with_the_allowed_ones_listed(self, verb: str) -> None:
        with pytest.raises(ActionRefused) as caught:
            check_verb(verb)
        assert caught.value.kind == "invalid"
        assert caught.value.detail.endswith("allowed: " + ", ".join(STAFF_VERBS))

    def test_the_callback_is_pointed_to_the_callback_service(self) -> None:
        with pytest.raises(ActionRefused, match="callback service"):
            check_verb("callback")


class TestOpen:
    @pytest.mark.parametrize("status", ["closed", "withdrawn"])
    def test_a_closed_or_withdrawn_work_order_takes_no_action(self, status: str) -> None:
        with pytest.raises(ActionRefused) as caught:
            check_open("wo-1", status, "resolve")
        assert (caught.value.kind, caught.value.detail) == (
            "conflict",
            f"work order wo-1 is {status}; it cannot resolve",
        )

    @pytest.mark.parametrize("status", ["open", "dispatched", "resolved", "reopened"])
    def test_any_other_status_does(self, status: str) -> None:
        check_open("wo-1", status, "resolve")


class TestRouting:
    def test_an_escalation_needs_a_role(self) -> None:
        assert refused(Action("escalate")) == "escalate needs 'to': the role the case goes to"

    def test_a_dispatch_without_a_role_goes_to_the_work_orders_department(self) -> None:
        check_action(Action("dispatch"), rules("community-standard"), "general")

    @pytest.mark.parametrize("verb", ["dispatch", "escalate"])
    def test_a_role_given_must_be_known(self, verb: str) -> None:
        assert refused(Action(verb, to="plumbers")).startswith("unknown role 'plumbers'")

    def test_the_role_must_be_known(self) -> None:
        detail = refused(Action("dispatch", to="plumbers"))
        assert detail.startswith("unknown role 'plumbers' in community-standard@1; known: ")
        assert "engineering" in detail

    def test_a_common_role_is_accepted(self) -> None:
        assert check_action(Action("dispatch", to="engineering"), rules("community-standard"), "general") == (
            "general"
        )

    def test_a_role_the_regime_adds_is_accepted_there_only(self) -> None:
        check_action(Action("escalate", to="supervisor"), rules("logistics-service"), None)
        assert refused(Action("escalate", to="supervisor")).startswith("unknown role 'supervisor'")


class TestPromise:
    def test_a_promise_needs_a_date_and_a_reason(self) -> None:
        message = "promise needs 'due_at' (an instant with its offset) and a 'reason'"
        assert refused(Action("promise", reason="parts on order")) == message
        assert refused(Action("promise", due_at=DUE)) == message
        assert refused(Action("promise", due_at=DUE, reason="   ")) == message

    def test_a_promise_with_both_is_accepted(self) -> None:
        check_action(
            Action("promise", due_at=DUE, reason="parts on order"), rules("community-standard"), None
        )

    def test_the_clock_named_must_allow_a_promised_date(self) -> None:
        allowed = rules("community-standard").promise_clocks
        assert allowed
        detail = refused(Action("promise", due_at=DUE, reason="r", clock="onsite"))
        assert detail.startswith("clock 'onsite' of community-standard@1 does not allow a promised date")
        check_action(
            Action("promise", due_at=DUE, reason="r", clock=allowed[0]), rules("community-standard"), None
        )

    def test_a_regime_without_such_clocks_refuses_promises(self) -> None:
        assert not rules("property-role-matrix").promise_clocks
        detail = refused(Action("promise", due_at=DUE, reason="r"), "property-role-matrix")
        assert detail == "no clock of property-role-matrix@1 allows a promised date"


class TestUpgrade:
    def test_the_severity_given_must_be_a_level_of_the_regime(self) -> None:
        detail = refused(Action("upgrade", severity="huge"))
        assert detail == "unknown severity 'huge' in community-standard@1; known: general, major, group"

    def test_the_severity_given_is_the_new_one(self) -> None:
        assert (
            check_action(Action("upgrade", severity="group"), rules("community-standard"), "general")
            == "group"
        )

    def test_without_a_severity_the_case_goes_one_level_up(self) -> None:
        assert check_action(Action("upgrade"), rules("community-standard"), "general") == "major"
        assert check_action(Action("upgrade"), rules("service-station-sop"), "minor") == "major"

    def test_the_highest_level_needs_a_severity(self) -> None:
        detail = refused(Action("upgrade"), severity="group")
        assert (
            detail == "upgrade needs 'severity' ('group' is the highest level); known: general, major, group"
        )
        assert refused(Action("upgrade"), severity=None).startswith(
            "upgrade needs 'severity' (the severity is None)"
        )

    def test_a_regime_without_levels_cannot_upgrade(self) -> None:
        assert refused(Action("upgrade", severity="major"), "logistics-service", None) == (
            "logistics-service@1 has no severity levels to upgrade to"
        )

    def test_other_verbs_keep_the_severity(self) -> None:
        assert check_action(Action("resolve"), rules("community-standard"), "major") == "major"


class TestStateAfter:
    @pytest.mark.parametrize(
        ("verb", "state"),
        [
            ("register", "registered"),
            ("dispatch", "dispatched"),
            ("accept", "accepted"),
            ("onsite", "on_site"),
            ("plan", "planned"),
            ("resolve", "resolved"),
            ("reopen", "reopened"),
            ("close", "closed"),
            ("withdraw", "withdrawn"),
        ],
    )
    def test_verbs_that_move_the_case(self, verb: str, state: str) -> None:
        assert state_after(verb, "open") == state

    @pytest.mark.parametrize(
        "verb", ["progress", "report", "contact", "escalate", "pause", "resume", "promise", "upgrade"]
    )
    def test_verbs_that_leave_it_where_it_is(self, verb: str) -> None:
        assert state_after(verb, "on_site") == "on_site"

    def test_the_rule_is_the_regime_engines(self) -> None:
        for verb in STAFF_VERBS:
            assert state_after(verb, "unchanged") == STATE_AFTER.get(verb, "unchanged")

    def test_unknown_regime_rules_know_the_common_roles_only(self) -> None:
        unknown = RegimeRules.unknown()
        check_action(Action("dispatch", to="engineering"), unknown, None)
        with pytest.raises(ActionRefused, match="no severity levels"):
            check_action(Action("upgrade", severity="major"), unknown, None)
