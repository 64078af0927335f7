"""Intake's part of the purge: when archive announces ``CasePurged`` (the case's retention ran
out), the complainant's sealed contact leaves the vault, what they said leaves the complaint
(and its repeats and answers), and the evidence files go. The complaint's row stays, marked
``purged``, so a late reveal is a clear 410 and not a 404."""

from __future__ import annotations

from sqlalchemy import delete, or_
from sqlmodel import col, select

from tousu_intake.models import Clarification, Complaint, Contact, EvidenceFile
from tousu_shared.contracts.envelope import Envelope
from tousu_shared.delivery.consumer import HandlerContext

PURGED = "purged"


async def on_archive_event(ctx: HandlerContext, event: Envelope) -> None:
    if event.type != "CasePurged":
        return  # reviews, holds, reports: nothing for intake
    session = ctx.session
    rows = (
        await session.scalars(
            select(Complaint).where(
                or_(
                    col(Complaint.complaint_id) == event.complaint_id,
                    col(Complaint.related_to) == event.complaint_id,
                ),
                col(Complaint.tenant_id) == event.tenant_id,
            )
        )
    ).all()
    for row in rows:
        await session.execute(delete(Contact).where(col(Contact.contact_ref) == row.contact_ref))
        await session.execute(delete(EvidenceFile).where(col(EvidenceFile.complaint_id) == row.complaint_id))
        await session.execute(
            delete(Clarification).where(col(Clarification.complaint_id) == row.complaint_id)
        )
        row.text, row.text_sealed = "", None
        row.room = row.location = row.persons_involved = None
        row.contact_name_masked = row.contact_phone_masked = None
        row.status = PURGED
