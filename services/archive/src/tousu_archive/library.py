"""The case library (典型案例库, 002 9.x): typical cases marked by a manager, each with a short
summary written without names, phone numbers or rooms, searchable by every member of the
group across its estates (the entries carry no personal data, so a station head in one
estate learns from another's). An entry outlives the case's purge."""

from __future__ import annotations

import re
from typing import Annotated, Any

from litestar import Request, delete, get, put
from litestar.exceptions import NotFoundException, ValidationException
from litestar.params import Parameter
from pydantic import Field
from sqlmodel import col, select

from tousu_archive.models import CaseFile, LibraryEntry
from tousu_shared.clean import CleanModel
from tousu_shared.identity.audit import record_audit
from tousu_shared.pii import PHONE_PATTERN
from tousu_shared.runtime.service import identity_of, runtime_of

#: 7-1-1103, 3号楼1201: what a room looks like in a summary that should not name one
_ROOM = re.compile(r"\d+-\d+-\d{3,4}|\d+\s*[号栋幢]楼?\s*(?:\d+\s*单元)?\s*\d{3,4}\s*室?")


class LibraryIn(CleanModel):
    title: str = Field(min_length=2, max_length=200, description="e.g. 高层楼上漏水，维修后回访仍不满意")
    summary: str = Field(
        min_length=10, max_length=4000, description="What happened and how it was handled, anonymised"
    )
    lesson: str | None = Field(
        default=None, max_length=2000, description="What others should do the same way"
    )


def personal_data_in(text: str) -> list[str]:
    """What in ``text`` looks like a phone number or a room: an anonymised summary has none."""
    found = []
    if PHONE_PATTERN.search(text):
        found.append("a phone number")
    if _ROOM.search(text):
        found.append("a room number")
    return found


@put("/v1/library/{complaint_id:str}", tags=["library"])
async def mark_typical(request: Request[Any, Any, Any], complaint_id: str, data: LibraryIn) -> dict[str, Any]:
    """Mark a case as typical (or rewrite its entry): its anonymised summary joins the library."""
    for field, text in (("title", data.title), ("summary", data.summary), ("lesson", data.lesson or "")):
        found = personal_data_in(text)
        if found:
            raise ValidationException(
                f"the {field} contains {' and '.join(found)}: library entries are anonymised"
            )
    rt = runtime_of(request)
    async with rt.sessions() as session, session.begin():
        case = await session.get(CaseFile, complaint_id)
        if case is None:
            raise NotFoundException(f"no complaint {complaint_id!r} in the archive (yet)")
        who = await identity_of(request).authorise(request, "case.review", case.tenant_id, case.estate_id)
        now = rt.clock.now()
        entry = await session.get(LibraryEntry, complaint_id) or LibraryEntry(
            complaint_id=complaint_id,
            tenant_id=case.tenant_id,
            estate_id=case.estate_id,
            title="",
            summary="",
            marked_by=who.subject,
            marked_at=now,
        )
        entry.title, entry.summary, entry.lesson = data.title, data.summary, data.lesson
        entry.topic, entry.category, entry.marked_by, entry.marked_at = (
            case.topic,
            case.category,
            who.subject,
            now,
        )
        session.add(entry)
        record_audit(
            session,
            rt.topics,
            "archive",
            who,
            "case.review",
            tenant_id=case.tenant_id,
            estate_id=case.estate_id,
            complaint_id=complaint_id,
            now=now,
            detail={"library": "marked"},
        )
        return _out(entry)


@delete("/v1/library/{complaint_id:str}", tags=["library"], status_code=200)
async def unmark_typical(request: Request[Any, Any, Any], complaint_id: str) -> dict[str, Any]:
    rt = runtime_of(request)
    async with rt.sessions() as session, session.begin():
        entry = await session.get(LibraryEntry, complaint_id)
        if entry is None:
            raise NotFoundException(f"{complaint_id!r} is not in the case library")
        who = await identity_of(request).authorise(request, "case.review", entry.tenant_id, entry.estate_id)
        await session.delete(entry)
        record_audit(
            session,
            rt.topics,
            "archive",
            who,
            "case.review",
            tenant_id=entry.tenant_id,
            estate_id=entry.estate_id,
            complaint_id=complaint_id,
            now=rt.clock.now(),
            detail={"library": "removed"},
        )
    return {"complaint_id": complaint_id, "removed": True}


@get("/v1/library", tags=["library"])
async def search_library(
    request: Request[Any, Any, Any],
    q: Annotated[str | None, Parameter(min_length=1, max_length=100)] = None,
    topic: str | None = None,
    category: str | None = None,
    tenant_id: str | None = None,
    limit: Annotated[int, Parameter(ge=1, le=200)] = 50,
    offset: Annotated[int, Parameter(ge=0)] = 0,
) -> dict[str, Any]:
    """The group's typical cases, newest first: words of the title, summary or lesson (``q``,
    e.g. 漏水), a topic, a category. Every estate's, for anyone who reads cases in the group."""
    identity = identity_of(request)
    who, _ = await identity.scope(request, "case.read")
    group = identity.group(request, who, "case.read", tenant_id, param="tenant_id")
    query = select(LibraryEntry).where(LibraryEntry.tenant_id == group)
    if topic:
        query = query.where(LibraryEntry.topic == topic)
    if category:
        query = query.where(LibraryEntry.category == category)
    for word in (q or "").split():
        like = (
            col(LibraryEntry.title).contains(word, autoescape=True)
            | col(LibraryEntry.summary).contains(word, autoescape=True)
            | col(LibraryEntry.lesson).contains(word, autoescape=True)
        )
        query = query.where(like)
    rt = runtime_of(request)
    async with rt.sessions() as session:
        rows = await session.scalars(
            query.order_by(col(LibraryEntry.marked_at).desc()).limit(limit).offset(offset)
        )
        return {"items": [_out(row) for row in rows]}


def _out(entry: LibraryEntry) -> dict[str, Any]:
    return entry.model_dump(mode="json")
