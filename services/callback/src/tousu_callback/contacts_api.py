"""Staff contact addresses per estate: uploaded by whoever keeps the estate's roster, read
back masked, and used only by the notifiers at send time."""

from __future__ import annotations

from typing import Any

from litestar import Request, get, put
from litestar.exceptions import NotFoundException
from sqlmodel import col, delete, select

from tousu_callback.models import StaffContact
from tousu_callback.schemas import StaffContactsIn
from tousu_shared.delivery.tables import EstateTenant
from tousu_shared.pii import mask_phone
from tousu_shared.runtime.service import identity_of, runtime_of


def _masked(contact: StaffContact) -> dict[str, Any]:
    email = contact.email
    return {
        "staff_id": contact.staff_id,
        "phone": mask_phone(contact.phone) if contact.phone else None,
        "email": f"{email[0]}***@{email.split('@', 1)[1]}" if email else None,
        "wechat_openid": "***" if contact.wechat_openid else None,
        "webhook_url": "***" if contact.webhook_url else None,
    }


@put("/v1/estates/{estate_id:str}/staff-contacts", tags=["notifications"])
async def put_staff_contacts(
    request: Request[Any, Any, Any], estate_id: str, data: StaffContactsIn
) -> dict[str, Any]:
    """Replace the estate's staff contacts (what the SMS, e-mail, WeChat and webhook
    notifiers send to); the answer is masked."""
    rt = runtime_of(request)
    now = rt.clock.now()
    async with rt.sessions() as session, session.begin():
        # the estate's group as the events said, else as its contacts say: naming another is a 404
        bound = await session.get(EstateTenant, estate_id)
        kept = await session.scalar(
            select(StaffContact.tenant_id).where(col(StaffContact.estate_id) == estate_id)
        )
        owner = bound.tenant_id if bound else kept
        await identity_of(request).authorise(request, "roster.write", owner or data.tenant_id, estate_id)
        if owner not in (None, data.tenant_id):
            raise NotFoundException("not found")
        await session.execute(delete(StaffContact).where(col(StaffContact.estate_id) == estate_id))
        rows = [
            StaffContact(
                estate_id=estate_id,
                tenant_id=data.tenant_id,
                staff_id=c.staff_id,
                phone=c.phone,
                email=c.email,
                wechat_openid=c.wechat_openid,
                webhook_url=str(c.webhook_url) if c.webhook_url else None,
                updated_at=now,
            )
            for c in data.contacts
        ]
        session.add_all(rows)
    return {"estate_id": estate_id, "contacts": [_masked(r) for r in rows]}


@get("/v1/estates/{estate_id:str}/staff-contacts", tags=["notifications"])
async def get_staff_contacts(request: Request[Any, Any, Any], estate_id: str) -> dict[str, Any]:
    rt = runtime_of(request)
    async with rt.sessions() as session:
        rows = (
            await session.scalars(
                select(StaffContact)
                .where(col(StaffContact.estate_id) == estate_id)
                .order_by(col(StaffContact.staff_id))
            )
        ).all()
    tenant = rows[0].tenant_id if rows else None
    await identity_of(request).authorise(request, "roster.read", tenant, estate_id)
    return {"estate_id": estate_id, "contacts": [_masked(r) for r in rows]}
