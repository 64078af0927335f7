"""The regime schema: one property company's rulebook as data.

A regime file is YAML validated against :class:`Regime`. Every number a rulebook
leaves open ("X hours", a truncated "3") is a **parameter** with a default that an
operator can override per estate; clocks and rules refer to parameters by name.

Vocabulary shared with the clock engine:

- **verbs** are what happens to a case (``received``, ``dispatch``, ``onsite``,
  ``resolve``, …, see :data:`VERBS`); clocks start and stop on verbs.
- a **condition** (:class:`Condition`) matches a case's classification (urgency,
  severity, category, department, topic, channel, group complaint); every field given
  must match.
- a **clock** (:class:`ClockDef`) is identified by its name. A regime may define the
  same name several times with different conditions and targets (004's ``onsite``:
  15 minutes, but 5 for ``order``); the first definition whose condition matches the
  case applies. When a case's classification changes, a running clock is re-targeted
  to the definition that now matches, cancelled if none does, and a clock whose
  condition now matches starts.
"""

from __future__ import annotations

from typing import Annotated, Literal, get_args

from pydantic import BaseModel, ConfigDict, Field, model_validator

from tousu_shared.regimes.taxonomy import Signal

TimeUnit = Literal["minutes", "hours", "days", "working_days", "same_day"]

#: What can happen to a case. ``received`` is the complaint's arrival; the others are
#: actions of staff or residents (and ``upgrade``/``escalate`` of the rules themselves).
Verb = Literal[
    "received",
    "register",
    "dispatch",
    "accept",
    "onsite",
    "plan",
    "progress",
    "report",
    "contact",
    "escalate",
    "pause",
    "resume",
    "promise",
    "resolve",
    "callback",
    "reopen",
    "upgrade",
    "close",
    "withdraw",
]
VERBS: tuple[str, ...] = get_args(Verb)

#: The role ids of REGIMES.md; a regime may add its own in :attr:`Regime.roles`.
ROLE_IDS: tuple[str, ...] = (
    "receiver",
    "customer_service",
    "housekeeper",
    "engineering",
    "security",
    "cleaning",
    "greening",
    "finance",
    "station_head",
    "property_manager",
    "regional_supervisor",
    "quality_manager",
    "project_manager",
    "leadership_group",
    "legal_compliance",
    "quality_engineering_center",
    "developer_customer_service",
    "builder_project_team",
    "builder_maintenance_group",
    "line_leader",
    "general_manager",
)

Name = Annotated[str, Field(pattern=r"^[a-z][a-z0-9_]*$", max_length=64)]
Label = Annotated[str, Field(pattern=r"^[a-z][a-z0-9_-]*$", max_length=64)]


class Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class Parameter(Strict):
    """A number the rulebook leaves to the operator; ``unit`` makes it a duration."""

    default: float = Field(ge=0)
    unit: TimeUnit | None = None
    description: str


class Target(Strict):
    """A duration: a literal ``amount`` + ``unit``, or the name of a duration parameter.

    ``same_day`` needs no amount (due at 24:00 of the start's local day).
    ``working_days``: the start day is not counted; due at 24:00 of the N-th following
    working day (REGIMES.md "Time words").
    """

    param: Name | None = None
    amount: float | None = Field(default=None, ge=0)
    unit: TimeUnit | None = None

    @model_validator(mode="after")
    def _one_form(self) -> Target:
        if self.param is not None:
            if self.amount is not None or self.unit is not None:
                raise ValueError("give either 'param' or 'amount' and 'unit', not both")
        elif self.unit is None:
            raise ValueError("give 'param', or 'unit' (with 'amount' unless the unit is same_day)")
        elif self.unit != "same_day" and self.amount is None:
            raise ValueError(f"unit {self.unit} needs an 'amount'")
        return self


class Condition(Strict):
    """Matches a case's classification; every field that is given must match."""

    urgency: list[Label] | None = None
    severity: list[Label] | None = None
    category: list[Label] | None = None
    not_category: list[Label] | None = None
    department: list[Label] | None = None
    not_department: list[Label] | None = None
    topic: list[Label] | None = None
    channel: list[Label] | None = None
    group: bool | None = None
    media: bool | None = None
    signatories_at_least: Name | None = Field(
        default=None, description="a number parameter: the complaint has at least that many signatories"
    )


class TopicRule(Strict):
    """How this regime files a fine-grained topic (elevator, water_leak, …)."""

    category: Label
    department: Label
    urgency: Label | None = None
    severity: Label | None = None


class LevelRule(Strict):
    """Sets severity or urgency when the case matches; the first matching rule wins."""

    level: Label
    topics: list[Label] | None = None
    signals: list[Signal] | None = Field(
        default=None, description="any of these text signals read by triage (see taxonomy)"
    )
    signatories_at_least: Name | None = Field(default=None, description="a number parameter")
    group: bool | None = None
    media: bool | None = None


class Department(Strict):
    name: str
    role: Name


