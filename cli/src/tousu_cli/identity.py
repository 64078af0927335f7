"""``tousu token`` (mint a person's token with the local issuer) and ``tousu policy show``."""

from __future__ import annotations

from pathlib import Path

import typer

token_app = typer.Typer(help="People's tokens from the local issuer (make run, demos, tests).")
policy_app = typer.Typer(help="The access policy: which roles hold which permission.", no_args_is_help=True)


@token_app.callback(invoke_without_command=True)
def token(
    subject: str = typer.Option(..., "--sub", help="the person's staff id, e.g. eng-07"),
    tenant: str = typer.Option(..., "--tenant", help="their property group"),
    role: list[str] = typer.Option(
        ..., "--role", help="role@estate (or role@* for every estate of the group); repeat for more"
    ),
    name: str | None = typer.Option(None, "--name", help="display name"),
    hours: float = typer.Option(8.0, "--hours", min=0.01, max=24 * 30, help="how long the token is valid"),
    data_dir: Path = typer.Option(
        Path(".run/data"), "--data-dir", envvar="TOUSU_DATA_DIR", help="where the issuer's key lives"
    ),
) -> None:
    """Print a signed bearer token for one person (the services of this data folder trust it)."""
    from tousu_shared.identity.local_issuer import issue
    from tousu_shared.identity.principal import BadGrant

    try:
        minted = issue(data_dir, subject, tenant, role, name=name, ttl_seconds=int(hours * 3600))
    except BadGrant as exc:
        typer.echo(f"tousu token: {exc}", err=True)
        raise typer.Exit(2) from None
    typer.echo(minted)


@policy_app.command("show")
def show() -> None:
    """Each permission, what it allows, and the roles that hold it."""
    from tousu_shared.identity import shipped_policy

    for permission in shipped_policy().permissions.values():
        who = ", ".join(sorted(permission.roles)) or "nobody"
        operator = "; operator too" if permission.operator else ""
        typer.echo(f"{permission.name}: {permission.description}\n    {who}{operator}")
