"""The access policy: a group never reaches another's data, the operator never sees
personal data, and a person holds a permission exactly where they hold one of its roles."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from tousu_shared.identity import OPERATOR, Decision, Grant, Principal, parse_grants, shipped_policy
from tousu_shared.identity.policy import Policy, PolicyError
from tousu_shared.regimes.model import ROLE_IDS

POLICY = shipped_policy()
ESTATES = ["estate-a", "estate-b", "estate-c"]
TENANTS = ["jinxiu-group", "other-group"]

grants = st.frozensets(
    st.builds(Grant, st.sampled_from(ROLE_IDS), st.sampled_from([*ESTATES, "*"])), max_size=4
)
people = st.builds(
    Principal,
    subject=st.sampled_from(["eng-07", "cs-02", "qm-01"]),
    kind=st.just("person"),
    tenant=st.sampled_from(TENANTS),
    grants=grants,
)


@given(who=people, permission=st.sampled_from(sorted(POLICY.permissions)), tenant=st.sampled_from(TENANTS))
def test_another_groups_resource_is_not_found_whatever_the_roles(
    who: Principal, permission: str, tenant: str
) -> None:
    for estate in [*ESTATES, None]:
        decision = POLICY.decide(who, permission, tenant, estate)
        if tenant != who.tenant:
            assert decision is Decision.NOT_FOUND


@given(who=people, permission=st.sampled_from(sorted(POLICY.permissions)), estate=st.sampled_from(ESTATES))
def test_a_person_holds_a_permission_exactly_where_they_hold_one_of_its_roles(
    who: Principal, permission: str, estate: str
) -> None:
    held = {g.role for g in who.grants if g.estate in (estate, "*")}
    allowed = POLICY.decide(who, permission, who.tenant, estate) is Decision.ALLOW
    assert allowed == bool(held & POLICY.roles_with(permission))
    scope = POLICY.estates(who, permission)
    assert allowed == (scope is None or estate in scope)


def test_the_operator_never_sees_personal_data_nor_the_audit_trail() -> None:
    for permission in ("contact.reveal", "audit.read"):
        assert POLICY.decide(OPERATOR, permission, "jinxiu-group", "estate-a") is Decision.FORBIDDEN
        assert POLICY.estates(OPERATOR, permission) == set()
    assert POLICY.decide(OPERATOR, "estate.admin", None, None) is Decision.ALLOW


def test_a_cleaner_reads_cases_but_never_a_residents_phone_number() -> None:
    cleaner = Principal("cl-3", "person", "jinxiu-group", parse_grants(["cleaning@estate-a"]))
    assert POLICY.decide(cleaner, "case.read", "jinxiu-group", "estate-a") is Decision.ALLOW
    assert POLICY.decide(cleaner, "contact.reveal", "jinxiu-group", "estate-a") is Decision.FORBIDDEN
    caller = Principal("cs-2", "person", "jinxiu-group", parse_grants(["customer_service@estate-a"]))
    assert POLICY.decide(caller, "contact.reveal", "jinxiu-group", "estate-a") is Decision.ALLOW
    assert POLICY.decide(caller, "contact.reveal", "jinxiu-group", "estate-b") is Decision.FORBIDDEN


def test_nobody_but_the_operator_administers_estates_and_channels() -> None:
    for permission in ("estate.admin", "channel.admin"):
        assert POLICY.roles_with(permission) == frozenset()


def test_a_policy_naming_an_unknown_role_or_permission_is_refused() -> None:
    with pytest.raises(PolicyError, match="unknown roles"):
        Policy.from_yaml("permissions:\n  case.read:\n    roles: [janitor]\n", ROLE_IDS)
    with pytest.raises(PolicyError, match="no permission"):
        POLICY.permission("case.delete")
    with pytest.raises(PolicyError, match="not YAML"):
        Policy.from_yaml("permissions: [", ROLE_IDS)
