"""How each event type moves a case file's summary: pure, no I/O.

Events of one case reach archive from five topics, so not in the order they happened. The
case's state therefore follows the event that happened last (``state_at``), not the one that
arrived last; before dispatch, the intake-side statuses only move forward; a rejection
(不予受理) ends the case wherever it was.
"""

from __future__ import annotations

from datetime import datetime

from pydantic import BaseModel

from tousu_archive.models import CaseFile
from tousu_archive.search import grams
from tousu_shared.cases.engine import STATE_AFTER
from tousu_shared.contracts.case_events import ACTION_EVENTS

_INTAKE_ORDER = ("received", "triaged", "dispatched")
_STATUS_OF = {
    "ComplaintReceived": "received",
    "ComplaintTriaged": "triaged",
    "WorkOrderCreated": "dispatched",
}
_FIELDS_OF: dict[str, tuple[str, ...]] = {
    "ComplaintReceived": ("regime", "channel", "room", "received_at"),
    "ComplaintRejected": ("regime", "channel", "room", "received_at"),
    "ComplaintTriaged": (
        "regime",
        "regime_version",
        "topic",
        "category",
        "department",
        "urgency",
        "severity",
    ),
    "WorkOrderCreated": ("work_order_id", "department"),
}
_ACTIONS = frozenset(model.__name__ for model in ACTION_EVENTS.values())
_ENDED = ("closed", "withdrawn", "rejected")
_COUNTED = {"ClockBreached": "breaches", "EscalationRaised": "escalations", "CallbackRecorded": "callbacks"}


def apply(case: CaseFile, event_type: str, payload: BaseModel, occurred_at: datetime | None = None) -> None:
    for name in _FIELDS_OF.get(event_type, ()):
        value = getattr(payload, name, None)
        if value is not None:
            setattr(case, name, value.value if hasattr(value, "value") else value)
    if event_type in ("ComplaintReceived", "ComplaintRejected"):
        case.summary = getattr(payload, "text", None) or case.summary
        case.search_grams = grams(case.summary, case.tenant_id) or None
        case.building = building_of(case.room)
    if event_type in _COUNTED:
        setattr(case, _COUNTED[event_type], getattr(case, _COUNTED[event_type]) + 1)
    if event_type == "CallbackRecorded" and _later(occurred_at, case.callback_at):
        case.callback_at = occurred_at
        case.satisfaction = getattr(payload, "satisfaction", None) or (
            "satisfied" if getattr(payload, "satisfied", True) else "dissatisfied"
        )
    elif event_type == "WorkOrderAssigned":
        case.assignee = getattr(payload, "staff_id", None)
    retention = (getattr(payload, "parameters", None) or {}).get("retention_years")
    if retention is not None:
        case.retention_years = retention
    _ARCHIVE_ENTRIES.get(event_type, _nothing)(case, payload, occurred_at)
    state = _state_after(event_type, payload, case.status)
    if state == "reopened":  # counted whatever order they arrive in
        case.reopened += 1
    if state == "resolved" and occurred_at and (case.resolved_at is None or occurred_at < case.resolved_at):
        case.resolved_at = occurred_at  # the first resolution, whatever order they arrive in
    _move(case, state, occurred_at)
    if case.purged_at is not None:  # an event arriving after the purge brings nothing back
        _purged(case, payload, case.purged_at)
    case.event_count += 1


def _reviewed(case: CaseFile, payload: BaseModel, at: datetime | None) -> None:
    if _later(at, case.reviewed_at):  # the latest review stands
        case.reviewed_at = at
        case.substantiated = getattr(payload, "substantiated", None)
        case.staff_involved = ",".join(getattr(payload, "staff", [])) or None


def _corrected(case: CaseFile, payload: BaseModel, at: datetime | None) -> None:
    name, value = getattr(payload, "field", ""), getattr(payload, "value", None)
    if name in CORRECTABLE:
        setattr(case, name, value)
        if name == "room":
            case.building = building_of(value)


def _held(case: CaseFile, payload: BaseModel, at: datetime | None) -> None:
    case.legal_hold = bool(getattr(payload, "hold", False))
    case.hold_reason = getattr(payload, "reason", None)


def _purged(case: CaseFile, payload: BaseModel, at: datetime | None) -> None:
    case.purged_at = at
    case.building = getattr(payload, "building", None) or case.building
    case.summary = case.search_grams = None
    case.room = None
    case.assignee = None


def _nothing(case: CaseFile, payload: BaseModel, at: datetime | None) -> None:
    return None


#: what a correction may change: the classification and the household, never the story
CORRECTABLE = ("topic", "category", "department", "room")
_ARCHIVE_ENTRIES = {
    "CaseReviewed": _reviewed,
    "CaseCorrected": _corrected,
    "LegalHoldChanged": _held,
    "CasePurged": _purged,
}


def _later(at: datetime | None, than: datetime | None) -> bool:
    return than is None or (at is not None and at >= than)


def _state_after(event_type: str, payload: BaseModel, current: str) -> str | None:
    if event_type == "ComplaintRejected":
        return "rejected"
    if event_type == "CaseStateChanged":
        return str(getattr(payload, "state", "")) or None
    if event_type in _ACTIONS:
        return STATE_AFTER.get(str(getattr(payload, "verb", "")))
    intake_status = _STATUS_OF.get(event_type)
    if intake_status is None:
        return None
    # before dispatch's staff act, statuses only move forward; after, intake's events are old news
    if current in _INTAKE_ORDER or current == "new":
        rank = _INTAKE_ORDER.index(current) if current in _INTAKE_ORDER else -1
        return intake_status if _INTAKE_ORDER.index(intake_status) > rank else None
    return None


def _move(case: CaseFile, state: str | None, at: datetime | None) -> None:
    if state is None or state == case.status or case.status == "rejected":
        return
    intake_side = state in _INTAKE_ORDER
    if not intake_side and at is not None and case.state_at is not None and at < case.state_at:
        return  # an older staff action arriving late: the case has moved on since
    case.status = state
    if not intake_side:
        case.state_at = at or case.state_at
    if state in _ENDED:
        case.closed_at = at
    elif state == "reopened":
        case.closed_at = None


def building_of(room: str | None) -> str | None:
    """7 of 7-1-1103 (building-unit-room, as intake asks for it); None for anything else."""
    if not room or "-" not in room:
        return None
    return room.split("-", 1)[0].strip() or None
