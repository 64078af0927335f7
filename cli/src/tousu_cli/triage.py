"""``tousu triage --regime R [FILE|-]``: classify complaint texts, one JSON line each."""

from __future__ import annotations

import json
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any, TextIO

import typer

from tousu_shared.regimes import UnknownRegimeError, load_regime
from tousu_shared.regimes.loader import RegimeFileError
from tousu_triage.classifier import Reader
from tousu_triage.triage import triage


def triage_command(
    source: str = typer.Argument("-", help='JSON Lines file of {"id": …, "text": …}, or - for stdin'),
    regime: str = typer.Option(..., "--regime", "-r", help="regime id or id@version"),
    regimes_dir: Path | None = typer.Option(None, help="load regimes from this folder too"),
) -> None:
    """Classify each line's text under REGIME and print one JSON line per input line:
    id, topic, category, urgency and/or severity, department, confidence, reasons.
    A bad line gets {"id": …, "line": N, "error": …} and the rest go on."""
    try:
        filed_under = load_regime(regime, regimes_dir)
    except (UnknownRegimeError, RegimeFileError, LookupError) as exc:
        typer.secho(f"tousu triage: {exc}", fg="red", err=True)
        raise typer.Exit(2) from None
    try:
        stream = sys.stdin if source == "-" else open(source, encoding="utf-8")  # noqa: SIM115
    except OSError as exc:
        typer.secho(f"tousu triage: {source}: {exc.strerror}", fg="red", err=True)
        raise typer.Exit(2) from None
    reader = Reader()
    bad = 0
    with stream:
        for number, item in _lines(stream):
            if "error" in item:
                bad += 1
                typer.echo(json.dumps({"line": number, **item}, ensure_ascii=False))
                continue
            result = triage(reader, filed_under, item["text"])
            typer.echo(json.dumps({"id": item["id"], **result.as_json()}, ensure_ascii=False))
    if bad:
        typer.secho(f"tousu triage: {bad} bad line(s), see the error lines", fg="yellow", err=True)


def _lines(stream: TextIO) -> Iterator[tuple[int, dict[str, Any]]]:
    number = 0
    while True:
        number += 1
        try:
            raw = stream.readline()
        except UnicodeDecodeError:
            yield number, {"id": None, "error": "not UTF-8"}
            continue
        if not raw:
            return
        if not raw.strip():
            continue
        yield number, _parse(raw)


def _parse(raw: str) -> dict[str, Any]:
    try:
        item = json.loads(raw)
    except json.JSONDecodeError as exc:
        return {"id": None, "error": f"not JSON: {exc.msg} at column {exc.colno}"}
    if not isinstance(item, dict):
        return {"id": None, "error": 'expected an object like {"id": …, "text": …}'}
    text = item.get("text")
    if not isinstance(text, str) or not text.strip():
        return {"id": item.get("id"), "error": "'text' must be a non-empty string"}
    return {"id": item.get("id"), "text": text}
