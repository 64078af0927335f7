"""``tousu dev up``: every service as its own process on this machine, with demo data."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import typer

from tousu_cli.demo import DEFAULT_FILE, load_group, read_group
from tousu_cli.services import MODULES
from tousu_shared.ports import DEFAULT_PORTS

app = typer.Typer(help="Local development runs.", no_args_is_help=True)


#: the desk console starts once the demo group is loaded (it sends desk forms with its key)
CONSOLE = "tousu_console"
DEMO_PEOPLE = Path("demo/people.yaml")


def _start(name: str, run_dir: Path, **extra_env: str) -> subprocess.Popen[bytes]:
    module = MODULES[name].removesuffix(".app") if name in MODULES else CONSOLE
    env = {
        **os.environ,
        "TOUSU_HTTP_PORT": str(DEFAULT_PORTS[name]),
        "TOUSU_DATA_DIR": str(run_dir / "data"),
        **extra_env,
    }
    env.pop("TOUSU_DATABASE_URL", None)  # each service gets its own SQLite file
    log = (run_dir / "logs" / f"{name}.log").open("ab")
    return subprocess.Popen([sys.executable, "-m", module], env=env, stdout=log, stderr=subprocess.STDOUT)


def _wait_ready(procs: dict[str, subprocess.Popen[bytes]], timeout: float) -> None:
    import httpx

    deadline = time.monotonic() + timeout
    pending = set(procs)
    with httpx.Client(timeout=1) as client:
        while pending:
            for name in sorted(pending):
                if procs[name].poll() is not None:
                    raise RuntimeError(
                        f"{name} exited with code {procs[name].returncode}; see .run/logs/{name}.log"
                    )
                try:
                    if client.get(f"http://127.0.0.1:{DEFAULT_PORTS[name]}/health/ready").status_code == 200:
                        pending.discard(name)
                        typer.echo(f"  {name:<12} ready on http://127.0.0.1:{DEFAULT_PORTS[name]}")
                except httpx.HTTPError:
                    pass
            if time.monotonic() > deadline:
                raise RuntimeError(f"not ready after {timeout:.0f} s: {', '.join(sorted(pending))}")
            time.sleep(0.3)


def _stop(procs: dict[str, subprocess.Popen[bytes]]) -> None:
    for proc in procs.values():
        if proc.poll() is None:
            proc.send_signal(signal.SIGTERM)
    deadline = time.monotonic() + 30
    for name, proc in procs.items():
        try:
            proc.wait(timeout=max(0.1, deadline - time.monotonic()))
        except subprocess.TimeoutExpired:
            typer.echo(f"  {name} did not stop in time; killing it")
            proc.kill()


@app.command("up")
def up(
    run_dir: Path = typer.Option(Path(".run"), help="where data and logs go"),
    demo_file: Path = typer.Option(DEFAULT_FILE, help="demo property group to load"),
) -> None:
    """Start all six services, load the demo group, start the desk console, print where to
    look; Ctrl-C stops all."""
    import httpx

    group = read_group(demo_file)
    (run_dir / "logs").mkdir(parents=True, exist_ok=True)
    (run_dir / "data").mkdir(parents=True, exist_ok=True)
    typer.echo("starting services (logs in .run/logs/) …")
    procs = {name: _start(name, run_dir) for name in MODULES}
    stopping = False

    def _on_signal(*_: object) -> None:
        nonlocal stopping
        stopping = True

    signal.signal(signal.SIGTERM, _on_signal)
    signal.signal(signal.SIGINT, _on_signal)
    try:
        _wait_ready(procs, timeout=120)
        loaded = load_group(f"http://127.0.0.1:{DEFAULT_PORTS['intake']}", group, run_dir / "data")
        app_key = next(key for channel, key in loaded.accounts.values() if channel == "http")
        desk = next(account for account, (channel, _) in loaded.accounts.items() if channel == "desk")
        procs["console"] = _start(
            "console",
            run_dir,
            TOUSU_CONSOLE_PEOPLE_FILE=str(DEMO_PEOPLE),
            TOUSU_CONSOLE_DESK_ACCOUNT=desk,
            TOUSU_CONSOLE_DESK_KEY_FILE=str(run_dir / "data" / "demo-channel-keys.json"),
        )
        _wait_ready({"console": procs["console"]}, timeout=60)
        _print_banner(group["tenant_id"], loaded.estates[0], app_key)
        while not stopping:
            dead = [n for n, p in procs.items() if p.poll() is not None]
            if dead:
                typer.secho(f"{', '.join(dead)} stopped unexpectedly; see .run/logs/", fg="red", err=True)
                break
            time.sleep(0.5)
    except (RuntimeError, httpx.HTTPError, typer.BadParameter) as exc:
        typer.secho(f"tousu dev up: {exc}", fg="red", err=True)
        raise typer.Exit(1) from None
    finally:
        typer.echo("stopping services …")
        _stop(procs)
        typer.echo("all services stopped")


def _port_range() -> str:
    ports = [DEFAULT_PORTS[name] for name in MODULES]  # the console has no /metrics
    return f"{min(ports)}–{max(ports)}"


def _print_banner(tenant: str, estate: str, app_key: str) -> None:
    intake, archive, callback = DEFAULT_PORTS["intake"], DEFAULT_PORTS["archive"], DEFAULT_PORTS["callback"]
    typer.echo(f"""
