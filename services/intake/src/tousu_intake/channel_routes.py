"""``/v1/channels/<channel>/<account>``: where every webhook channel's messages arrive.

The route finds the account (tenant, estates, sealed secret), rate-limits it, lets the
adapter check the signature and read the message, registers every draft in one
transaction, and lets the adapter answer the source. Bad input gets the adapter's own
refusal (400/401/413/422/429); nothing of a refused message is stored.
"""

from __future__ import annotations

from typing import Any

from litestar import Request, Response, get, post

from tousu_channels import BadMessage, ChannelAdapter, HttpIn, HttpOut, Unauthorised
from tousu_intake.host import ChannelHost, host_of
from tousu_intake.models import ChannelAccount
from tousu_intake.openapi import ChannelMessageOperation
from tousu_intake.registration import Refused
from tousu_intake.submission import enabled_account, register_all
from tousu_shared.logging import get_logger
from tousu_shared.runtime.service import Runtime, runtime_of

log = get_logger(__name__)

_NOT_HOSTED = {"status_code": 404, "detail": "this deployment hosts no such channel"}


@post("/v1/channels/{channel:str}/{account:str}", tags=["channels"], operation_class=ChannelMessageOperation)
async def channel_message(request: Request[Any, Any, Any], channel: str, account: str) -> Response[Any]:
    """A channel's message (a JSON complaint, a WeChat XML message, a desk form …)."""
    rt, host = runtime_of(request), host_of(runtime_of(request))
    if (adapter := _hosted(host, channel)) is None:
        return Response(_NOT_HOSTED, status_code=404)
    incoming = await _incoming(request)
    found = await _account(rt, host, adapter, channel, account, incoming)
    if isinstance(found, HttpOut):
        return _response(found)
    try:
        if "preview" in incoming.query and (preview := adapter.preview(incoming)) is not None:
            return _response(preview)
        drafts = adapter.parse(incoming)
        outcomes = await register_all(rt, host, found, drafts)
    except BadMessage as exc:
        return _response(adapter.refuse(incoming, 400, str(exc)))
    except Refused as exc:
        return _response(adapter.refuse(incoming, exc.status, exc.detail))
    log.info("channel message registered", channel=channel, account=account, outcomes=len(outcomes))
    return _response(adapter.respond(incoming, outcomes))


@get("/v1/channels/{channel:str}/{account:str}", tags=["channels"])
async def channel_handshake(request: Request[Any, Any, Any], channel: str, account: str) -> Response[Any]:
    """The check some sources make before they send (WeChat's echostr)."""
    rt, host = runtime_of(request), host_of(runtime_of(request))
    if (adapter := _hosted(host, channel)) is None:
        return Response(_NOT_HOSTED, status_code=404)
    incoming = await _incoming(request)
    row = await enabled_account(rt, channel, account)
    if row is None:
        return _response(adapter.refuse(incoming, 401, "unknown account or bad credentials"))
    return _response(adapter.handshake(incoming, host.vault.open(row.secret_sealed) or "", _now(rt)))


def _hosted(host: ChannelHost, channel: str) -> ChannelAdapter | None:
    adapter = host.adapters.get(channel)
    return adapter if adapter is not None and adapter.webhook else None


async def _account(
    rt: Runtime, host: ChannelHost, adapter: ChannelAdapter, channel: str, account: str, incoming: HttpIn
) -> ChannelAccount | HttpOut:
    row = await enabled_account(rt, channel, account)
    if row is None:
        # One answer for an unknown account and a bad secret: no probing for account names.
        return adapter.refuse(incoming, 401, "unknown account or bad credentials")
    if not host.allow(channel, account, row.rate_per_minute):
        return adapter.refuse(incoming, 429, "too many messages from this account; retry in a minute")
    try:
        adapter.verify(incoming, host.vault.open(row.secret_sealed) or "", _now(rt))
    except Unauthorised as exc:
        log.warning("channel message refused", channel=channel, account=account, reason=str(exc))
        return adapter.refuse(incoming, 401, f"unknown account or bad credentials: {exc}")
    return row


async def _incoming(request: Request[Any, Any, Any]) -> HttpIn:
    return HttpIn(
        method=request.method,
        path=request.url.path,
        query={k: v for k, v in request.query_params.items()},
        headers={k.lower(): v for k, v in request.headers.items()},
        body=await request.body(),
    )


def _now(rt: Runtime) -> float:
    return rt.clock.now().timestamp()


def _response(out: HttpOut) -> Response[Any]:
    body = out.body.encode() if isinstance(out.body, str) else out.body
    return Response(body, status_code=out.status, media_type=out.content_type)
