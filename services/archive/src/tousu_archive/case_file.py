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
    state = _state_after(event_type, payload, case.status)
    if state == "reopened":  # counted whatever order they arrive in
        case.reopened += 1
    _move(case, state, occurred_at)
    case.event_count += 1


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
