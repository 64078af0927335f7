"""``tousu archive rebuild``: case files and clock runs replayed from the timeline."""

from __future__ import annotations

import asyncio

import typer

app = typer.Typer(help="The archive's read models (case files, clock runs).", no_args_is_help=True)


@app.command("rebuild")
def rebuild_command(
    complaint: list[str] | None = typer.Option(None, help="only these complaints (repeat the option)"),
    batch: int = typer.Option(200, min=1, max=10_000, help="case files per transaction"),
) -> None:
    """Replay every case's timeline into its case file and clock runs, e.g. after an upgrade
    that files something new (archive's database: TOUSU_DATABASE_URL). The timeline is only read."""
    from tousu_archive.rebuild import rebuild
    from tousu_shared.db.engine import make_engine, make_sessionmaker
    from tousu_shared.settings import ServiceSettings

    try:
        url = ServiceSettings().database_url_for("archive")
    except ValueError as exc:
        typer.secho(f"tousu archive rebuild: {exc}", fg="red", err=True)
        raise typer.Exit(2) from None

    def progress(done: int, total: int) -> None:
        typer.echo(f"  {done:,} of {total:,} case files rebuilt", err=True)

    async def _go() -> tuple[int, int]:
        engine = make_engine(url)
        try:
            return await rebuild(make_sessionmaker(engine), complaint or None, batch, progress)
        finally:
            await engine.dispose()

    try:
        cases, entries = asyncio.run(_go())
    except Exception as exc:
        typer.secho(f"tousu archive rebuild failed: {type(exc).__name__}: {exc}", fg="red", err=True)
        raise typer.Exit(1) from None
    typer.echo(f"archive: {cases:,} case files rebuilt from {entries:,} timeline entries")
