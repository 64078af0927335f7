"""Who takes a work order: shifts (across midnight), on-call, skills, load and turn."""

from __future__ import annotations

from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from hypothesis import given
from hypothesis import strategies as st
from pydantic import ValidationError

from tousu_dispatch.domain.roster import Roster, choose, on_duty

LIFT = "elevator_entrapment"
WEEKEND = {"start": "2026-09-19T00:00:00+08:00", "end": "2026-09-21T00:00:00+08:00"}
ENGINEERS = ["eng-01", "eng-02", "eng-03", "eng-09", "eng-10"]
MON_10 = datetime.fromisoformat("2026-09-14T10:00:00+08:00")  # a Monday


def roster(strategy: str = "least_loaded") -> Roster:
    day = [{"days": ["mon", "tue", "wed", "thu", "fri"], "start": "08:00", "end": "18:00"}]
    night = [{"days": ["mon", "tue", "wed", "thu", "fri", "sat", "sun"], "start": "22:00", "end": "06:00"}]
    return Roster.model_validate(
        {
            "strategy": strategy,
            "teams": [
                {
                    "team_id": "eng-day",
                    "department": "engineering",
                    "members": [
                        {
                            "staff_id": "eng-01",
                            "name": "张工",
                            "skills": ["elevator_entrapment"],
                            "shifts": day,
                        },
                        {"staff_id": "eng-02", "name": "李工", "shifts": day},
                        {"staff_id": "eng-03", "name": "王工", "shifts": day},
                    ],
                },
                {
                    "team_id": "eng-night",
                    "department": "engineering",
                    "skills": ["pipe_burst"],
                    "members": [
                        {"staff_id": "eng-09", "name": "赵工", "shifts": night},
                        {
                            "staff_id": "eng-10",
                            "name": "钱工",
                            "on_call": [
                                {"start": "2026-09-19T00:00:00+08:00", "end": "2026-09-21T00:00:00+08:00"}
                            ],
                        },
                    ],
                },
                {
                    "team_id": "cs",
                    "department": "customer_service",
                    "members": [{"staff_id": "cs-1", "name": "周"}],
                },
            ],
        }
    )


def test_on_shift_skilled_and_least_loaded() -> None:
    r = roster()
    assert choose(r, "engineering", LIFT, MON_10, {}, {}).staff_id == "eng-01"  # type: ignore[union-attr]
    picked = choose(r, "engineering", "water_leak", MON_10, {"eng-01": 3, "eng-02": 1, "eng-03": 2}, {})
    assert picked is not None and (picked.staff_id, picked.team_id) == ("eng-02", "eng-day")
    assert picked.reason == "on shift, least loaded (1 open)"


def test_a_night_shift_runs_past_midnight_and_on_call_covers_the_weekend() -> None:
    r = roster()
    assert choose(r, "engineering", None, MON_10.replace(hour=23), {}, {}).staff_id == "eng-09"  # type: ignore[union-attr]
    tuesday_3am = MON_10 + timedelta(hours=17)
    assert choose(r, "engineering", None, tuesday_3am, {}, {}).staff_id == "eng-09"  # type: ignore[union-attr]
    saturday_noon = MON_10 + timedelta(days=5, hours=2)
    picked = choose(r, "engineering", None, saturday_noon, {}, {})
    assert picked is not None and picked.staff_id == "eng-10" and picked.reason.startswith("on call")
    assert choose(r, "customer_service", None, MON_10, {}, {}) is None  # nobody with a shift: the queue
    assert on_duty(r, "eng-10", saturday_noon) and not on_duty(r, "eng-10", MON_10)


def test_round_robin_takes_turns() -> None:
    r = roster("round_robin")
    last = {"eng-01": MON_10 - timedelta(minutes=5), "eng-02": MON_10 - timedelta(minutes=9)}
    assert choose(r, "engineering", None, MON_10, {}, last).staff_id == "eng-03"  # type: ignore[union-attr]
    last["eng-03"] = MON_10
    assert choose(r, "engineering", None, MON_10, {}, last).staff_id == "eng-02"  # type: ignore[union-attr]


def _on_shift(r: Roster, staff_id: str, at: datetime) -> bool:
    found = r.member(staff_id)
    local = at.astimezone(ZoneInfo(r.timezone))
    return found is not None and any(shift.covers(local) for shift in found[1].shifts)


@given(
    minutes=st.integers(min_value=0, max_value=7 * 24 * 60 - 1),
    loads=st.dictionaries(
        st.sampled_from(["eng-01", "eng-02", "eng-03", "eng-09", "eng-10"]), st.integers(0, 9)
    ),
)
def test_the_choice_is_on_duty_and_never_busier_than_a_peer(minutes: int, loads: dict[str, int]) -> None:
    r = roster()
    at = MON_10 + timedelta(minutes=minutes)
    picked = choose(r, "engineering", None, at, loads, {})
    engineers = [m.staff_id for t in r.teams if t.department == "engineering" for m in t.members]
    on = [s for s in engineers if on_duty(r, s, at)]
    if picked is None:
        assert on == []
        return
    assert picked.staff_id in on
    # on shift beats on call; within the same kind of duty, the fewest open work orders win
    peers = [s for s in on if _on_shift(r, s, at) == _on_shift(r, picked.staff_id, at)]
    assert _on_shift(r, picked.staff_id, at) or not any(_on_shift(r, s, at) for s in on)
    assert loads.get(picked.staff_id, 0) == min(loads.get(s, 0) for s in peers)


@pytest.mark.parametrize(
    "change, message",
    [
        ({"timezone": "Mars/Olympus"}, "unknown time zone"),
        ({"teams": []}, "at least 1"),
        ({"strategy": "random"}, "least_loaded"),
    ],
)
def test_bad_rosters_say_what_is_wrong(change: dict[str, object], message: str) -> None:
    data = roster().model_dump(mode="json") | change
    with pytest.raises(ValidationError, match=message):
        Roster.model_validate(data)


def test_a_shift_of_no_length_and_a_member_twice_are_refused() -> None:
    data = roster().model_dump(mode="json")
    data["teams"][0]["members"][0]["shifts"] = [{"days": ["mon"], "start": "08:00", "end": "08:00"}]
    with pytest.raises(ValidationError, match="same time"):
        Roster.model_validate(data)
    data = roster().model_dump(mode="json")
    data["teams"][0]["members"].append(data["teams"][0]["members"][0])
    with pytest.raises(ValidationError, match="twice"):
        Roster.model_validate(data)
