"""A channel team's package, installed on its own, is found by its entry point and passes the kit.

The example (examples/channels/hotline12345) is not part of the workspace: this test
installs it into a fresh folder, as a property group would install a vendor's adapter,
and runs the channel team's own conformance test from there.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).parents[3]
EXAMPLE = ROOT / "examples" / "channels" / "hotline12345"


def test_the_hotline_package_installs_loads_by_entry_point_and_conforms(tmp_path: Path) -> None:
    uv = shutil.which("uv")
    assert uv, "uv is needed to install the example package (make venv installs it)"
    target = tmp_path / "site"
    subprocess.run(
        [uv, "pip", "install", "--quiet", "--no-deps", "--target", str(target), str(EXAMPLE)],
        check=True,
        capture_output=True,
    )
    env = {**os.environ, "PYTHONPATH": str(target)}
    found = subprocess.run(
        [sys.executable, "-c", "from tousu_channels import available_channels; print(available_channels())"],
        env=env,
        capture_output=True,
        text=True,
        check=True,
    )
    assert "hotline12345" in found.stdout
    # the package's own copy, not the source folder, is the one that loads
    conformance = subprocess.run(
        [
            sys.executable,
            "-m",
            "pytest",
            "-q",
            "-p",
            "no:cacheprovider",
            str(EXAMPLE / "tests_conformance.py"),
        ],
        env=env,
        capture_output=True,
        text=True,
        cwd=tmp_path,
    )
    assert conformance.returncode == 0, conformance.stdout[-3000:]
    assert " passed" in conformance.stdout
