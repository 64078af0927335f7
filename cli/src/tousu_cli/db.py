from __future__ import annotations

import asyncio

import typer

from tousu_cli.services import spec_of

app = typer.Typer(help="Database schema migrations (Alembic, per service).", no_args_is_help=True)


@app.command("upgrade")
def upgrade(name: str = typer.Argument(help="the service whose database to migrate")) -> None:
    """Migrate the service's database (TOUSU_DATABASE_URL) to the newest schema."""
    from tousu_shared.db.engine import make_engine
    from tousu_shared.db.migrate import upgrade as run_upgrade
    from tousu_shared.settings import ServiceSettings

    spec = spec_of(name)
    try:
        url = ServiceSettings().database_url_for(name)
    except ValueError as exc:
        typer.secho(f"tousu db upgrade: {exc}", fg="red", err=True)
        raise typer.Exit(2) from None

    async def _go() -> None:
        engine = make_engine(url)
        try:
            await run_upgrade(engine, spec.migrations)
        finally:
            await engine.dispose()

    try:
        asyncio.run(_go())
    except Exception as exc:
        typer.secho(f"migration of {name} failed: {type(exc).__name__}: {exc}", fg="red", err=True)
        raise typer.Exit(1) from None
    typer.echo(f"{name}: database at the newest schema")
