"""003's warranty test: within a year of completion acceptance → project team, else maintenance."""

from __future__ import annotations

from datetime import date, datetime, timedelta

import pytest
from hypothesis import given
from hypothesis import strategies as st

from tousu_dispatch.domain.actions import ActionRefused
from tousu_dispatch.domain.warranty import Completion, Warranty, builder_team

RULE = Warranty(
    dispatch_as="builder_team", years=1, within="builder_project_team", after="builder_maintenance_group"
)
CST = "+08:00"


def _at(day: str, clock: str = "10:00") -> datetime:
    return datetime.fromisoformat(f"{day}T{clock}:00{CST}")


def test_within_the_year_goes_to_the_project_team_and_says_why() -> None:
    to, reason = builder_team(RULE, "builder_team", Completion(date(2025, 6, 30)), _at("2026-03-02"))
    assert to == "builder_project_team"
    assert reason == (
        "within the 1-year warranty: the estate accepted on 2025-06-30, "
        "complaint received 2026-03-02 (warranty ends 2026-06-30)"
    )


def test_the_anniversary_itself_is_after_the_warranty() -> None:
    to, _ = builder_team(RULE, "builder_team", Completion(date(2025, 6, 30)), _at("2026-06-30", "00:30"))
    assert to == "builder_maintenance_group"
    to, _ = builder_team(RULE, "builder_team", Completion(date(2025, 6, 30)), _at("2026-06-29", "23:59"))
    assert to == "builder_project_team"


def test_the_day_is_the_estates_local_day_not_utc() -> None:
    # 2026-06-29 20:00 UTC is already 30 June in Shanghai: the warranty has ended
    received = datetime.fromisoformat("2026-06-29T20:00:00+00:00")
    assert (
        builder_team(RULE, "builder_team", Completion(date(2025, 6, 30)), received)[0]
        == "builder_maintenance_group"
    )


def test_a_building_accepted_later_has_its_own_warranty() -> None:
    completion = Completion(date(2024, 5, 1), (("9栋", date(2025, 12, 1)),))
    to, reason = builder_team(RULE, "builder_team", completion, _at("2026-03-02"), building="9栋")
    assert to == "builder_project_team" and "building 9栋 accepted on 2025-12-01" in (reason or "")
    assert builder_team(RULE, "builder_team", completion, _at("2026-03-02"), building="3栋")[0] == (
        "builder_maintenance_group"  # not listed: the estate's date
    )


def test_a_named_team_is_left_as_given() -> None:
    assert builder_team(RULE, "builder_maintenance_group", Completion(), _at("2026-03-02")) == (
        "builder_maintenance_group",
        None,
    )


def test_no_completion_date_is_a_clear_refusal() -> None:
    with pytest.raises(ActionRefused, match="records none: set completion_accepted_on"):
        builder_team(RULE, "builder_team", Completion(), _at("2026-03-02"))
    with pytest.raises(ActionRefused, match="no completion date for building '3栋'"):
        builder_team(
            RULE, "builder_team", Completion(buildings=(("9栋", date(2025, 1, 1)),)), _at("2026-03-02"), "3栋"
        )


def test_29_february_acceptance_ends_on_28_february() -> None:
    to, reason = builder_team(RULE, "builder_team", Completion(date(2024, 2, 29)), _at("2025-02-28"))
    assert to == "builder_maintenance_group" and "warranty ended 2025-02-28" in (reason or "")


@given(
    accepted=st.dates(min_value=date(2000, 1, 1), max_value=date(2090, 1, 1)),
    offset=st.integers(min_value=-400, max_value=800),
    years=st.integers(min_value=1, max_value=5),
)
def test_the_team_follows_the_received_day_against_the_anniversary(
    accepted: date, offset: int, years: int
) -> None:
    rule = Warranty("builder_team", years, "builder_project_team", "builder_maintenance_group")
    received_day = accepted + timedelta(days=offset)
    to, _ = builder_team(rule, "builder_team", Completion(accepted), _at(received_day.isoformat()))
    try:
        anniversary = accepted.replace(year=accepted.year + years)
    except ValueError:
        anniversary = accepted.replace(year=accepted.year + years, day=28)
    assert (to == "builder_project_team") == (received_day < anniversary)
