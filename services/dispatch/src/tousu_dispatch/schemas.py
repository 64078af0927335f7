"""HTTP bodies of dispatch's staff API, and how work orders are shown."""

from __future__ import annotations

from typing import Any

from pydantic import AwareDatetime, ConfigDict, Field

from tousu_dispatch.domain.actions import Action
from tousu_dispatch.models import WorkOrder, WorkOrderAction
from tousu_shared.clean import CleanModel


class ActionIn(CleanModel):
    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)

    verb: str = Field(min_length=1, max_length=32, description="dispatch, accept, onsite, resolve, close, …")
    by: str | None = Field(
        default=None, min_length=1, max_length=64, description="Staff id of who did it (operator only)"
    )
    to: str | None = Field(default=None, max_length=64, description="dispatch/escalate: a role id")
    reason: str | None = Field(default=None, max_length=500)
    note: str | None = Field(default=None, max_length=2000)
    due_at: AwareDatetime | None = Field(default=None, description="promise: the promised date")
    clock: str | None = Field(default=None, max_length=64, description="promise: which clock")
    severity: str | None = Field(default=None, max_length=64, description="upgrade: the new severity")
    background: str | None = Field(
        default=None, max_length=2000, description="dispatch (handover, 004): what led to the complaint"
    )
    expectation: str | None = Field(
        default=None, max_length=1000, description="dispatch (handover, 004): what the resident expects"
    )
    building: str | None = Field(
        default=None,
        max_length=64,
        description="dispatch to builder_team (003): the building whose completion date applies",
    )

    def action(self) -> Action:
        return Action(
            verb=self.verb,
            to=self.to or None,
            reason=self.reason,
            due_at=self.due_at,
            clock=self.clock or None,
            severity=self.severity or None,
            background=self.background or None,
            expectation=self.expectation or None,
        )


def work_order_out(order: WorkOrder) -> dict[str, Any]:
    return {
        "work_order_id": order.work_order_id,
        "complaint_id": order.complaint_id,
        "tenant_id": order.tenant_id,
        "estate_id": order.estate_id,
        "regime": order.regime,
        "regime_version": order.regime_version,
        "department": order.department,
        "category": order.category,
        "topic": order.topic,
        "urgency": order.urgency,
        "severity": order.severity,
        "status": order.status,
        "reopened": order.reopened,
        "reopen_reason": order.reopen_reason,
        "assignee": order.assignee,
        "team_id": order.team_id,
        "assigned_at": order.assigned_at.isoformat() if order.assigned_at else None,
        "received_at": order.received_at.isoformat() if order.received_at else None,
        "created_at": order.created_at.isoformat(),
        "updated_at": order.updated_at.isoformat(),
    }


def action_out(row: WorkOrderAction) -> dict[str, Any]:
    return {
        "action_id": row.action_id,
        "seq": row.seq,
        "verb": row.verb,
        "by": row.by_staff,
        "to": row.to_role,
        "reason": row.reason,
        "note": row.note,
        "due_at": row.due_at.isoformat() if row.due_at else None,
        "clock": row.clock,
        "severity": row.severity,
        "background": row.background,
        "expectation": row.expectation,
        "occurred_at": row.occurred_at.isoformat(),
    }
