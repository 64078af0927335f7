"""Queues: a department's running clocks (soonest due first), my work orders, the overdue
cases, an estate's open work orders. Each row's clock counts down in the page (console.js)
and takes its colour from the time left; a new case arrives without a reload (live.py)."""

from __future__ import annotations

from typing import Any, Literal

from litestar import Request, get
from litestar.response import Template

from tousu_console.backend import Backend, BackendError
from tousu_console.runtime import console_of
from tousu_console.session import page_context, signed_in

View = Literal["department", "mine", "overdue", "estate"]


@get("/queues", include_in_schema=False)
async def queues(
    request: Request[Any, Any, Any],
    view: View = "department",
    department: str = "",
    estate: str = "",
    q: str = "",
    fragment: bool = False,
) -> Template:
    who = signed_in(request)
    backend = console_of(request).backend
    departments = who.role_names()  # a regime names each department by the role that works it
    department = department or (departments[0] if departments else "")
    rows: list[dict[str, Any]] = []
    error = None
    try:
        if view == "department" and department:
            found = await backend.get(
                "sla-monitor", f"/v1/queues/{department}", who.token, estate=estate, limit=200
            )
            rows = [_clock_row(item) for item in found["items"]]
        elif view == "mine":
            found = await backend.get("dispatch", "/v1/work-orders", who.token, assignee="me", limit=200)
            rows = [_order_row(o) for o in found["items"] if o["status"] not in ("closed", "withdrawn")]
        elif view == "estate":
            found = await backend.get("dispatch", "/v1/work-orders", who.token, estate=estate, limit=200)
            rows = [_order_row(o) for o in found["items"] if o["status"] not in ("closed", "withdrawn")]
        elif view == "overdue":
            found = await backend.get(
                "archive", "/v1/complaints", who.token, overdue="true", estate_id=estate, q=q
            )
            rows = [_case_row(c) for c in found["items"]]
    except BackendError as exc:
        error = exc.message
    if q and view != "overdue":
        rows = [r for r in rows if q.lower() in " ".join(str(v) for v in r.values()).lower()]
    if view != "department" and rows:
        rows = await _with_clocks(backend, who.token, rows)
    context = page_context(
        request,
        who,
        view=view,
        department=department,
        departments=departments,
        estate=estate,
        estates=who.estates(),
        q=q,
        rows=rows,
        error=error,
    )
    return Template("queue_rows.html" if fragment else "queues.html", context=context)


async def _with_clocks(backend: Backend, token: str, rows: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """Each row with the soonest-due open clock of its case (one call for the whole list)."""
    try:
        found = await backend.get(
            "sla-monitor",
            "/v1/open-clocks",
            token,
            complaint_ids=",".join(r["complaint_id"] for r in rows[:200]),
        )
    except BackendError:
        return rows  # the list still shows; its clocks say "—"
    soonest: dict[str, dict[str, Any]] = {}
    for item in found["items"]:  # soonest due first
        soonest.setdefault(item["complaint_id"], item)
    for row in rows:
        if clock := soonest.get(row["complaint_id"]):
            row |= {k: v for k, v in _clock_row(clock).items() if k not in ("what", "owner", "status")}
            row["what"] = f"{row['what']} · {clock['name']}"
            row["clock_status"] = clock["status"]
    return rows


def _clock_row(item: dict[str, Any]) -> dict[str, Any]:
    return {
        "complaint_id": item["complaint_id"],
        "clock": item["name"],
        "what": item["name"],
        "owner": item.get("owner") or "",
        "status": item["status"],
        "started_at": item.get("started_at"),
        "due_at": item.get("due_at"),
        "seconds_left": item.get("seconds_left"),
    }


def _order_row(order: dict[str, Any]) -> dict[str, Any]:
    return {
        "complaint_id": order["complaint_id"],
        "what": f"{order.get('topic') or ''} · {order.get('category') or ''}",
        "owner": order.get("assignee") or order.get("department") or "",
        "status": order["status"],
        "started_at": order.get("created_at"),
        "due_at": None,
        "seconds_left": None,
    }


def _case_row(case: dict[str, Any]) -> dict[str, Any]:
    return {
        "complaint_id": case["complaint_id"],
        "what": f"{case.get('topic') or ''} · {case.get('summary') or ''}"[:80],
        "owner": case.get("department") or "",
        "status": case.get("status") or "",
        "started_at": case.get("received_at"),
        "due_at": None,
        "seconds_left": None,
    }
