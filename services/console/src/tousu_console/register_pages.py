"""Registering a complaint taken by phone or on site (《投诉登记表》): the clerk types the
form, reads the record back to the resident (复述), sees how triage would file it and which
questions to ask, and any recent case of the same household; then registers it.

The form goes to intake's desk channel with the clerk as the one who took it; the form id
made when the page opened makes a second click (or a retry) register nothing twice."""

from __future__ import annotations

import contextlib
from datetime import datetime
from typing import Annotated, Any, Literal
from zoneinfo import ZoneInfo

from litestar import Request, get, post
from litestar.enums import RequestEncodingType
from litestar.params import Body
from litestar.response import Template
from pydantic import BaseModel

from tousu_console.backend import BackendError
from tousu_console.runtime import Console, console_of
from tousu_console.session import SignedIn, page_context, signed_in
from tousu_shared.ids import new_id


class RegisterForm(BaseModel):
    form_id: str = ""
    step: Literal["preview", "confirm", "edit"] = "preview"
    channel: Literal["phone", "onsite"] = "phone"
    estate_id: str = ""
    name: str = ""
    room: str = ""
    phone: str = ""
    text: str = ""
    location: str = ""
    occurred_at: str = ""
    persons_involved: str = ""
    evidence_note: str = ""


async def my_estates(console: Console, who: SignedIn) -> list[dict[str, Any]]:
    estates: list[dict[str, Any]] = await console.backend.get("intake", "/v1/my/estates", who.token)
    return estates


@get("/register", include_in_schema=False)
async def register_page(request: Request[Any, Any, Any]) -> Template:
    who = signed_in(request)
    console = console_of(request)
    form = RegisterForm(form_id=new_id())
    return await _form_page(request, console, who, form, error=None)


@post("/register", include_in_schema=False, status_code=200)
async def register(
    request: Request[Any, Any, Any],
    data: Annotated[RegisterForm, Body(media_type=RequestEncodingType.URL_ENCODED)],
) -> Template:
    who = signed_in(request)
    console = console_of(request)
    form = data.model_copy(update={"form_id": data.form_id or new_id()})
    if form.step == "edit":
        return await _form_page(request, console, who, form, error=None)
    try:
        estates = await my_estates(console, who)
        estate = next((e for e in estates if e["estate_id"] == form.estate_id), None)
        if estate is None:
            return await _form_page(request, console, who, form, error="choose one of your estates")
        try:
            desk = _desk_form(form, who, estate)
        except ValueError as exc:
            return await _form_page(request, console, who, form, error=str(exc))
        if form.step == "preview":
            return await _preview_page(request, console, who, form, desk, estate)
        reply = await console.backend.desk(desk | {"confirmed": True}, preview=False)
    except BackendError as exc:
        return await _form_page(request, console, who, form, error=exc.message)
    outcome = reply.body["outcomes"][0] if "outcomes" in reply.body else reply.body
    return Template("registered.html", context=page_context(request, who, outcome=outcome, form=form))


def _desk_form(form: RegisterForm, who: SignedIn, estate: dict[str, Any]) -> dict[str, Any]:
    if not form.text.strip():
        raise ValueError("write down what the resident says")
    desk: dict[str, Any] = {
        "form_id": form.form_id,
        "channel": form.channel,
        "estate_id": estate["estate_id"],
        "clerk": who.login,
        "text": form.text,
    }
    for field in ("name", "room", "phone", "location", "persons_involved", "evidence_note"):
        if value := getattr(form, field).strip():
            desk[field] = value
    if form.occurred_at:
        try:
            at = datetime.fromisoformat(form.occurred_at)
        except ValueError:
            raise ValueError(f"not a date and time: {form.occurred_at!r}") from None
        desk["occurred_at"] = (
            at if at.tzinfo else at.replace(tzinfo=ZoneInfo(estate["timezone"]))
        ).isoformat()
    return desk


async def _preview_page(
    request: Request[Any, Any, Any],
    console: Console,
    who: SignedIn,
    form: RegisterForm,
    desk: dict[str, Any],
    estate: dict[str, Any],
) -> Template:
    readback = (await console.backend.desk(desk, preview=True)).body["readback"]
    suggestion, household = None, []
    with contextlib.suppress(BackendError):  # a suggestion is a help, not a step: registering goes on
        suggestion = await console.backend.suggest(who.token, estate["regime"], form.text, form.channel)
    if form.room.strip():
        try:
            found = await console.backend.get(
                "archive",
                "/v1/complaints",
                who.token,
                estate_id=estate["estate_id"],
                room=form.room.strip(),
                limit=5,
            )
            household = [
                c for c in found["items"] if c.get("status") not in ("closed", "withdrawn", "rejected")
            ]
        except BackendError:
            pass
    context = page_context(
        request, who, form=form, readback=readback, suggestion=suggestion, household=household, estate=estate
    )
    return Template("register_confirm.html", context=context)


async def _form_page(
    request: Request[Any, Any, Any], console: Console, who: SignedIn, form: RegisterForm, error: str | None
) -> Template:
    try:
        estates = await my_estates(console, who)
    except BackendError as exc:
        estates, error = [], error or exc.message
    context = page_context(request, who, form=form, estates=estates, error=error)
    return Template("register.html", context=context, status_code=200 if error is None else 422)


class SuggestForm(BaseModel):
    estate_id: str = ""
    text: str = ""
    channel: Literal["phone", "onsite"] = "phone"


@post("/register/suggest", include_in_schema=False, status_code=200)
async def suggest_while_typing(
    request: Request[Any, Any, Any],
    data: Annotated[SuggestForm, Body(media_type=RequestEncodingType.URL_ENCODED)],
) -> Template:
    """How triage would read the text so far (the form asks as the clerk types, console.js):
    the likely department and level, and the questions still to ask. Nothing is stored."""
    who = signed_in(request)
    console = console_of(request)
    suggestion, error = None, None
    try:
        estate = next((e for e in await my_estates(console, who) if e["estate_id"] == data.estate_id), None)
        if estate is not None and data.text.strip():
            suggestion = await console.backend.suggest(who.token, estate["regime"], data.text, data.channel)
    except BackendError as exc:
        error = exc.message
    return Template(
        "_suggestion.html", context=page_context(request, who, suggestion=suggestion, error=error)
    )
