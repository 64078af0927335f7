"""Staff read work orders: one with its actions, or a filtered page of them."""

from __future__ import annotations

from typing import Annotated, Any

from litestar import Request, get
from litestar.exceptions import NotFoundException
from litestar.params import Parameter
from sqlmodel import col, select

from tousu_dispatch.models import WorkOrder, WorkOrderAction
from tousu_dispatch.schemas import action_out, work_order_out
from tousu_dispatch.web import allow, caller
from tousu_shared.runtime.service import identity_of, runtime_of

MAX_PAGE = 500


@get("/v1/work-orders/{work_order_id:str}", tags=["work orders"])
async def get_work_order(request: Request[Any, Any, Any], work_order_id: str) -> dict[str, Any]:
    """The work order and the actions taken on it, in the order they were taken."""
    rt, who = await caller(request)
    async with rt.sessions() as session:
        order = await session.get(WorkOrder, work_order_id)
        if order is None:
            raise NotFoundException(f"no work order {work_order_id!r}")
        allow(request, who, "workorder.read", order)
        actions = await session.scalars(
            select(WorkOrderAction)
            .where(col(WorkOrderAction.work_order_id) == work_order_id)
            .order_by(col(WorkOrderAction.seq))
        )
        return {**work_order_out(order), "actions": [action_out(a) for a in actions]}


@get("/v1/work-orders", tags=["work orders"])
async def list_work_orders(
    request: Request[Any, Any, Any],
    complaint_id: str | None = None,
    tenant: str | None = None,
    estate: str | None = None,
    department: str | None = None,
    status: str | None = None,
    assignee: str | None = None,
    limit: Annotated[int, Parameter(ge=1, le=MAX_PAGE)] = 100,
    offset: Annotated[int, Parameter(ge=0)] = 0,
) -> dict[str, Any]:
    """A page of work orders, oldest first; each filter given must match (``tenant``, ``estate``: ids;
    ``assignee=me``: the caller's own). A person sees their group's work orders in the estates
    where they may read them; the operator sees every group's."""
    rt = runtime_of(request)
    identity = identity_of(request)
    who, scope = await identity.scope(request, "workorder.read")
    tenant = identity.group(request, who, "workorder.read", tenant, required=False)
    if assignee == "me":
        assignee = who.subject
    query = select(WorkOrder)
    if scope.estates is not None:
        query = query.where(col(WorkOrder.estate_id).in_(sorted(scope.estates)))
    for column, value in (
        (WorkOrder.complaint_id, complaint_id),
        (WorkOrder.tenant_id, tenant),
        (WorkOrder.estate_id, estate),
        (WorkOrder.department, department),
        (WorkOrder.status, status),
        (WorkOrder.assignee, assignee),
    ):
        if value is not None:
            query = query.where(col(column) == value)
    query = (
        query.order_by(col(WorkOrder.created_at), col(WorkOrder.work_order_id)).offset(offset).limit(limit)
    )
    async with rt.sessions() as session:
        items = [work_order_out(order) for order in await session.scalars(query)]
    return {"items": items, "limit": limit, "offset": offset}
