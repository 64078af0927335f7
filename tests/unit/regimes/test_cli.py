"""``tousu regimes list / show / validate``."""

from __future__ import annotations

import json
from pathlib import Path

import yaml
from typer.testing import CliRunner

from tousu_cli.main import app
from tousu_shared.regimes import REGIME_IDS

from .conftest import Edit, line_of, shipped

runner = CliRunner()


def test_list_shows_every_regime() -> None:
    result = runner.invoke(app, ["regimes", "list"])
    assert result.exit_code == 0, result.output
    for regime_id in REGIME_IDS:
        assert f"{regime_id}@1" in result.stdout
    assert "seeds/004_65bc05539a240e77.txt" in result.stdout


def test_show_summarises_clocks_targets_and_parameters() -> None:
    result = runner.invoke(app, ["regimes", "show", "property-role-matrix"])
    assert result.exit_code == 0, result.output
    for text in (
        "onsite",
        "15 minutes",
        "5 minutes",
        "2 working days",
        "online_pickup",
        "regional_supervisor",
    ):
        assert text in result.stdout, text


def test_show_json_and_yaml() -> None:
    data = json.loads(runner.invoke(app, ["regimes", "show", "service-station-sop@1", "--json"]).stdout)
    assert data["id"] == "service-station-sop" and data["parameters"]["report_manager_limit"]["default"] == 10
    text = runner.invoke(app, ["regimes", "show", "community-standard", "--yaml"]).stdout
    assert yaml.safe_load(text)["parameters"]["registration_limit"] == {
        "default": 2.0,
        "unit": "hours",
        "description": yaml.safe_load(shipped("community-standard").read_text(encoding="utf-8"))[
            "parameters"
        ]["registration_limit"]["description"],
    }


def test_show_unknown_says_what_exists() -> None:
    result = runner.invoke(app, ["regimes", "show", "nope"])
    assert result.exit_code == 1
    assert "unknown regime 'nope'" in result.stderr and "community-standard@1" in result.stderr
    assert "Traceback" not in result.output


def test_validate_ok() -> None:
    files = [str(shipped(i)) for i in REGIME_IDS]
    result = runner.invoke(app, ["regimes", "validate", *files])
    assert result.exit_code == 0, result.output
    assert f"{shipped('service-station-sop')}: ok (service-station-sop@1, 5 clocks)" in result.stdout


def test_validate_broken_exits_1_with_file_line_field(edited: Edit, tmp_path: Path) -> None:
    broken = edited("property-role-matrix", "target: {param: plan_limit}", "target: {param: plan_limmit}")
    missing = tmp_path / "missing.yaml"
    result = runner.invoke(
        app, ["regimes", "validate", str(shipped("community-standard")), str(broken), str(missing)]
    )
    assert result.exit_code == 1
    line = line_of(broken, "plan_limmit")
    assert f"{broken}:{line}: clocks[4].target.param: unknown parameter 'plan_limmit'" in result.stderr
    assert f"{missing}: no such file" in result.stderr
    assert "community-standard@1" in result.stdout
    assert "Traceback" not in result.output


def test_copy_change_one_number_validate_on_the_command_line(edited: Edit) -> None:
    path = edited("logistics-service", "    default: 15\n", "    default: 30\n")
    result = runner.invoke(app, ["regimes", "validate", str(path)])
    assert result.exit_code == 0, result.output
    assert result.stdout.strip() == f"{path}: ok (logistics-service@1, 4 clocks)"
    shown = runner.invoke(app, ["regimes", "show", "logistics-service", "--dir", str(path.parent), "--json"])
    assert json.loads(shown.stdout)["parameters"]["emergency_notice_limit"]["default"] == 30
