"""Operators upload an estate's roster; staff (re)assign a work order to a person of it."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from litestar import Request, get, post, put
from litestar.exceptions import NotFoundException
from litestar.params import Parameter
from litestar.status_codes import HTTP_200_OK, HTTP_202_ACCEPTED
from pydantic import ConfigDict, Field
from sqlalchemy.ext.asyncio import AsyncSession
from sqlmodel import col, select

from tousu_dispatch.assignment import assign, auto_choice, roster_of
from tousu_dispatch.domain.actions import ActionRefused, check_open
from tousu_dispatch.domain.roster import Choice, Roster, on_duty
from tousu_dispatch.models import EstateRoster, WorkOrder
from tousu_dispatch.web import Conflict, Unprocessable, allow, audit, caller, refused
from tousu_shared.clean import CleanModel
from tousu_shared.identity.web import acting_as
from tousu_shared.runtime.service import identity_of


class RosterIn(Roster):
    tenant_id: str = Field(min_length=1, max_length=64, description="The property group of the estate")


class AssignIn(CleanModel):
    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)

    by: str | None = Field(
        default=None, min_length=1, max_length=64, description="Staff id of who reassigns (operator only)"
    )
    staff_id: str | None = Field(
        default=None, max_length=64, description="Who takes it; absent: the rule chooses"
    )
    reason: str | None = Field(default=None, max_length=500)


@put("/v1/estates/{estate_id:str}/roster", tags=["rosters"], status_code=HTTP_200_OK)
async def put_roster(request: Request[Any, Any, Any], estate_id: str, data: RosterIn) -> dict[str, Any]:
    """Replace the estate's roster (teams per department, people, shifts, on-call, the rule)."""
    rt, who = await caller(request)
    roster = Roster.model_validate(data.model_dump(exclude={"tenant_id"}))
    async with rt.sessions() as session, session.begin():
        row = await session.get(EstateRoster, estate_id, with_for_update=True)
        # an estate with a roster is its group's: anyone else is told it does not exist
        owner = row.tenant_id if row is not None else data.tenant_id
        identity_of(request).require(request, who, "roster.write", owner, estate_id)
        if row is not None and row.tenant_id != data.tenant_id:
            raise Unprocessable(f"estate {estate_id!r} belongs to another property group")
        row = row or EstateRoster(
            estate_id=estate_id, tenant_id=data.tenant_id, document="", updated_at=rt.clock.now()
        )
        row.document, row.updated_at = roster.model_dump_json(), rt.clock.now()
        session.add(row)
    people = sum(len(t.members) for t in roster.teams)
    return {"estate_id": estate_id, "teams": len(roster.teams), "people": people, "strategy": roster.strategy}


@get("/v1/estates/{estate_id:str}/roster", tags=["rosters"])
async def get_roster(
    request: Request[Any, Any, Any],
    estate_id: str,
    tenant: str | None = Parameter(query="tenant", default=None, min_length=1, description="operator only"),
) -> dict[str, Any]:
    rt, who = await caller(request)
    tenant = identity_of(request).group(request, who, "roster.read", tenant)
    assert tenant is not None
    async with rt.sessions() as session:
        row = await session.get(EstateRoster, estate_id)
        if row is not None:  # the estate's own group decides who reads it
            identity_of(request).require(request, who, "roster.read", row.tenant_id, estate_id)
        roster = await roster_of(session, tenant, estate_id)
    if roster is None:
        raise NotFoundException(f"no roster for estate {estate_id!r} of {tenant!r}")
    return roster.model_dump(mode="json")


@post("/v1/work-orders/{work_order_id:str}/assign", tags=["work orders"], status_code=HTTP_202_ACCEPTED)
async def reassign(request: Request[Any, Any, Any], work_order_id: str, data: AssignIn) -> dict[str, Any]:
    """Give the work order to a named person of its department's teams, or let the rule choose."""
    rt, who = await caller(request)
    now = rt.clock.now()
    async with rt.sessions() as session, session.begin():
        order = await session.scalar(
            select(WorkOrder).where(col(WorkOrder.work_order_id) == work_order_id).with_for_update()
        )
        if order is None:
            raise NotFoundException(f"no work order {work_order_id!r}")
        allow(request, who, "workorder.assign", order)
        by = acting_as(who, data.by)
        try:
            check_open(order.work_order_id, order.status, "be reassigned")
        except ActionRefused as exc:
            raise refused(exc) from None
        roster = await roster_of(session, order.tenant_id, order.estate_id)
        if roster is None:
            raise Conflict(f"estate {order.estate_id!r} has no roster; upload one first")
        choice = await _choice(session, order, roster, data, by, now)
        event = assign(session, rt.topics, order, choice, now, by=by)
        audit(session, rt, who, "workorder.assign", order, by=by, now=now, event=event)
    if rt.relay:
        rt.relay.wake()
    return {
        "event_id": event.event_id,
        "work_order_id": work_order_id,
        "assignee": choice.staff_id,
        "team_id": choice.team_id,
        "reason": choice.reason,
    }


async def _choice(
    session: AsyncSession, order: WorkOrder, roster: Roster, data: AssignIn, by: str, now: datetime
) -> Choice:
    if data.staff_id is None:
        choice = await auto_choice(session, order, roster, now)
        if choice is None:
            raise Conflict(f"nobody of {order.department} is on shift or on call now")
        return choice
    found = roster.member(data.staff_id, order.department)
    if found is None:
        raise Unprocessable(
            f"{data.staff_id!r} is in no {order.department} team of estate {order.estate_id!r}"
        )
    duty = "on duty" if on_duty(roster, data.staff_id, now) else "off duty now"
    why = f"reassigned by {by} ({duty})" + (f": {data.reason}" if data.reason else "")
    return Choice(data.staff_id, found[0].team_id, why)
