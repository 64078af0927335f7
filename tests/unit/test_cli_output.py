"""The CLI keeps stdout for its answer: warnings go to stderr."""

from __future__ import annotations

import json
from pathlib import Path

from typer.testing import CliRunner

from tousu_cli.main import app

# 2031 has no holiday file: the calendar warns and counts Mon–Fri.
SCENARIO_WITHOUT_HOLIDAY_DATA = """\
regime: community-standard
received_at: "2031-03-03T10:00:00+08:00"
complaint:
  channel: phone
  text: 楼道灯坏了一周没人修
  room: "1-1-101"
topic: power
actions:
  - {at: "+1h", do: register}
"""


def test_simulate_prints_only_json_on_stdout_and_the_calendar_warning_on_stderr(tmp_path: Path) -> None:
    scenario = tmp_path / "year-without-data.yaml"
    scenario.write_text(SCENARIO_WITHOUT_HOLIDAY_DATA, encoding="utf-8")
    for _ in range(2):  # a second run must not write to the first run's (closed) stream
        result = CliRunner().invoke(app, ["simulate", str(scenario)])
        assert result.exit_code == 0, result.output
        assert json.loads(result.stdout)["regime"] == "community-standard@1"
    assert "2031" in result.stderr
