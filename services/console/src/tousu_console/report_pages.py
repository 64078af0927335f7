"""The monthly report for managers: figures and charts on the page, and the XLSX and PDF
archive makes, downloaded through the console with the manager's own token."""

from __future__ import annotations

from datetime import date
from typing import Annotated, Any, Literal

from litestar import Request, get
from litestar.params import Parameter
from litestar.response import Response, Template

from tousu_console.backend import BackendError
from tousu_console.runtime import console_of
from tousu_console.session import page_context, signed_in

#: which estates a report covers: group, region:<name> or estate:<id> (``?scope=``)
Of = Annotated[str, Parameter(query="scope", max_length=140)]

_TYPES = {
    "xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    "pdf": "application/pdf",
}


def last_month(today: date) -> str:
    first = today.replace(day=1)
    return f"{first.year - 1}-12" if first.month == 1 else f"{first.year}-{first.month - 1:02d}"


@get("/reports", include_in_schema=False)
async def report_page(request: Request[Any, Any, Any], period: str = "", of: Of = "group") -> Template:
    who = signed_in(request)
    period = period or last_month(date.today())
    report, error = None, None
    try:
        report = await console_of(request).backend.get(
            "archive", "/v1/reports/monthly", who.token, period=period, scope=of, format="json"
        )
    except BackendError as exc:
        error = exc.message
    context = page_context(request, who, period=period, scope=of, report=report, error=error)
    return Template("report.html", context=context)


@get("/reports/download", include_in_schema=False)
async def download(
    request: Request[Any, Any, Any], period: str, format: Literal["xlsx", "pdf"], of: Of = "group"
) -> Response[bytes] | Template:
    who = signed_in(request)
    try:
        reply = await console_of(request).backend.call(
            "archive",
            "GET",
            "/v1/reports/monthly",
            who.token,
            params={"period": period, "scope": of, "format": format},
            raw=True,
        )
    except BackendError as exc:
        context = page_context(request, who, period=period, scope=of, report=None, error=exc.message)
        return Template("report.html", context=context, status_code=exc.status)
    filename = f"tousu-monthly-{period}-{of.replace(':', '-')}.{format}"
    return Response(
        reply.body,
        media_type=_TYPES[format],
        headers={"Content-Disposition": f'attachment; filename="{filename}"', "Cache-Control": "no-store"},
    )
