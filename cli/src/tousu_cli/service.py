from __future__ import annotations

import typer

from tousu_cli.services import spec_of

app = typer.Typer(help="Run one service in this process (what a Kubernetes pod runs).", no_args_is_help=True)


@app.command("run")
def run(
    name: str = typer.Argument(help="intake, triage, dispatch, sla-monitor, callback or archive"),
) -> None:
    """Run a service; settings come from TOUSU_* environment variables."""
    from tousu_shared.runtime.service import serve

    serve(spec_of(name))
