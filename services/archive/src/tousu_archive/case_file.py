"""How each event type moves a case file's summary: pure, no I/O."""

from __future__ import annotations

from pydantic import BaseModel

from tousu_archive.models import CaseFile

# Status only moves forward: a late-arriving earlier event does not turn it back.
# A rejection (不予受理) ends the case wherever it was.
_STATUS_ORDER = ("received", "triaged", "dispatched", "rejected")
_STATUS_OF = {
    "ComplaintReceived": "received",
    "ComplaintTriaged": "triaged",
    "WorkOrderCreated": "dispatched",
    "ComplaintRejected": "rejected",
}
_FIELDS_OF: dict[str, tuple[str, ...]] = {
    "ComplaintReceived": ("regime", "channel", "room", "received_at"),
    "ComplaintRejected": ("regime", "channel", "room", "received_at"),
    "ComplaintTriaged": ("regime", "regime_version", "topic", "category", "department"),
    "WorkOrderCreated": ("work_order_id", "department"),
}


def apply(case: CaseFile, event_type: str, payload: BaseModel) -> None:
    for name in _FIELDS_OF.get(event_type, ()):
        value = getattr(payload, name, None)
        if value is not None:
            setattr(case, name, value.value if hasattr(value, "value") else value)
    new_status = _STATUS_OF.get(event_type)
    if new_status and _rank(new_status) > _rank(case.status):
        case.status = new_status
    case.event_count += 1


def _rank(status: str) -> int:
    return _STATUS_ORDER.index(status) if status in _STATUS_ORDER else -1
