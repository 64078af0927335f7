"""``tousu``: one command-line tool for Tousu's users and operators."""

from __future__ import annotations

import typer

from tousu_cli import archive, console, contracts, db, demo, dev, dlq, identity, regimes, report, service
from tousu_cli.simulate import simulate_command
from tousu_cli.triage import triage_command
from tousu_shared.logging import configure_logging

app = typer.Typer(help="Tousu (投诉): complaint handling for property groups.", no_args_is_help=True)


@app.callback()
def _cli_logging() -> None:
    """Warnings go to stderr as readable lines, so stdout stays clean for JSON output.

    ``tousu service run`` reconfigures logging as JSON for the service it starts.
    """
    configure_logging("cli", level="WARNING", json=False)


app.add_typer(service.app, name="service")
app.add_typer(dev.app, name="dev")
app.add_typer(demo.app, name="demo")
app.add_typer(contracts.app, name="contracts")
app.add_typer(db.app, name="db")
app.add_typer(regimes.app, name="regimes")
app.add_typer(identity.token_app, name="token")
app.add_typer(identity.policy_app, name="policy")
app.add_typer(report.app, name="report")
app.add_typer(archive.app, name="archive")
app.add_typer(dlq.app, name="dlq")
app.add_typer(console.app, name="console")
app.command("simulate")(simulate_command)
app.command("triage")(triage_command)

if __name__ == "__main__":
    app()
