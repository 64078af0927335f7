from __future__ import annotations

from pathlib import Path

import typer

app = typer.Typer(help="The message contracts.", no_args_is_help=True)


@app.command("export")
def export(
    directory: Path = typer.Argument(Path("shared/schemas"), help="where to write the JSON Schemas"),
) -> None:
    """Write the JSON Schema of the envelope and of every event type."""
    from tousu_shared.contracts.schemas import export as export_schemas

    for path in export_schemas(directory):
        typer.echo(path)
