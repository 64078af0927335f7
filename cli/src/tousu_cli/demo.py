"""``tousu demo load``: the demo property group's estates and channel accounts."""

from __future__ import annotations

import json
import os
import secrets
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import typer
import yaml

app = typer.Typer(help="Demo data for local runs.", no_args_is_help=True)

DEFAULT_FILE = Path("demo/group.yaml")
DATA_DIR = Path(".run/data")


@dataclass(frozen=True)
class Loaded:
    estates: list[str]
    #: account id → (channel, API key / secret), kept in <data>/demo-channel-keys.json
    accounts: dict[str, tuple[str, str]]


def read_group(path: Path) -> dict[str, Any]:
    try:
        data = yaml.safe_load(path.read_text(encoding="utf-8"))
    except (OSError, yaml.YAMLError) as exc:
        raise typer.BadParameter(f"{path}: {exc}") from None
    if not isinstance(data, dict) or "tenant_id" not in data or not isinstance(data.get("estates"), list):
        raise typer.BadParameter(f"{path}: needs 'tenant_id' and a list of 'estates'")
    if not isinstance(data.get("channel_accounts", []), list):
        raise typer.BadParameter(f"{path}: 'channel_accounts' must be a list")
    return data


def admin_token(data_dir: Path) -> str:
    """The token intake was started with: TOUSU_ADMIN_TOKEN, or the one it generated locally."""
    if token := os.environ.get("TOUSU_ADMIN_TOKEN"):
        return token
    path = data_dir / "admin-token"
    try:
        return path.read_text().strip()
    except OSError:
        raise typer.BadParameter(f"no TOUSU_ADMIN_TOKEN and no {path}: is intake running here?") from None


def load_group(intake_url: str, group: dict[str, Any], data_dir: Path = DATA_DIR) -> Loaded:
    import httpx  # here, not at the top: `tousu` starts faster for commands that never call out

    headers = {"authorization": f"Bearer {admin_token(data_dir)}"}
    tenant = group["tenant_id"]
    with httpx.Client(base_url=intake_url, timeout=10, headers=headers) as client:
        estates = []
        for estate in group["estates"]:
            body = {"tenant_id": tenant, "name": estate["name"], "regime": estate["regime"]}
            if "timezone" in estate:
                body["timezone"] = estate["timezone"]
            _put(client, f"/v1/estates/{estate['estate_id']}", body, f"estate {estate['estate_id']}")
            estates.append(estate["estate_id"])
        keys = _demo_keys(data_dir)
        accounts = {}
        for acc in group.get("channel_accounts", []):
            account_id, channel = acc["account_id"], acc["channel"]
            # letters and digits only: also a valid WeChat Token
            secret = keys.setdefault(account_id, secrets.token_hex(16))
            body = {
                "channel": channel,
                "tenant_id": tenant,
                "estates": acc.get("estates") or estates,
                "default_estate": acc.get("default_estate"),
                "secret": secret,
            }
            _put(client, f"/v1/channel-accounts/{account_id}", body, f"channel account {account_id}")
            accounts[account_id] = (channel, secret)
        _save_demo_keys(data_dir, keys)
    return Loaded(estates, accounts)


def _put(client: Any, path: str, body: dict[str, Any], what: str) -> None:
    response = client.put(path, json=body)
    if response.status_code >= 400:
        raise typer.BadParameter(f"{what}: {response.status_code} {response.text}")


def _demo_keys(data_dir: Path) -> dict[str, str]:
    path = data_dir / "demo-channel-keys.json"
    try:
        loaded: dict[str, str] = json.loads(path.read_text())
        return loaded
    except (OSError, json.JSONDecodeError):
        return {}


def _save_demo_keys(data_dir: Path, keys: dict[str, str]) -> None:
    path = data_dir / "demo-channel-keys.json"
    path.parent.mkdir(parents=True, exist_ok=True)
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(fd, "w") as f:
        json.dump(keys, f, indent=2)


@app.command("load")
def load(
    file: Path = typer.Option(DEFAULT_FILE, help="the property group, its estates and channel accounts"),
    intake: str = typer.Option("http://127.0.0.1:8001", envvar="TOUSU_INTAKE_URL", help="intake's base URL"),
    data_dir: Path = typer.Option(DATA_DIR, envvar="TOUSU_DATA_DIR", help="where intake keeps its data"),
) -> None:
    """Register the demo property group's estates and channel accounts with intake."""
    import httpx

    group = read_group(file)
    try:
        loaded = load_group(intake, group, data_dir)
    except httpx.HTTPError as exc:
        typer.secho(f"intake at {intake} did not answer: {exc}", fg="red", err=True)
        raise typer.Exit(1) from None
    typer.echo(f"loaded {len(loaded.estates)} estates of {group['tenant_id']}: {', '.join(loaded.estates)}")
    for account, (channel, _) in loaded.accounts.items():
        typer.echo(f"  channel account {account} ({channel}); key in {data_dir}/demo-channel-keys.json")
