"""``tousu regimes``: list, show and validate regime files (each rulebook as data)."""

from __future__ import annotations

import json
from pathlib import Path

import typer
import yaml
from rich.console import Console
from rich.table import Column, Table

from tousu_shared.regimes import (
    Regime,
    RegimeFileError,
    UnknownRegimeError,
    list_regimes,
    load_regime,
    load_regime_file,
)
from tousu_shared.regimes.model import Condition, Target

app = typer.Typer(help="Each property company's complaint rulebook as data.", no_args_is_help=True)

DIR_OPTION = typer.Option(None, "--dir", help="a folder of extra regime files (also: TOUSU_REGIMES_DIR)")


def _fail(lines: list[str], code: int = 1) -> typer.Exit:
    for line in lines:
        typer.echo(line, err=True)
    return typer.Exit(code)


def _console() -> Console:
    """Rich output; 160 columns when not on a terminal, so that piped tables are not squeezed."""
    console = Console(soft_wrap=False)
    return console if console.is_terminal else Console(soft_wrap=False, width=160)


def _clock_count(regime: Regime) -> int:
    return len({c.name for c in regime.clocks})


@app.command("list")
def list_command(directory: Path | None = DIR_OPTION) -> None:
    """List every regime (each version) with its clocks and source."""
    try:
        regimes = list_regimes(directory)
    except RegimeFileError as exc:
        raise _fail([str(i) for i in exc.issues]) from None
    table = Table("name", "clocks", "source")
    table.columns.insert(0, Column("ref", no_wrap=True))
    for regime in regimes:
        table.add_row(regime.ref, regime.name, str(_clock_count(regime)), regime.source)
    _console().print(table)


@app.command("show")
def show(
    ref: str = typer.Argument(help="id (newest version) or id@version"),
    as_json: bool = typer.Option(False, "--json", help="print the regime as JSON"),
    as_yaml: bool = typer.Option(False, "--yaml", help="print the regime as YAML"),
    directory: Path | None = DIR_OPTION,
) -> None:
    """Show a regime: a summary of its clocks, targets and parameters (or --json / --yaml)."""
    try:
        regime = load_regime(ref, directory)
    except UnknownRegimeError as exc:
        raise _fail([f"tousu regimes show: {exc}"]) from None
    except RegimeFileError as exc:
        raise _fail([str(i) for i in exc.issues]) from None
    data = regime.model_dump(mode="json", exclude_none=True)
    if as_json:
        typer.echo(json.dumps(data, ensure_ascii=False, indent=2))
    elif as_yaml:
        typer.echo(yaml.safe_dump(data, allow_unicode=True, sort_keys=False, width=100), nl=False)
    else:
        _summary(regime)


@app.command("validate")
def validate(files: list[Path] = typer.Argument(..., help="regime files (YAML) to check")) -> None:
    """Check regime files; print 'FILE: ok' or each problem as FILE:LINE: field: message."""
    failed = False
    for path in files:
        try:
            regime = load_regime_file(path)
        except RegimeFileError as exc:
            failed = True
            for issue in exc.issues:
                typer.echo(str(issue), err=True)
        except Exception as exc:  # a bug of ours must still not print a traceback
            failed = True
            typer.echo(f"{path}: cannot validate: {type(exc).__name__}: {exc}", err=True)
        else:
            typer.echo(f"{path}: ok ({regime.ref}, {_clock_count(regime)} clocks)")
    if failed:
        raise typer.Exit(1)


_UNITS = {"working_days": "working days", "same_day": "same day"}


def _target(regime: Regime, target: Target) -> str:
    if target.param is not None:
        param = regime.parameters.get(target.param)
        if param is None:
            return f"? ({target.param})"
        return f"{_amount(param.default, param.unit)} ({target.param})"
    return _amount(target.amount, target.unit)


def _amount(amount: float | None, unit: str | None) -> str:
    words = _UNITS.get(unit or "", unit or "")
    if unit == "same_day" or amount is None:
        return words
    return f"{amount:g} {words.removesuffix('s') if amount == 1 else words}"


def _condition(cond: Condition) -> str:
    parts = []
    for field, value in cond.model_dump(exclude_none=True).items():
        shown = ", ".join(value) if isinstance(value, list) else str(value).lower()
        parts.append(f"{field}={shown}")
    return "; ".join(parts) or "always"


def _summary(regime: Regime) -> None:
    console = _console()
    console.print(f"[bold]{regime.ref}[/bold]  {regime.name}")
    console.print(f"source: {regime.source}   timezone: {regime.timezone}")
    console.print(f"categories: {', '.join(regime.categories)}")
    for kind in ("urgency", "severity"):
        levels = getattr(regime, f"{kind}_levels")
        if levels:
            console.print(f"{kind}: {', '.join(levels)} (default {getattr(regime, f'default_{kind}')})")

    clocks = Table("clock", "when", "start → stop", "target", "owner", title="Clocks", title_justify="left")
    for c in regime.clocks:
        start = c.start_on + (f" to {', '.join(c.start_to)}" if c.start_to else "")
        target = _target(regime, c.target)
        if c.not_before is not None:
            target = f"not before {_target(regime, c.not_before)}, by {target}"
        if c.promise_allowed:
            target += " (a promise may move it)"
        if c.restart_on:
            target += f" (again after each {', '.join(c.restart_on)})"
        stop = ", ".join(c.stop_on) + (f" (escalate/dispatch to {', '.join(c.stop_to)})" if c.stop_to else "")
        clocks.add_row(c.name, _condition(c.when), f"{start} → {stop}", target, c.owner or "")
    console.print(clocks)

    params = Table("parameter", "default", "description", title="Parameters", title_justify="left")
    for name, p in regime.parameters.items():
        params.add_row(name, _amount(p.default, p.unit) if p.unit else f"{p.default:g}", p.description)
    console.print(params)

    escalations = Table("on", "when", "to", "reason", title="Escalations", title_justify="left")
    for e in regime.escalations:
        on = e.on + (f" {e.verb}" if e.verb else "") + (f" ({', '.join(e.clocks)})" if e.clocks else "")
        escalations.add_row(on, _condition(e.when), e.to, e.reason)
    console.print(escalations)

    for u in regime.upgrades:
        console.print(f"upgrade: {_condition(u.when)} → {u.set_severity} after {_target(regime, u.after)}")
    cb = regime.callback
    form = f", form {cb.form}" if cb.form else ""
    console.print(
        f"callback: by {cb.by} ({', '.join(cb.channels)}), clock {cb.clock}{form}; "
        f"dissatisfied → {cb.on_dissatisfied}"
    )
    if regime.plan_approval:
        console.print(f"plan approval: {regime.plan_approval}")
    for r in regime.rejection_reasons:
        console.print(f"rejected ({r.id}): {r.name} — {r.message}")
    years = regime.parameters.get(regime.retention.years)
    console.print(f"retention: {years.default:g} years" if years else "retention: ?")
    if regime.reports:
        console.print(f"reports: {', '.join(regime.reports)}")
