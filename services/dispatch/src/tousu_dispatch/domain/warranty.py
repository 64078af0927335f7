"""003's warranty test: a builder's repair goes to the project team within the warranty from
the building's completion acceptance (竣工验收), to the maintenance group after it.

Pure: the dispatch API passes the regime's rule, the estate's completion dates (from its
roster document) and the instant the complaint was received.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, replace
from datetime import date, datetime
from zoneinfo import ZoneInfo

from tousu_dispatch.domain.refused import ActionRefused


@dataclass(frozen=True)
class Warranty:
    """The regime's rule with its parameter resolved for the estate."""

    dispatch_as: str  #: the ``to`` staff give when the rule should pick the team
    years: int
    within: str
    after: str
    timezone: str = "Asia/Shanghai"
    #: the regime parameter ``years`` came from, which an estate may set to its own value
    years_param: str | None = None

    def for_estate(self, parameters: Mapping[str, float]) -> Warranty:
        if self.years_param is None or self.years_param not in parameters:
            return self
        return replace(self, years=int(parameters[self.years_param]))


@dataclass(frozen=True)
class Completion:
    """An estate's completion acceptance dates: the whole estate's, and buildings' own."""

    estate: date | None = None
    buildings: tuple[tuple[str, date], ...] = ()

    def of(self, building: str | None) -> tuple[str | None, date | None]:
        """The date that applies: the named building's own, else the estate's."""
        named = dict(self.buildings)
        if building in named:
            return building, named[building]
        if building and self.estate is None:
            known = ", ".join(named) or "none"
            raise ActionRefused(
                "invalid", f"the roster has no completion date for building {building!r} (known: {known})"
            )
        return None, self.estate


def builder_team(
    rule: Warranty, to: str, completion: Completion, received_at: datetime, building: str | None = None
) -> tuple[str, str | None]:
    """The role a dispatch goes to and, when the rule decided it, why (recorded as its reason).

    ``to`` other than the rule's alias is left alone: staff may name a team themselves (a
    special agreement with the owner is recorded in the action's reason)."""
    if to != rule.dispatch_as:
        return to, None
    name, accepted = completion.of(building)
    if accepted is None:
        raise ActionRefused(
            "invalid",
            f"'{rule.dispatch_as}' picks {rule.within} or {rule.after} by the building's completion "
            "acceptance date, and the estate's roster records none: set completion_accepted_on "
            f"(or buildings) in the roster, or dispatch to {rule.within} or {rule.after} directly",
        )
    received_on = received_at.astimezone(ZoneInfo(rule.timezone)).date()
    ends = _add_years(accepted, rule.years)
    where = f"building {name}" if name else "the estate"
    if received_on < ends:
        return rule.within, (
            f"within the {rule.years}-year warranty: {where} accepted on {accepted}, "
            f"complaint received {received_on} (warranty ends {ends})"
        )
    return rule.after, (
        f"after the {rule.years}-year warranty: {where} accepted on {accepted}, "
        f"complaint received {received_on} (warranty ended {ends})"
    )


def _add_years(day: date, years: int) -> date:
    try:
        return day.replace(year=day.year + years)
    except ValueError:  # 29 February into a year without it
        return day.replace(year=day.year + years, day=28)
