"""Events of a case after triage: what staff and residents did, and what its clocks did.

**Case actions** (dispatch writes them on ``workorders.events``; callback writes
``CallbackRecorded`` on ``callbacks.events``) are the regime engine's verbs as facts: one
event type per verb, one payload shape (:class:`CaseAction`). The SLA monitor applies each
to the case's clocks at the event's ``occurred_at``.

**Clock events** (the SLA monitor writes them on ``sla.events``) say what the clocks and
escalation rules did: started, warned, breached, met, …; who was told; an automatic
upgrade; a change of the case's state that the rules decided (a satisfied callback closes
the case, a dissatisfied one reopens it or makes it a review item).
"""

from __future__ import annotations

from pydantic import AwareDatetime, Field

from tousu_shared.contracts.payload import Payload


class CaseAction(Payload):
    verb: str = Field(description="The regime engine's verb: dispatch, accept, onsite, resolve, …")
    work_order_id: str | None = None
    by: str | None = Field(default=None, description="Staff id of who did it")
    to: str | None = Field(default=None, description="dispatch/escalate: the role the case goes to")
    reason: str | None = None
    note: str | None = None
    due_at: AwareDatetime | None = Field(default=None, description="promise: the promised date")
    clock: str | None = Field(default=None, description="promise: which clock (all that allow it if absent)")
    severity: str | None = Field(default=None, description="upgrade: the new severity")
    satisfied: bool | None = Field(default=None, description="callback: was the resident satisfied")
    satisfaction: str | None = Field(
        default=None, description="callback: satisfied, basically_satisfied or dissatisfied"
    )
    score: int | None = Field(default=None, ge=1, le=5, description="callback: 1–5")
    confirmed: bool | None = Field(default=None, description="callback: the resident confirmed the result")
    channel: str | None = Field(default=None, description="callback: phone, visit or online_survey")
    comment: str | None = None
    background: str | None = Field(default=None, description="handover (004): what led to the complaint")
    expectation: str | None = Field(default=None, description="handover (004): what the resident expects")


class WorkOrderDispatched(CaseAction):
    pass


class WorkOrderAccepted(CaseAction):
    pass


class StaffOnSite(CaseAction):
    pass


class PlanSubmitted(CaseAction):
    pass


class ProgressReported(CaseAction):
    pass


class ReportedToManager(CaseAction):
    pass


class ResidentContacted(CaseAction):
    pass


class CaseEscalated(CaseAction):
    pass


class ClocksPaused(CaseAction):
    pass


class ClocksResumed(CaseAction):
    pass


class DatePromised(CaseAction):
    pass


class ComplaintResolved(CaseAction):
    pass


class ComplaintReopened(CaseAction):
    pass


class SeverityUpgraded(CaseAction):
    pass


class CaseClosed(CaseAction):
    pass


class ComplaintWithdrawn(CaseAction):
    pass


class CallbackRecorded(CaseAction):
    pass


class ComplaintRegistered(CaseAction):
    pass


#: verb → the event that records it (``received`` is ComplaintReceived, written by intake)
ACTION_EVENTS: dict[str, type[CaseAction]] = {
    "register": ComplaintRegistered,
    "dispatch": WorkOrderDispatched,
    "accept": WorkOrderAccepted,
    "onsite": StaffOnSite,
    "plan": PlanSubmitted,
    "progress": ProgressReported,
    "report": ReportedToManager,
    "contact": ResidentContacted,
    "escalate": CaseEscalated,
    "pause": ClocksPaused,
    "resume": ClocksResumed,
    "promise": DatePromised,
    "resolve": ComplaintResolved,
    "callback": CallbackRecorded,
    "reopen": ComplaintReopened,
    "upgrade": SeverityUpgraded,
    "close": CaseClosed,
    "withdraw": ComplaintWithdrawn,
}


class ClockEvent(Payload):
    clock: str = Field(description="The regime's clock name, e.g. onsite, reply, callback")
    status: str = Field(description="running, paused, met, breached or cancelled, after the change")
    target: str = Field(description="What the clock allows, e.g. '15 minutes', '3 working days'")
    started_at: AwareDatetime
    due_at: AwareDatetime
    stopped_at: AwareDatetime | None = None
    not_before: AwareDatetime | None = Field(
        default=None, description="The window's start, where the clock has one (002's major callback)"
    )
    owner: str | None = Field(default=None, description="The role that must act, where the regime says")
    department: str | None = Field(default=None, description="The case's department")


class ClockStarted(ClockEvent):
    pass


class ClockRestarted(ClockEvent):
    pass


class ClockRetargeted(ClockEvent):
    pass


class ClockWarning(ClockEvent):
    pass


class ClockBreached(ClockEvent):
    pass


class ClockMet(ClockEvent):
    pass


class ClockStoppedLate(ClockEvent):
    pass


class ClockCancelled(ClockEvent):
    pass


CLOCK_EVENTS: dict[str, type[ClockEvent]] = {
    cls.__name__: cls
    for cls in (
        ClockStarted,
        ClockRestarted,
        ClockRetargeted,
        ClockWarning,
        ClockBreached,
        ClockMet,
        ClockStoppedLate,
        ClockCancelled,
    )
}


class EscalationRaised(Payload):
    """The regime says this role must be told now (a breach, a major case, a group complaint…)."""

    to_role: str
    reason: str
    trigger: str = Field(description="breach, warning, classified, upgrade, dissatisfied or verb")
    clock: str | None = None
    department: str | None = None


class SeverityAutoUpgraded(Payload):
    """An upgrade rule fired (002: unresolved after a month → major)."""

    severity: str
    reason: str


class CaseStateChanged(Payload):
    """The rules moved the case: a callback closed it, reopened it or made it a review item."""

    state: str = Field(description="received, dispatched, …, resolved, reopened, closed, withdrawn")
    previous: str
    review_item: bool = False
    because: str = Field(description="What led to it: the verb (callback) or 'timer'")
    reason: str | None = Field(
        default=None, description="Why, in words: a dissatisfied resident's comment, 'resident satisfied', …"
    )
