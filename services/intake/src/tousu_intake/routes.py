"""Intake's admin API: estates and channel accounts (the operator's token: policy
``estate.admin`` and ``channel.admin``)."""

from __future__ import annotations

import secrets
from datetime import timedelta
from typing import Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

import orjson
import sqlalchemy as sa
from litestar import Request, get, put
from litestar.exceptions import ClientException
from litestar.status_codes import HTTP_200_OK
from sqlmodel import col, select

from tousu_intake.host import host_of
from tousu_intake.models import ChannelAccount, Complaint, Estate
from tousu_intake.schemas import ChannelAccountIn, ChannelAccountOut, EstateIn
from tousu_shared.identity import Principal
from tousu_shared.regimes import REGIME_IDS, load_regime
from tousu_shared.runtime.service import identity_of, runtime_of


class Unprocessable(ClientException):
    status_code = 422


async def admin_guard(request: Request[Any, Any, Any], permission: str) -> Principal:
    """Platform-wide administration: the policy gives it to the operator only."""
    return await identity_of(request).authorise(request, permission, None, None)


@put("/v1/estates/{estate_id:str}", tags=["admin"], status_code=HTTP_200_OK)
async def put_estate(request: Request[Any, Any, Any], estate_id: str, data: EstateIn) -> dict[str, str]:
    """Create or update an estate and bind it to a regime."""
    await admin_guard(request, "estate.admin")
    if data.regime not in REGIME_IDS:
        raise Unprocessable(f"unknown regime {data.regime!r}; known: {', '.join(REGIME_IDS)}")
    try:
        ZoneInfo(data.timezone)
    except (ZoneInfoNotFoundError, ValueError):
        raise Unprocessable(f"unknown time zone {data.timezone!r}") from None
    known = load_regime(data.regime).parameters
    if unknown := sorted(set(data.parameters) - set(known)):
        names = ", ".join(map(repr, unknown))
        raise Unprocessable(f"{data.regime} has no parameter {names}; known: {', '.join(sorted(known))}")
    rt = runtime_of(request)
    fields = data.model_dump(exclude={"parameters"})
    async with rt.sessions() as session, session.begin():
        existing = await session.get(Estate, estate_id)
        if existing and existing.tenant_id != data.tenant_id:
            raise Unprocessable(f"estate {estate_id!r} belongs to another tenant")
        parameters = orjson.dumps(data.parameters).decode()
        await session.merge(Estate(estate_id=estate_id, parameters=parameters, **fields))
    return {"estate_id": estate_id, **data.model_dump()}


@get("/v1/estates", tags=["admin"])
async def list_estates(request: Request[Any, Any, Any], tenant_id: str) -> list[dict[str, Any]]:
    await admin_guard(request, "estate.admin")
    rt = runtime_of(request)
    async with rt.sessions() as session:
        rows = await session.scalars(
            select(Estate).where(Estate.tenant_id == tenant_id).order_by(Estate.estate_id)
        )
        return [row.model_dump() | {"parameters": orjson.loads(row.parameters)} for row in rows]


@get("/v1/my/estates", tags=["estates"])
async def my_estates(request: Request[Any, Any, Any]) -> list[dict[str, Any]]:
    """The estates the caller works in (where they may read cases): name, regime, time zone.
    What a desk console offers in its estate list and reads the regime from."""
    who, scope = await identity_of(request).scope(request, "case.read")
    if who.is_operator:
        raise ClientException("the operator works in no estate; GET /v1/estates?tenant_id= lists a group's")
    query = select(Estate).where(col(Estate.tenant_id) == scope.tenant).order_by(col(Estate.estate_id))
    if scope.estates is not None:
        query = query.where(col(Estate.estate_id).in_(scope.estates))
    async with runtime_of(request).sessions() as session:
        rows = await session.scalars(query)
        return [
            {"estate_id": r.estate_id, "name": r.name, "regime": r.regime, "timezone": r.timezone}
            for r in rows
        ]


@put("/v1/channel-accounts/{account_id:str}", tags=["admin"], status_code=HTTP_200_OK)
async def put_channel_account(
    request: Request[Any, Any, Any], account_id: str, data: ChannelAccountIn
) -> ChannelAccountOut:
    """Create or update a channel account: which tenant and estates its messages may write into."""
    await admin_guard(request, "channel.admin")
    rt = runtime_of(request)
    host = host_of(rt)
    if data.default_estate and data.default_estate not in data.estates:
        raise Unprocessable("default_estate must be one of estates")
    async with rt.sessions() as session, session.begin():
        existing = await session.get(ChannelAccount, account_id)
        if existing and existing.tenant_id != data.tenant_id:
            raise Unprocessable(f"account {account_id!r} belongs to another tenant")
        rows = await session.scalars(select(Estate).where(col(Estate.estate_id).in_(data.estates)))
        own = {e.estate_id for e in rows if e.tenant_id == data.tenant_id}
        if missing := [e for e in data.estates if e not in own]:
            raise Unprocessable(f"unknown estates for tenant {data.tenant_id!r}: {', '.join(missing)}")
        generated = secrets.token_hex(16) if data.secret is None and existing is None else None
        secret = data.secret or generated
        sealed = host.vault.seal(secret) if secret else existing.secret_sealed if existing else None
        assert sealed is not None  # a new account always has a secret (given or generated)
        account = ChannelAccount(
            account_id=account_id,
            channel=data.channel,
            tenant_id=data.tenant_id,
            estates=",".join(data.estates),
            default_estate=data.default_estate or (data.estates[0] if len(data.estates) == 1 else None),
            secret_sealed=sealed,
            rate_per_minute=data.rate_per_minute,
            enabled=data.enabled,
            created_at=existing.created_at if existing else rt.clock.now(),
        )
        await session.merge(account)
    return _account_out(account, generated)


@get("/v1/channel-accounts", tags=["admin"])
async def list_channel_accounts(request: Request[Any, Any, Any], tenant_id: str) -> list[ChannelAccountOut]:
    await admin_guard(request, "channel.admin")
    rt = runtime_of(request)
    async with rt.sessions() as session:
        rows = list(
            await session.scalars(
                select(ChannelAccount)
                .where(col(ChannelAccount.tenant_id) == tenant_id)
                .order_by(col(ChannelAccount.account_id))
            )
        )
        since = rt.clock.now() - timedelta(hours=24)
        traffic = await session.execute(
            select(
                col(Complaint.account_id),
                sa.func.max(col(Complaint.received_at)),
                sa.func.count().filter(col(Complaint.received_at) >= since),
            )
            .where(col(Complaint.tenant_id) == tenant_id)
            .where(col(Complaint.account_id).in_([row.account_id for row in rows]))
            .group_by(col(Complaint.account_id))
        )
        seen = {account: (last, recent) for account, last, recent in traffic}
    out = []
    for row in rows:
        last, recent = seen.get(row.account_id, (None, 0))
        out.append(
            _account_out(row, None).model_copy(update={"last_received_at": last, "received_last_24h": recent})
        )
    return out


def _account_out(a: ChannelAccount, secret: str | None) -> ChannelAccountOut:
    return ChannelAccountOut(
        account_id=a.account_id,
        channel=a.channel,
        tenant_id=a.tenant_id,
        estates=a.estate_ids(),
        default_estate=a.default_estate,
        rate_per_minute=a.rate_per_minute,
        enabled=a.enabled,
        url=f"/v1/channels/{a.channel}/{a.account_id}",
        secret=secret,
    )
