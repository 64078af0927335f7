from __future__ import annotations

from pathlib import Path

import typer

from tousu_shared.contracts.schemas import export as export_schemas

app = typer.Typer(help="The message contracts.", no_args_is_help=True)


@app.command("export")
def export(
    directory: Path = typer.Argument(Path("shared/schemas"), help="where to write the JSON Schemas"),
) -> None:
    """Write the JSON Schema of the envelope and of every event type."""
    for path in export_schemas(directory):
        typer.echo(path)
