"""Every example scenario gives exactly its checked-in expected output.

``examples/scenarios/<regime>/<name>.yaml`` runs the way ``tousu simulate`` runs it
(read_scenario → load_regime → load_calendar → simulate, the calendar's warnings added)
and must equal ``<name>.expected.json``. The expected files were checked by hand against
REGIMES.md (each scenario's header comment has the arithmetic); regenerate them with
``scripts/update-scenarios.sh`` only after checking why the engine's answer changed.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from tousu_shared.calendar import load_calendar
from tousu_shared.cases.scenario import read_scenario, simulate
from tousu_shared.regimes import REGIME_IDS, load_regime

from ..reading import read

ROOT = Path(__file__).resolve().parents[3]
SCENARIOS = ROOT / "examples" / "scenarios"
FILES = sorted(p for p in SCENARIOS.rglob("*.yaml") if not p.name.endswith(".expected.yaml"))


def run_like_the_cli(path: Path) -> dict[str, Any]:
    """What ``uv run tousu simulate PATH`` prints, as data (cli/src/tousu_cli/simulate.py)."""
    scenario = read_scenario(path)
    regime = load_regime(scenario.regime)
    calendar = load_calendar()  # a fresh calendar: its warnings are the years this run touched
    result = simulate(scenario, regime, calendar, [], reader=read)
    result["warnings"] = calendar.warnings
    # through JSON and back, as the CLI prints it (tuples become lists, and so on)
    return json.loads(json.dumps(result, ensure_ascii=False))


def differences(expected: Any, actual: Any, where: str = "$", limit: int = 8) -> list[str]:
    """The first differing keys or items, one readable line each, at most ``limit``."""
    out: list[str] = []

    def walk(e: Any, a: Any, at: str) -> None:
        if len(out) >= limit:
            return
        if isinstance(e, dict) and isinstance(a, dict):
            for key in list(e) + [k for k in a if k not in e]:
                if key not in a:
                    out.append(f"{at}.{key}: expected {json.dumps(e[key], ensure_ascii=False)}, missing")
                elif key not in e:
                    out.append(f"{at}.{key}: not expected, got {json.dumps(a[key], ensure_ascii=False)}")
                else:
                    walk(e[key], a[key], f"{at}.{key}")
                if len(out) >= limit:
                    return
        elif isinstance(e, list) and isinstance(a, list):
            for index, (ei, ai) in enumerate(zip(e, a, strict=False)):
                label = f"{at}[{index}]"
                if isinstance(ei, dict) and "name" in ei:
                    label += f"<{ei['name']}>"
                walk(ei, ai, label)
                if len(out) >= limit:
                    return
            if len(e) != len(a):
                extra = a[len(e) :] if len(a) > len(e) else e[len(a) :]
                which = "got extra" if len(a) > len(e) else "missing"
                first = json.dumps(extra[0], ensure_ascii=False)
                out.append(f"{at}: expected {len(e)} items, got {len(a)}; {which} first: {first}")
        elif e != a:
            out.append(
                f"{at}: expected {json.dumps(e, ensure_ascii=False)}, got {json.dumps(a, ensure_ascii=False)}"
            )

    walk(expected, actual, where)
    return out


def test_there_are_at_least_three_scenarios_per_regime() -> None:
    per_regime = {regime_id: 0 for regime_id in REGIME_IDS}
    for path in FILES:
        assert path.parent.name in per_regime, f"{path}: the folder names a regime id"
        assert read_scenario(path).regime == path.parent.name, f"{path}: regime differs from its folder"
        per_regime[path.parent.name] += 1
    assert all(count >= 3 for count in per_regime.values()), per_regime
    assert len(FILES) >= 15


@pytest.mark.parametrize("path", FILES, ids=[str(p.relative_to(SCENARIOS)) for p in FILES])
def test_scenario_gives_its_expected_output(path: Path) -> None:
    text = path.read_text(encoding="utf-8")
    assert text.startswith("#"), f"{path.name}: start with a comment saying what it shows and why"
    expected_file = path.with_name(path.stem + ".expected.json")
    assert expected_file.exists(), f"no {expected_file.name}: run scripts/update-scenarios.sh {path}"
    expected = json.loads(expected_file.read_text(encoding="utf-8"))
    actual = run_like_the_cli(path)
    if actual != expected:
        lines = "\n  ".join(differences(expected, actual))
        pytest.fail(
            f"{path.relative_to(ROOT)} differs from {expected_file.name}:\n  {lines}\n"
            "Check the engine's answer against REGIMES.md before regenerating "
            "(scripts/update-scenarios.sh blesses whatever the engine says).",
            pytrace=False,
        )


def test_the_diff_helper_names_the_first_differing_keys() -> None:
    expected = {"state": "closed", "clocks": [{"name": "plan", "due_at": "a"}], "warnings": []}
    actual = {"state": "reopened", "clocks": [{"name": "plan", "due_at": "b"}, {"name": "x"}]}
    assert differences(expected, actual) == [
        '$.state: expected "closed", got "reopened"',
        '$.clocks[0]<plan>.due_at: expected "a", got "b"',
        '$.clocks: expected 1 items, got 2; got extra first: {"name": "x"}',
        "$.warnings: expected [], missing",
    ]
