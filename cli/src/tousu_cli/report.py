"""``tousu report monthly|daily PERIOD``: a report from archive, saved as XLSX, PDF or JSON."""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

import typer

from tousu_cli.demo import DATA_DIR, admin_token
from tousu_shared.ports import DEFAULT_PORTS

app = typer.Typer(
    help="Monthly and daily complaint reports (from the archive service).", no_args_is_help=True
)

_ARCHIVE = f"http://127.0.0.1:{DEFAULT_PORTS['archive']}"
_SUFFIX = {"xlsx": ".xlsx", "pdf": ".pdf", "json": ".json"}


def _fetch(
    kind: str,
    period: str,
    scope: str,
    fmt: str,
    archive: str,
    token: str | None,
    tenant: str | None,
    issue: bool,
) -> tuple[bytes, dict[str, Any] | None]:
    import httpx  # here: `tousu` starts faster for commands that never call out

    bearer = token or os.environ.get("TOUSU_TOKEN") or admin_token(DATA_DIR)
    params = {"period": period, "scope": scope, "format": fmt, **({"tenant_id": tenant} if tenant else {})}
    headers = {"authorization": f"Bearer {bearer}"}
    try:
        with httpx.Client(base_url=archive, headers=headers, timeout=120) as client:
            issued = None
            if issue:
                r = client.post(f"/v1/reports/{kind}", params=params, json={"period": period, "scope": scope})
                _check(r)
                issued = r.json()
                r = client.get(issued["links"][fmt])
            else:
                r = client.get(f"/v1/reports/{kind}", params=params)
            _check(r)
            return r.content, issued
    except httpx.TransportError as exc:
        typer.secho(
            f"tousu report: archive at {archive} does not answer ({exc}); is it running?", fg="red", err=True
        )
        raise typer.Exit(1) from None


def _check(r: Any) -> None:
    if r.is_success:
        return
    try:
        detail = r.json().get("detail") or r.text
    except ValueError:
        detail = r.text
    typer.secho(f"tousu report: {r.status_code} {detail}", fg="red", err=True)
    raise typer.Exit(1)


def _command(kind: str) -> Any:
    def command(
        period: str = typer.Argument(help="monthly: YYYY-MM (2026-11); daily: YYYY-MM-DD"),
        scope: str = typer.Option("group", help="group, region:<name> or estate:<id>"),
        fmt: str = typer.Option("xlsx", "--format", help="xlsx, pdf or json"),
        out: Path | None = typer.Option(
            None, help="where to save it (default: tousu-<kind>-<scope>-<period>.<fmt>)"
        ),
        archive: str = typer.Option(
            "http://127.0.0.1:8006", envvar="TOUSU_ARCHIVE_URL", help="archive's URL"
        ),
        token: str | None = typer.Option(
            None, help="a person's token (else TOUSU_TOKEN, else the operator's)"
        ),
        tenant: str | None = typer.Option(None, help="the group (the operator must name it)"),
        issue: bool = typer.Option(False, help="also keep it in archive (as the monthly run does)"),
    ) -> None:
        if fmt not in _SUFFIX:
            raise typer.BadParameter(f"--format {fmt!r}: one of xlsx, pdf, json")
        body, issued = _fetch(kind, period, scope, fmt, archive, token, tenant, issue)
        target = out or Path(f"tousu-{kind}-{scope.replace(':', '-')}-{period}{_SUFFIX[fmt]}")
        target.write_bytes(body)
        note = f" (issued as {issued['report_id']})" if issued else ""
        typer.echo(f"{kind} report {period} of {scope}: {target} ({len(body):,} bytes){note}")

    command.__doc__ = f"Fetch the {kind} report of PERIOD and save it."
    return command


app.command("monthly")(_command("monthly"))
app.command("daily")(_command("daily"))
