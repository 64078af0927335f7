"""Event payloads, registered by ``(type, schema_version)``.

Schemas evolve compatibly: add optional fields. A breaking change is a new
``schema_version`` registered beside the old one, so consumers accept both.
"""

from __future__ import annotations

from enum import StrEnum
from typing import Annotated, Any

from pydantic import AwareDatetime, BaseModel, ConfigDict, Field

from tousu_shared.contracts import case_events
from tousu_shared.contracts.payload import Payload

#: a parameter value: a count, or a duration in its parameter's unit
NonNegative = Annotated[float, Field(ge=0)]


class Channel(StrEnum):
    phone = "phone"
    onsite = "onsite"
    letter = "letter"
    fax = "fax"
    email = "email"
    app = "app"
    wechat = "wechat"
    owner_group = "owner_group"
    web = "web"


class MaskedContact(BaseModel):
    model_config = ConfigDict(frozen=True)

    name: str | None = Field(default=None, description="Family name only, e.g. 张**")
    phone: str | None = Field(
        default=None, description="Masked, e.g. 138****5678; the clear number stays in intake"
    )


class EvidenceRef(BaseModel):
    """An attachment the complainant sent; its content stays in intake."""

    model_config = ConfigDict(frozen=True)

    evidence_id: str
    filename: str
    content_type: str
    size: int = Field(ge=0)
    sha256: str


class ComplaintReceived(Payload):
    regime: str = Field(description="Regime id the estate runs, e.g. community-standard")
    parameters: dict[str, float] = Field(
        default_factory=dict,
        description="The estate's values for the regime's parameters (the rest: defaults)",
    )
    channel: Channel
    text: str = Field(description="As said, with phone numbers masked")
    room: str | None = None
    contact: MaskedContact
    received_at: AwareDatetime
    source_message_id: str | None = None
    location: str | None = Field(default=None, description="Where it happens")
    persons_involved: str | None = None
    occurred_at: AwareDatetime | None = Field(default=None, description="When it happened, if said")
    evidence: list[EvidenceRef] = Field(default_factory=list)
    contact_ref: str | None = Field(default=None, description="The contact in intake's vault")
    account_id: str | None = Field(default=None, description="The channel account it came through")
    registered_by: str | None = Field(default=None, description="Staff id of the registering clerk")
    confirmed: bool = Field(default=False, description="The complainant confirmed the read-back")


class ComplaintTriaged(Payload):
    regime: str
    parameters: dict[str, float] = Field(
        default_factory=dict,
        description="The estate's values for the regime's parameters (the rest: defaults)",
    )
    revision: int = Field(default=1, ge=1, description="2, 3 … when a clarification was read again")
    regime_version: int | None = Field(default=None, description="the regime version the case runs under")
    topic: str = Field(description="Fine-grained topic, e.g. elevator, water_leak")
    category: str
    urgency: str | None = None
    severity: str | None = None
    department: str
    confidence: float = Field(ge=0, le=1)
    reasons: list[str] = Field(default_factory=list)
    classifier: str = Field(description="Which classifier decided, with its version")
    signals: list[str] = Field(
        default_factory=list, description="What the text says beyond its topic: danger, repeated, group, …"
    )
    group: bool = Field(default=False, description="A group complaint (signatories or collective action)")
    signatories: int | None = Field(default=None, description="Households or people the text says joined in")
    needs_clarification: bool = Field(
        default=False, description="Too vague or unsure to act on: ask the resident first"
    )
    questions: list[str] = Field(default_factory=list, description="What a clerk would ask to clarify")
    channel: Channel | None = Field(default=None, description="How the complaint came in")
    received_at: AwareDatetime | None = Field(default=None, description="When intake received it")


class ComplaintRejected(Payload):
    """不予受理: recorded and reportable; the complainant is told why (the regime's message)."""

    regime: str
    reason: str = Field(description="The regime's rejection reason id, e.g. no_facts_or_contact")
    reason_name: str
    message: str = Field(description="What the complainant is told")
    decided_by: str = Field(description="'intake' when automatic, else the staff id")
    note: str | None = None
    channel: Channel | None = None
    room: str | None = None
    received_at: AwareDatetime | None = None