Tousu is up. Demo property group: {tenant}

  Desk console    http://127.0.0.1:{DEFAULT_PORTS["console"]}   sign in as kefu (desk clerk), gongcheng (engineer),
                  zhanzhang (station head), zhijian (quality manager) or yunwei (platform team);
                  password: tousu-demo
  Intake (APP)    http://127.0.0.1:{intake}/v1/channels/http/jx-app   (key in .run/data/demo-channel-keys.json)
  Case query      http://127.0.0.1:{archive}/v1/complaints   (with a person's token, below)
  OpenAPI docs    http://127.0.0.1:{intake}/schema  and  http://127.0.0.1:{archive}/schema
  Metrics         http://127.0.0.1:{intake}/metrics  (each service on its own port, {_port_range()})
  Dead letters    uv run tousu dlq list   (traces: set OTEL_EXPORTER_OTLP_ENDPOINT before make run)

Post a complaint:
  curl -s -X POST http://127.0.0.1:{intake}/v1/channels/http/jx-app -H 'authorization: Bearer {app_key}' \\
    -d '{{"estate_id":"{estate}","channel":"app","text":"3号楼电梯困人，请尽快处理","room":"3-1-1201","contact":{{"name":"王女士","phone":"13812345678"}}}}'
Sign in as a demo clerk (a token from the local issuer, valid 8 h; `tousu policy show` lists the roles):
  TOKEN=$(uv run tousu token --sub cs-01 --tenant {tenant} --role customer_service@{estate} --role 'quality_manager@*')
Then open the case, see the caller's number (audited), and read the audit trail:
  curl -s -H "authorization: Bearer $TOKEN" http://127.0.0.1:{archive}/v1/complaints/<complaint_id>
  curl -s -H "authorization: Bearer $TOKEN" -X POST http://127.0.0.1:{intake}/v1/complaints/<complaint_id>/contact \\
    -d '{{"purpose":"回访"}}'
  curl -s -H "authorization: Bearer $TOKEN" http://127.0.0.1:{archive}/v1/audit
Once a case is resolved: the callbacks due (with their scripts), and its feedback form:
  curl -s -H "authorization: Bearer $TOKEN" "http://127.0.0.1:{callback}/v1/callbacks?status=open"
  curl -s -H "authorization: Bearer $TOKEN" -o form.pdf http://127.0.0.1:{callback}/v1/complaints/<complaint_id>/feedback-form.pdf
This month's report (the quality manager's; format=json, xlsx or pdf; period=YYYY-MM):
  curl -s -H "authorization: Bearer $TOKEN" -o report.pdf "http://127.0.0.1:{archive}/v1/reports/monthly?period=$(date +%Y-%m)&format=pdf"

Press Ctrl-C to stop.""")
