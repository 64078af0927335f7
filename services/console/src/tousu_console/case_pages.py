"""A case: its clocks (due, time left, paused), its work order and what can be done to it
(on site, progress, resolve, reopen), its callback with the script and the resident's
answer, and the timeline of every event. Each part comes from the service that owns it;
a part a service cannot give (not yet filed, or not for this person's roles) says so and
the rest of the page still works."""

from __future__ import annotations

from typing import Annotated, Any, Literal
from urllib.parse import urlencode

from litestar import Request, get, post
from litestar.enums import RequestEncodingType
from litestar.params import Body
from litestar.response import Redirect, Template
from pydantic import BaseModel

from tousu_console.backend import Backend, BackendError
from tousu_console.runtime import console_of
from tousu_console.session import SignedIn, page_context, signed_in

#: what the case page offers a person to do to the work order, in the order of the work
VERBS = ("accept", "onsite", "progress", "resolve", "reopen")


class ActionForm(BaseModel):
    verb: Literal["accept", "onsite", "progress", "resolve", "reopen"]
    note: str = ""


class AssignForm(BaseModel):
    staff_id: str = ""  # empty: the estate's assignment rule picks
    reason: str = ""


class CompensationForm(BaseModel):
    kind: Literal["cash", "management_fee_waiver", "parking_fee_waiver"]
    amount_yuan: float | None = None
    months: int | None = None
    reason: str


class CallbackForm(BaseModel):
    satisfaction: Literal["satisfied", "basically_satisfied", "dissatisfied"]
    comment: str = ""
    score: int | None = None


@get("/cases/{complaint_id:str}", include_in_schema=False)
async def case_page(
    request: Request[Any, Any, Any], complaint_id: str, msg: str = "", error: str = ""
) -> Template:
    return await _case_template(request, signed_in(request), complaint_id, msg=msg, error=error)


async def _case_template(
    request: Request[Any, Any, Any], who: SignedIn, complaint_id: str, **extra: Any
) -> Template:
    backend = console_of(request).backend
    parts: dict[str, Any] = {}
    missing: dict[str, str] = {}
    for name, load in (
        ("file", lambda: backend.get("archive", f"/v1/complaints/{complaint_id}", who.token)),
        ("clocks", lambda: backend.get("sla-monitor", f"/v1/cases/{complaint_id}/clocks", who.token)),
        ("order", lambda: _work_order(backend, who, complaint_id)),
        ("callbacks", lambda: _callbacks(backend, who, complaint_id)),
    ):
        try:
            parts[name] = await load()
        except BackendError as exc:
            missing[name] = exc.message
    context = page_context(
        request, who, complaint_id=complaint_id, verbs=VERBS, missing=missing, **parts, **extra
    )
    return Template("case.html", context=context)


async def _work_order(backend: Backend, who: SignedIn, complaint_id: str) -> dict[str, Any] | None:
    found = await backend.get("dispatch", "/v1/work-orders", who.token, complaint_id=complaint_id)
    if not found["items"]:
        return None
    order: dict[str, Any] = await backend.get(
        "dispatch", f"/v1/work-orders/{found['items'][0]['work_order_id']}", who.token
    )
    return order


async def _callbacks(backend: Backend, who: SignedIn, complaint_id: str) -> list[dict[str, Any]]:
    found = await backend.get("callback", "/v1/callbacks", who.token, complaint_id=complaint_id)
    tasks: list[dict[str, Any]] = []
    for task in found["items"]:
        if task["status"] in ("open", "pending", "due"):
            task = await backend.get("callback", f"/v1/callbacks/{task['task_id']}", who.token)
        tasks.append(task)
    return tasks


def _back(complaint_id: str, **say: str) -> Redirect:
    return Redirect(f"/cases/{complaint_id}?{urlencode(say)}")


async def _to_work_order(
    request: Request[Any, Any, Any], complaint_id: str, what: str, body: dict[str, Any], done: str
) -> Redirect:
    """POST ``body`` to the case's work order (``…/{what}`` at dispatch), then back to the case
    page saying ``done``, or what went wrong."""
    who = signed_in(request)
    backend = console_of(request).backend
    try:
        order = await _work_order(backend, who, complaint_id)
        if order is None:
            return _back(complaint_id, error="no work order yet: dispatch has not opened one")
        await backend.post("dispatch", f"/v1/work-orders/{order['work_order_id']}/{what}", who.token, body)
    except BackendError as exc:
        return _back(complaint_id, error=exc.message)
    return _back(complaint_id, msg=done)


@post("/cases/{complaint_id:str}/action", include_in_schema=False)
async def act(
    request: Request[Any, Any, Any],
    complaint_id: str,
    data: Annotated[ActionForm, Body(media_type=RequestEncodingType.URL_ENCODED)],
) -> Redirect:
    body = {"verb": data.verb, "note": data.note.strip() or None}
    if data.verb == "reopen":
        body["reason"] = data.note.strip() or None
    return await _to_work_order(request, complaint_id, "actions", body, data.verb)


@post("/cases/{complaint_id:str}/callback", include_in_schema=False)
async def record_callback(
    request: Request[Any, Any, Any],
    complaint_id: str,
    data: Annotated[CallbackForm, Body(media_type=RequestEncodingType.URL_ENCODED)],
) -> Redirect:
    who = signed_in(request)
    body: dict[str, Any] = {"satisfaction": data.satisfaction, "channel": "phone", "confirmed": True}
    if data.comment.strip():
        body["comment"] = data.comment.strip()
    if data.score:
        body["score"] = data.score
    try:
        await console_of(request).backend.post(
            "callback", f"/v1/complaints/{complaint_id}/callback", who.token, body
        )
    except BackendError as exc:
        return _back(complaint_id, error=exc.message)
    return _back(complaint_id, msg="callback")


@post("/cases/{complaint_id:str}/contact", include_in_schema=False, status_code=200)
async def reveal_contact(request: Request[Any, Any, Any], complaint_id: str) -> Template:
    """The resident's name and number in clear, for who calls back (intake audits each look).
    Shown on this one answer and kept nowhere: not in the session, not in a cache."""
    who = signed_in(request)
    try:
        contact = await console_of(request).backend.post(
            "intake",
            f"/v1/complaints/{complaint_id}/contact",
            who.token,
            {"purpose": "回访 / callback (desk console)"},
        )
    except BackendError as exc:
        return await _case_template(request, who, complaint_id, error=exc.message)
    page = await _case_template(request, who, complaint_id, contact=contact)
    page.headers["Cache-Control"] = "no-store"
    return page


@post("/cases/{complaint_id:str}/assign", include_in_schema=False)
async def assign(
    request: Request[Any, Any, Any],
    complaint_id: str,
    data: Annotated[AssignForm, Body(media_type=RequestEncodingType.URL_ENCODED)],
) -> Redirect:
    body = {"staff_id": data.staff_id.strip() or None, "reason": data.reason.strip() or None}
    return await _to_work_order(request, complaint_id, "assign", body, "assigned")


@post("/cases/{complaint_id:str}/compensation", include_in_schema=False)
async def request_compensation(
    request: Request[Any, Any, Any],
    complaint_id: str,
    data: Annotated[CompensationForm, Body(media_type=RequestEncodingType.URL_ENCODED)],
) -> Redirect:
    body = data.model_dump(exclude_none=True)
    return await _to_work_order(
        request, complaint_id, "compensations", body, "compensation requested: it waits for approval"
    )
