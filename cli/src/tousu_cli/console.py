"""``tousu console``: the desk console's people file."""

from __future__ import annotations

from pathlib import Path

import typer

app = typer.Typer(
    help="The desk console (web pages for desk staff, engineers and managers).", no_args_is_help=True
)


@app.command("hash-password")
def hash_password_command() -> None:
    """Ask for a password (twice, not echoed) and print its scrypt hash for the people file."""
    from tousu_console.people import hash_password

    password = typer.prompt("password", hide_input=True, confirmation_prompt=True)
    if len(password) < 8:
        typer.secho("tousu console: a password needs at least 8 characters", fg="red", err=True)
        raise typer.Exit(2)
    typer.echo(hash_password(password))


@app.command("check-people")
def check_people(path: Path = typer.Argument(Path("demo/people.yaml"), help="the people file")) -> None:
    """Validate a people file: who it lets sign in, with which roles."""
    from tousu_console.people import People, PeopleFileError

    try:
        people = People.load(path)
    except PeopleFileError as exc:
        typer.secho(f"tousu console: {exc}", fg="red", err=True)
        raise typer.Exit(2) from None
    for person in people:
        typer.echo(f"{person.login:<16} {person.tenant:<20} {', '.join(person.roles)}")
    typer.echo(f"{len(people)} people may sign in")
