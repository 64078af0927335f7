from __future__ import annotations

from pathlib import Path
from typing import Any

import typer
import yaml

app = typer.Typer(help="Demo data for local runs.", no_args_is_help=True)

DEFAULT_FILE = Path("demo/group.yaml")


def read_group(path: Path) -> dict[str, Any]:
    try:
        data = yaml.safe_load(path.read_text(encoding="utf-8"))
    except (OSError, yaml.YAMLError) as exc:
        raise typer.BadParameter(f"{path}: {exc}") from None
    if not isinstance(data, dict) or "tenant_id" not in data or not isinstance(data.get("estates"), list):
        raise typer.BadParameter(f"{path}: needs 'tenant_id' and a list of 'estates'")
    return data


def load_group(intake_url: str, group: dict[str, Any]) -> list[str]:
    import httpx  # here, not at the top: `tousu` starts faster for commands that never call out

    loaded = []
    with httpx.Client(base_url=intake_url, timeout=10) as client:
        for estate in group["estates"]:
            body = {"tenant_id": group["tenant_id"], "name": estate["name"], "regime": estate["regime"]}
            if "timezone" in estate:
                body["timezone"] = estate["timezone"]
            response = client.put(f"/v1/estates/{estate['estate_id']}", json=body)
            if response.status_code >= 400:
                raise typer.BadParameter(
                    f"estate {estate['estate_id']}: {response.status_code} {response.text}"
                )
            loaded.append(estate["estate_id"])
    return loaded


@app.command("load")
def load(
    file: Path = typer.Option(DEFAULT_FILE, help="the property group and its estates"),
    intake: str = typer.Option("http://127.0.0.1:8001", envvar="TOUSU_INTAKE_URL", help="intake's base URL"),
) -> None:
    """Register the demo property group's estates with intake."""
    import httpx

    group = read_group(file)
    try:
        estates = load_group(intake, group)
    except httpx.HTTPError as exc:
        typer.secho(f"intake at {intake} did not answer: {exc}", fg="red", err=True)
        raise typer.Exit(1) from None
    typer.echo(f"loaded {len(estates)} estates of {group['tenant_id']}: {', '.join(estates)}")
