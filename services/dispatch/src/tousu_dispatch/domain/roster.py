"""Who takes a work order: an estate's teams, their people, shifts and on-call, and the rule.

A roster is data an operator uploads per estate. Choosing, for a work order of a
department and topic at an instant:

1. the people of the estate's teams of that department;
2. those on shift then (the estate's local time; a shift may run past midnight), else
   those on call then; nobody → the work order waits unassigned in the department queue;
3. among them, those whose skills (their own or their team's) include the topic, if any;
4. ``least_loaded``: fewest open work orders, then longest since their last assignment;
   ``round_robin``: longest since their last assignment; ties by staff id, so the choice
   is the same on every replica.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import UTC, date, datetime, time
from typing import Literal
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from pydantic import AwareDatetime, BaseModel, ConfigDict, Field, field_validator, model_validator

Weekday = Literal["mon", "tue", "wed", "thu", "fri", "sat", "sun"]
WEEKDAYS: tuple[str, ...] = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")
Id = Field(min_length=1, max_length=64, pattern=r"^[A-Za-z0-9][A-Za-z0-9_.-]*$")
_NEVER = datetime(1970, 1, 1, tzinfo=UTC)


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class Shift(_Strict):
    days: list[Weekday] = Field(min_length=1, description="Days the shift starts on")
    start: time
    end: time = Field(description="Before start: the shift ends the next day")

    @model_validator(mode="after")
    def _not_empty(self) -> Shift:
        if self.start == self.end:
            raise ValueError("a shift's start and end are the same time")
        return self

    def covers(self, local: datetime) -> bool:
        clock = local.time().replace(tzinfo=None)
        day = WEEKDAYS[local.weekday()]
        yesterday = WEEKDAYS[(local.weekday() - 1) % 7]
        if self.start < self.end:
            return day in self.days and self.start <= clock < self.end
        return (day in self.days and clock >= self.start) or (yesterday in self.days and clock < self.end)


class OnCall(_Strict):
    start: AwareDatetime
    end: AwareDatetime

    @model_validator(mode="after")
    def _ordered(self) -> OnCall:
        if self.end <= self.start:
            raise ValueError("an on-call window ends after it starts")
        return self


class Member(_Strict):
    staff_id: str = Id
    name: str = Field(min_length=1, max_length=100)
    skills: list[str] = Field(default_factory=list, description="Topics this person handles best")
    shifts: list[Shift] = Field(default_factory=list)
    on_call: list[OnCall] = Field(default_factory=list)


class Team(_Strict):
    team_id: str = Id
    department: str = Field(min_length=1, max_length=64, description="The regime's department id")
    skills: list[str] = Field(default_factory=list)
    members: list[Member] = Field(min_length=1)


class Roster(_Strict):
    timezone: str = "Asia/Shanghai"
    strategy: Literal["least_loaded", "round_robin"] = "least_loaded"
    teams: list[Team] = Field(min_length=1)
    contacts: dict[str, list[str]] = Field(
        default_factory=dict,
        description="Who is told when an escalation goes to a role: role id → staff ids "
        "(station_head, regional_supervisor, leadership_group, …)",
    )
    completion_accepted_on: date | None = Field(
        default=None,
        description="The estate's completion acceptance (竣工验收) date: 003 sends a builder's "
        "repair within the warranty to the project team, after it to the maintenance group",
    )
    buildings: dict[str, date] = Field(
        default_factory=dict, description="Buildings accepted on another date than the estate: name → date"
    )

    @field_validator("timezone")
    @classmethod
    def _known_zone(cls, value: str) -> str:
        try:
            ZoneInfo(value)
        except (ZoneInfoNotFoundError, ValueError):
            raise ValueError(f"unknown time zone {value!r}") from None
        return value

    @model_validator(mode="after")
    def _unique_ids(self) -> Roster:
        teams = [t.team_id for t in self.teams]
        if len(set(teams)) != len(teams):
            raise ValueError("team ids must be unique")
        for team in self.teams:
            people = [m.staff_id for m in team.members]
            if len(set(people)) != len(people):
                raise ValueError(f"team {team.team_id} lists a member twice")
        return self

    def member(self, staff_id: str, department: str | None = None) -> tuple[Team, Member] | None:
        for team in self.teams:
            if department is not None and team.department != department:
                continue
            for member in team.members:
                if member.staff_id == staff_id:
                    return team, member
        return None


@dataclass(frozen=True)
class Choice:
    staff_id: str
    team_id: str
    reason: str


def choose(
    roster: Roster,
    department: str,
    topic: str | None,
    at: datetime,
    loads: Mapping[str, int],
    last_assigned: Mapping[str, datetime],
) -> Choice | None:
    """The person to assign, with why; None when nobody of the department is on duty."""
    local = at.astimezone(ZoneInfo(roster.timezone))
    people = [(t, m) for t in roster.teams if t.department == department for m in t.members]
    on_shift = [(t, m) for t, m in people if _on_shift(m, local)]
    on_call = [(t, m) for t, m in people if _on_call(m, at)]
    duty, why = (on_shift, "on shift") if on_shift else (on_call, "on call")
    if not duty:
        return None
    skilled = [(t, m) for t, m in duty if topic and topic in {*m.skills, *t.skills}]
    if skilled:
        duty, why = skilled, f"{why}, handles {topic}"

    def since(m: Member) -> datetime:
        return last_assigned.get(m.staff_id, _NEVER)

    if roster.strategy == "least_loaded":
        team, member = min(duty, key=lambda tm: (loads.get(tm[1].staff_id, 0), since(tm[1]), tm[1].staff_id))
        why = f"{why}, least loaded ({loads.get(member.staff_id, 0)} open)"
    else:
        team, member = min(duty, key=lambda tm: (since(tm[1]), tm[1].staff_id))
        why = f"{why}, next in turn"
    return Choice(member.staff_id, team.team_id, why)


def on_duty(roster: Roster, staff_id: str, at: datetime) -> bool:
    """Is this person on shift or on call at ``at`` (a staff-chosen assignment notes it)."""
    found = roster.member(staff_id)
    if found is None:
        return False
    local = at.astimezone(ZoneInfo(roster.timezone))
    return _on_shift(found[1], local) or _on_call(found[1], at)


def _on_shift(member: Member, local: datetime) -> bool:
    return any(shift.covers(local) for shift in member.shifts)


def _on_call(member: Member, at: datetime) -> bool:
    return any(window.start <= at < window.end for window in member.on_call)


def people_for(roster: Roster, role: str, at: datetime) -> list[str]:
    """Who an escalation to ``role`` reaches: the role's contacts, else the people on duty of
    the department of that role (the shipped regimes name each department after its role)."""
    if contacts := roster.contacts.get(role):
        return list(contacts)
    return [
        m.staff_id
        for t in roster.teams
        if t.department == role
        for m in t.members
        if on_duty(roster, m.staff_id, at)
    ]
