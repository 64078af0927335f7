"""Callback's part of the purge: on archive's ``CasePurged`` the case's words go — what the
complaint said, who made it and where they live (intake's facts), staff notes and the
resolution (the case file), and the residents' comments on the callbacks. The grades and
outcomes stay (callback's summary of past months still adds up)."""

from __future__ import annotations

from sqlalchemy import update
from sqlmodel import col

from tousu_callback.models import CallbackTask, CaseFile, IntakeFacts, PendingNotification
from tousu_shared.contracts.envelope import Envelope
from tousu_shared.delivery.consumer import HandlerContext


async def on_archive_event(ctx: HandlerContext, event: Envelope) -> None:
    if event.type != "CasePurged":
        return
    session, cid = ctx.session, event.complaint_id
    await session.execute(
        update(IntakeFacts)
        .where(col(IntakeFacts.complaint_id) == cid)
        .values(summary="", complainant=None, room=None, contact_ref=None)
    )
    await session.execute(
        update(CaseFile)
        .where(col(CaseFile.complaint_id) == cid)
        .values(steps="[]", promised=None, resolution=None)
    )
    await session.execute(
        update(CallbackTask).where(col(CallbackTask.complaint_id) == cid).values(comment=None)
    )
    await session.execute(
        update(PendingNotification)
        .where(col(PendingNotification.complaint_id) == cid, col(PendingNotification.status) != "pending")
        .values(body="")
    )