class ClockDef(Strict):
    name: Name
    description: str
    when: Condition = Condition()
    start_on: Verb = "received"
    start_to: list[Name] | None = Field(
        default=None,
        description=(
            "for start_on escalate/dispatch: start only when the case goes to one of these roles "
            "(003: escalated to quality_engineering_center, dispatched to builder_project_team)"
        ),
    )
    stop_on: list[Verb] = Field(min_length=1)
    stop_to: list[Name] | None = Field(
        default=None,
        description=(
            "escalate/dispatch in stop_on count only when the case goes to one of these roles "
            "(003: the property fix stops when escalated to quality_engineering_center)"
        ),
    )
    target: Target
    not_before: Target | None = Field(default=None, description="a window: not met before this")
    pausable: bool = True
    warning_at: float = Field(default=0.8, gt=0, lt=1, description="share of the target elapsed")
    promise_allowed: bool = Field(default=False, description="a promised date may replace the due time")
    owner: Name | None = Field(
        default=None,
        description="the role that must act to stop the clock (002: the station head's major callback)",
    )
    restart_on: list[Verb] = Field(
        default_factory=list,
        description="a recurring duty: each of these verbs meets the current period and starts the next "
        "(004: a progress update every day while the case is open)",
    )


EscalationTrigger = Literal["breach", "warning", "classified", "upgrade", "dissatisfied", "verb"]


class EscalationRule(Strict):
    """Who is told, when: a clock breached or warned, a case classified or upgraded, …"""

    on: EscalationTrigger
    clocks: list[Name] | None = Field(
        default=None, description="for breach/warning: which clocks (all if absent)"
    )
    verb: Verb | None = Field(default=None, description="for on: verb")
    repeat: Name | None = Field(
        default=None,
        description="for on: dissatisfied: a number parameter n; the rule applies from the case's "
        "n-th dissatisfied callback on (repeated dissatisfaction)",
    )
    when: Condition = Condition()
    to: Name = Field(description="a role id of REGIMES.md (or one this regime adds)")
    reason: str


def _terminal_verbs() -> list[Verb]:
    return ["resolve", "close", "withdraw"]


class UpgradeRule(Strict):
    """Changes a case's severity automatically, e.g. 002: unresolved after 1 month → major."""

    after: Target
    unless: list[Verb] = Field(default_factory=_terminal_verbs)
    when: Condition = Condition()
    set_severity: Label
    reason: str


class Retries(Strict):
    attempts: int = Field(ge=0)
    interval: Target


class CallbackPolicy(Strict):
    by: Name = Field(description="a role id, or 'receiver' for whoever accepted the complaint")
    channels: list[Literal["phone", "visit", "online_survey"]] = Field(min_length=1)
    clock: Name = Field(description="the clock whose window the callback must meet")
    retries: Retries
    form: str | None = None
    on_dissatisfied: Literal["reopen", "review_item"] = "reopen"


class RejectionReason(Strict):
    id: Name
    name: str
    message: str = Field(description="what the complainant is told")


class Retention(Strict):
    years: Name = Field(description="a number parameter: how long case files are kept")


class WarrantyRule(Strict):
    """003: a builder's repair goes to one team within the warranty from the building's
    completion acceptance, to another after it. Staff dispatch ``to: <dispatch_as>`` and
    dispatch picks the team from the estate's completion dates."""

    dispatch_as: Name = Field(default="builder_team", description="the 'to' that lets the rule decide")
    years: Name = Field(description="a number parameter: the warranty's length in years")
    within: Name = Field(description="the role a repair within the warranty goes to")
    after: Name = Field(description="the role a repair after the warranty goes to")


class HandoverRule(Strict):
    """004: the department is handed the complaint with its background and the resident's
    expectation (诉求+背景+业主期望); a ``verb`` without them is refused."""

    verb: Verb = "dispatch"
    fields: list[Literal["background", "expectation"]] = Field(min_length=1)


class Regime(Strict):
    id: Label
    version: int = Field(ge=1)
    name: str
    source: str
    timezone: str = "Asia/Shanghai"
    roles: dict[Name, str] = Field(
        default_factory=dict, description="role ids this regime adds to ROLE_IDS, with what each is"
    )
    parameters: dict[Name, Parameter] = Field(default_factory=dict)
    categories: list[Label] = Field(min_length=1)
    urgency_levels: list[Label] | None = None
    severity_levels: list[Label] | None = None
    default_urgency: Label | None = None
    default_severity: Label | None = None
    departments: dict[Label, Department]
    topics: dict[Label, TopicRule] = Field(description="topic → category/department; 'other' is required")
    severity_rules: list[LevelRule] = Field(default_factory=list)
    urgency_rules: list[LevelRule] = Field(default_factory=list)
    clocks: list[ClockDef] = Field(default_factory=list)
    escalations: list[EscalationRule] = Field(default_factory=list)
    upgrades: list[UpgradeRule] = Field(default_factory=list)
    callback: CallbackPolicy
    plan_approval: Name | None = Field(default=None, description="role that approves a plan (001)")
    warranty: WarrantyRule | None = None
    handover: HandoverRule | None = None
    rejection_reasons: list[RejectionReason] = Field(default_factory=list)
    retention: Retention
    reports: list[Name] = Field(default_factory=list)

    @property
    def ref(self) -> str:
        return f"{self.id}@{self.version}"
