"""``tousu simulate SCENARIO.yaml``: one complaint through its regime under virtual time."""

from __future__ import annotations

import json
from pathlib import Path

import typer

from tousu_shared.calendar import CalendarFileError, load_calendar
from tousu_shared.cases.scenario import ScenarioError, read_scenario, simulate
from tousu_shared.regimes.loader import RegimeFileError, load_regime
from tousu_triage.classifier import Reader


def simulate_command(
    scenario_file: Path = typer.Argument(
        ..., help="the scenario (YAML): regime, received_at, complaint, actions"
    ),
    regimes_dir: Path | None = typer.Option(
        None, help="load regimes from this folder too (e.g. a copied one)"
    ),
    calendar_dir: Path | None = typer.Option(None, help="holiday files to use instead of the shipped ones"),
    compact: bool = typer.Option(False, help="one line of JSON"),
) -> None:
    """Run one complaint through its regime and print the case as JSON: classification,
    every clock (due, stopped, status, paused time), escalations, events, warnings."""
    try:
        scenario = read_scenario(scenario_file)
        regime = load_regime(scenario.regime, regimes_dir)
        calendar = load_calendar(directory=calendar_dir)
        result = simulate(scenario, regime, calendar, [], reader=Reader().read)
        result["warnings"] = calendar.warnings
    except (ScenarioError, RegimeFileError, CalendarFileError, LookupError) as exc:
        typer.secho(f"tousu simulate: {scenario_file}: {_one_line(exc)}", fg="red", err=True)
        raise typer.Exit(2) from None
    typer.echo(json.dumps(result, ensure_ascii=False, indent=None if compact else 2))


def _one_line(exc: Exception) -> str:
    text = str(exc).strip()
    return text.splitlines()[0] if text else type(exc).__name__
