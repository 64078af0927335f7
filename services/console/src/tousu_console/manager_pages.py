"""For managers: the escalations waiting for them (the regime named their role), newest first."""

from __future__ import annotations

from typing import Any

from litestar import Request, get
from litestar.response import Template

from tousu_console.backend import BackendError
from tousu_console.runtime import console_of
from tousu_console.session import page_context, signed_in


@get("/escalations", include_in_schema=False)
async def escalations(request: Request[Any, Any, Any], everyone: bool = False) -> Template:
    who = signed_in(request)
    items: list[dict[str, Any]] = []
    error = None
    try:
        found = await console_of(request).backend.get(
            "archive", "/v1/escalations", who.token, mine="false" if everyone else "true", limit=100
        )
        items = found["items"]
    except BackendError as exc:
        error = exc.message
    return Template(
        "escalations.html", context=page_context(request, who, items=items, everyone=everyone, error=error)
    )
