"""``GET /live``: server-sent events telling an open page that a case of one of its
person's estates moved; the page then reloads the part it shows (console.js). Never a case
of an estate, or a group, the person does not work in."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from typing import Any

import orjson
from litestar import Request, get
from litestar.response import ServerSentEvent

from tousu_console.hub import CLOSING, Listener
from tousu_console.runtime import console_of
from tousu_console.session import signed_in
from tousu_shared.identity.principal import ALL_ESTATES, parse_grants

#: a page that hears nothing for this long still gets a keep-alive, so proxies keep it open
_KEEPALIVE_SECONDS = 15


@get("/live", include_in_schema=False)
async def live_events(request: Request[Any, Any, Any]) -> ServerSentEvent:
    who = signed_in(request)
    grants = parse_grants(who.roles)
    estates = None if any(g.estate == ALL_ESTATES for g in grants) else {g.estate for g in grants}
    hub = console_of(request).hub
    listener = Listener(who.tenant, estates)

    async def stream() -> AsyncIterator[str]:
        hub.listeners.add(listener)
        try:
            if hub.closing:
                return
            yield orjson.dumps({"type": "hello"}).decode()
            while True:
                try:
                    notice = await asyncio.wait_for(listener.queue.get(), timeout=_KEEPALIVE_SECONDS)
                except TimeoutError:
                    yield orjson.dumps({"type": "keepalive"}).decode()
                    continue
                yield orjson.dumps({k: v for k, v in notice.items() if k != "tenant"}).decode()
                if notice is CLOSING:
                    return
        finally:
            hub.listeners.discard(listener)

    return ServerSentEvent(stream(), headers={"Cache-Control": "no-store", "X-Accel-Buffering": "no"})