class ComplaintRepeated(Payload):
    """The same household complained again about the same matter, with no new facts.

    Sent on the earlier complaint's stream: the new message is linked to it, not a new case.
    """

    regime: str
    repeat_id: str = Field(description="intake's id of the new message")
    channel: Channel
    text: str = Field(description="As said, phone numbers masked")
    received_at: AwareDatetime
    similarity: float = Field(ge=0, le=1, description="share of the new text already in the earlier one")


class ComplaintClarified(Payload):
    """The complainant answered the clarification questions: triage reads the case again."""

    regime: str
    parameters: dict[str, float] = Field(
        default_factory=dict,
        description="The estate's values for the regime's parameters (the rest: defaults)",
    )
    questions: list[str] = Field(default_factory=list)
    answer: str = Field(description="As said, phone numbers masked")
    text: str = Field(description="The original complaint text, masked, to read together with the answer")
    channel: Channel
    received_at: AwareDatetime


class ReplyRequested(Payload):
    """A message for the complainant, delivered by the channel it came through.

    No address: the channel deployment resolves ``contact_ref`` in intake's vault.
    """

    account_id: str
    kind: str = Field(description="received, rejected, clarify, update or survey (callback's link)")
    text: str
    questions: list[str] = Field(default_factory=list)
    contact_ref: str
    in_reply_to: str | None = Field(
        default=None, description="The complainant's message this answers (its channel's id: a Message-ID)"
    )


class WorkOrderCreated(Payload):
    work_order_id: str
    department: str
    category: str
    status: str = "open"
    regime: str | None = Field(default=None, description="The regime the case runs under, id@version")
    topic: str | None = None
    level: str | None = Field(default=None, description="The case's urgency or severity")
    parameters: dict[str, float] = Field(
        default_factory=dict, description="The estate's values for the regime's parameters"
    )


class WorkOrderAssigned(Payload):
    """A person of the department's roster takes the work order (automatically or by staff)."""

    work_order_id: str
    staff_id: str
    team_id: str
    reason: str = Field(description="Why this person: on shift, handles the topic, least loaded, …")
    by: str | None = Field(default=None, description="Staff id of who reassigned it; None when automatic")
    previous: str | None = Field(default=None, description="Who had it before")


class EscalationNotified(Payload):
    """Who dispatch told of an escalation the regime raised, and when (the envelope's time)."""

    to_role: str
    people: list[str] = Field(description="Staff ids told; empty when the estate's roster names nobody")
    reason: str
    trigger: str
    clock: str | None = None
    escalation_event_id: str = Field(description="The sla.events EscalationRaised this answers")


class ApprovalRequested(Payload):
    """A plan (001) or a compensation (003) waits for a second person's decision."""

    approval_id: str
    work_order_id: str
    kind: str = Field(description="plan or compensation")
    approver_role: str | None = Field(default=None, description="The role the regime names, if any")
    requested_by: str
    subject: dict[str, Any] = Field(description="The plan (note, due_at) or compensation (kind, amount, …)")


class ApprovalDecided(Payload):
    approval_id: str
    work_order_id: str
    kind: str
    approved: bool
    decided_by: str
    note: str | None = None


class AuditRecorded(Payload):
    """Who did what to a case, or saw which personal data, with which credential: written in
    the same transaction as the act, on the acting service's own ``audit.<service>`` topic."""

    service: str = Field(description="The service that was asked")
    action: str = Field(description="What was done: the permission used, and its verb (workorder.act:onsite)")
    actor: str = Field(description="Who: the person's subject, or 'operator'")
    actor_kind: str = Field(description="person or operator")
    actor_issuer: str | None = Field(default=None, description="The identity provider that vouched for them")
    acting_for: str | None = Field(default=None, description="The staff id the operator acted for")
    detail: dict[str, Any] = Field(
        default_factory=dict, description="What was touched (never the data shown)"
    )
    caused_event_id: str | None = Field(default=None, description="The event the act produced, if any")


class CallbackTaskOpened(Payload):
    """A callback is due: who calls the resident back, by which channel, in which window."""

    task_id: str
    work_order_id: str
    round: int = Field(ge=1, description="1, then 2, … after each reopening")
    assignee_role: str = Field(description="The role the regime names, or 'receiver'")
    assignee: str | None = Field(default=None, description="Staff id, when the regime names a person")
    channels: list[str]
    not_before: AwareDatetime | None = None
    due_at: AwareDatetime
    attempts_allowed: int = Field(ge=1)


