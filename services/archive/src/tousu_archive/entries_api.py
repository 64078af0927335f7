"""Managers' entries on a case file: a review (found true or not, against whom), a correction
of its classification, a legal hold. Each is a new, audited entry in the timeline; nothing
filed before is changed."""

from __future__ import annotations

from typing import Annotated, Any

from litestar import Request, post
from litestar.exceptions import NotFoundException, ValidationException
from pydantic import BaseModel, Field

from tousu_archive.case_file import CORRECTABLE, building_of
from tousu_archive.entries import add_entry
from tousu_archive.models import CaseFile
from tousu_shared.clean import CleanModel
from tousu_shared.contracts.events import CaseCorrected, CaseReviewed, LegalHoldChanged
from tousu_shared.identity.audit import record_audit
from tousu_shared.identity.web import acting_as
from tousu_shared.runtime.service import identity_of, runtime_of

_STAFF_ID = Annotated[str, Field(min_length=1, max_length=64, pattern=r"^[A-Za-z0-9][A-Za-z0-9_.:@-]*$")]


class ReviewIn(CleanModel):
    substantiated: bool = Field(description="Was the complaint found true (投诉属实)")
    staff: list[_STAFF_ID] = Field(
        default_factory=list, max_length=20, description="Staff it was true against"
    )
    note: str | None = Field(default=None, max_length=2000)
    by: str | None = Field(default=None, max_length=64, description="The reviewer (operator only)")


class CorrectionIn(CleanModel):
    field: str = Field(description=f"One of: {', '.join(CORRECTABLE)}")
    value: str = Field(min_length=1, max_length=64)
    reason: str = Field(min_length=1, max_length=500)
    by: str | None = Field(default=None, max_length=64)


class HoldIn(CleanModel):
    hold: bool = Field(description="true: keep the file past retention; false: release it")
    reason: str = Field(min_length=1, max_length=500)


async def _entry(
    request: Request[Any, Any, Any],
    complaint_id: str,
    permission: str,
    build: Any,
    by: str | None = None,
) -> dict[str, Any]:
    rt = runtime_of(request)
    async with rt.sessions() as session, session.begin():
        case = await session.get(CaseFile, complaint_id)
        if case is None:
            raise NotFoundException(f"no complaint {complaint_id!r} in the archive (yet)")
        who = await identity_of(request).authorise(request, permission, case.tenant_id, case.estate_id)
        actor = acting_as(who, by)  # a hold takes no `by`: its holders are people
        if case.purged_at is not None:
            raise ValidationException("this case file was purged when its retention ran out")
        payload: BaseModel = build(case, actor)
        now = rt.clock.now()
        event = add_entry(session, rt.topics, case, payload, now)
        record_audit(
            session,
            rt.topics,
            "archive",
            who,
            permission,
            tenant_id=case.tenant_id,
            estate_id=case.estate_id,
            complaint_id=case.complaint_id,
            now=now,
            acting_for=actor if who.is_operator else None,
            detail={"entry": event.type},
            caused=event,
        )
        return {"event_id": event.event_id, "type": event.type, **case.shown()}


@post("/v1/complaints/{complaint_id:str}/review", tags=["cases"], status_code=201)
async def review_case(request: Request[Any, Any, Any], complaint_id: str, data: ReviewIn) -> dict[str, Any]:
    """Record the review of a case: found true or not, and against which staff members (the
    staff ladder counts these). A later review stands; the earlier stays in the timeline."""
    if data.staff and not data.substantiated:
        raise ValidationException("staff are named only when the complaint was found true")
    return await _entry(
        request,
        complaint_id,
        "case.review",
        lambda case, actor: CaseReviewed(
            substantiated=data.substantiated, staff=sorted(set(data.staff)), note=data.note, by=actor
        ),
        data.by,
    )


@post("/v1/complaints/{complaint_id:str}/corrections", tags=["cases"], status_code=201)
async def correct_case(
    request: Request[Any, Any, Any], complaint_id: str, data: CorrectionIn
) -> dict[str, Any]:
    """Correct a case file's topic, category, department or room after the fact (e.g. a
    misfiled complaint, for the reports); a new entry, the timeline keeps what was filed."""
    if data.field not in CORRECTABLE:
        raise ValidationException(f"field {data.field!r}: one of {', '.join(CORRECTABLE)}")
    if data.field == "room" and building_of(data.value) is None:
        raise ValidationException("a room reads building-unit-room, e.g. 7-1-1103")
    return await _entry(
        request,
        complaint_id,
        "case.review",
        lambda case, actor: CaseCorrected(
            field=data.field,
            value=data.value,
            previous=getattr(case, data.field),
            reason=data.reason,
            by=actor,
        ),
        data.by,
    )


@post("/v1/complaints/{complaint_id:str}/hold", tags=["cases"], status_code=201)
async def hold_case(request: Request[Any, Any, Any], complaint_id: str, data: HoldIn) -> dict[str, Any]:
    """Put a case on legal hold (诉讼保全: its file is kept, personal data included, past its
    retention) or release it; the purge skips a held case."""
    return await _entry(
        request,
        complaint_id,
        "case.hold",
        lambda case, actor: LegalHoldChanged(hold=data.hold, reason=data.reason, by=actor),
    )