class CallbackAttempted(Payload):
    """A callback that did not reach the resident; ``unreachable`` on the last one allowed."""

    task_id: str
    attempt: int = Field(ge=1)
    outcome: str = Field(description="no_answer, busy, wrong_number or declined")
    channel: str
    by: str
    next_attempt_at: AwareDatetime | None = Field(default=None, description="When to try again, if at all")
    unreachable: bool = Field(default=False, description="The final outcome: no attempt is left")


class CaseReviewed(Payload):
    """A manager's review of a case (archive): was the complaint found true (投诉属实), and
    against which staff members; it feeds the staff ladder (002 篇2). A later review replaces
    an earlier one, both stay in the timeline."""

    substantiated: bool
    staff: list[str] = Field(default_factory=list, description="Staff ids it was found true against")
    note: str | None = None
    by: str = Field(description="Who reviewed it")


class CaseCorrected(Payload):
    """A correction of a case file's classification after the fact: a new entry, the timeline
    keeps what was filed before (archive)."""

    field: str = Field(description="topic, category, department or room")
    value: str
    previous: str | None = None
    reason: str
    by: str


class LegalHoldChanged(Payload):
    """A case put on legal hold (its file is kept past retention) or released (archive)."""

    hold: bool
    reason: str
    by: str


class CasePurged(Payload):
    """Retention ran out: every service removes the case's personal data (names, phone
    numbers, addresses, what was said); what remains says the case existed and was purged."""

    closed_at: AwareDatetime | None = None
    retention_years: float
    regime: str | None = None
    building: str | None = Field(
        default=None, description="The case's building, kept for hot spots (a building alone names no one)"
    )


class ReportIssued(Payload):
    """A report was made and stored (archive): the monthly run or one asked for. The
    envelope's complaint_id is ``report:<report_id>``."""

    report_id: str
    kind: str = Field(description="monthly or daily")
    scope: str = Field(description="group, region:<name> or estate:<id>")
    period: str = Field(description="2026-11 or 2026-11-05")
    cases: int


_REGISTRY: dict[tuple[str, int], type[Payload]] = {
    ("ComplaintReceived", 1): ComplaintReceived,
    ("ComplaintTriaged", 1): ComplaintTriaged,
    ("ComplaintRejected", 1): ComplaintRejected,
    ("ComplaintRepeated", 1): ComplaintRepeated,
    ("ComplaintClarified", 1): ComplaintClarified,
    ("ReplyRequested", 1): ReplyRequested,
    ("WorkOrderCreated", 1): WorkOrderCreated,
    ("WorkOrderAssigned", 1): WorkOrderAssigned,
    ("EscalationNotified", 1): EscalationNotified,
    ("ApprovalRequested", 1): ApprovalRequested,
    ("ApprovalDecided", 1): ApprovalDecided,
    ("AuditRecorded", 1): AuditRecorded,
    ("CallbackTaskOpened", 1): CallbackTaskOpened,
    ("CallbackAttempted", 1): CallbackAttempted,
    ("CaseReviewed", 1): CaseReviewed,
    ("CaseCorrected", 1): CaseCorrected,
    ("LegalHoldChanged", 1): LegalHoldChanged,
    ("CasePurged", 1): CasePurged,
    ("ReportIssued", 1): ReportIssued,
    **{(model.__name__, 1): model for model in case_events.ACTION_EVENTS.values()},
    **{(model.__name__, 1): model for model in case_events.CLOCK_EVENTS.values()},
    ("EscalationRaised", 1): case_events.EscalationRaised,
    ("SeverityAutoUpgraded", 1): case_events.SeverityAutoUpgraded,
    ("CaseStateChanged", 1): case_events.CaseStateChanged,
}
_BY_MODEL = {model: key for key, model in _REGISTRY.items()}

EVENT_TYPES: tuple[tuple[str, int], ...] = tuple(sorted(_REGISTRY))


def payload_model(event_type: str, schema_version: int) -> type[Payload]:
    from tousu_shared.contracts.envelope import EnvelopeError

    try:
        return _REGISTRY[(event_type, schema_version)]
    except KeyError:
        raise EnvelopeError(f"unknown event type {event_type!r} v{schema_version}") from None


def type_of(model: type[BaseModel]) -> tuple[str, int]:
    return _BY_MODEL[model]  # type: ignore[index]
