"""``python -m tools.k8s_check [OVERLAY_DIR …]``: every overlay under deploy/k8s/overlays
when none is named; exit status 1 when anything is wrong, 2 when a tool is missing."""

from __future__ import annotations

import sys
import time
from pathlib import Path

from tools.k8s_check.run import OVERLAYS, check_dockerfiles, check_overlay
from tools.k8s_check.tools import missing_tools
from tousu_shared.logging import configure_logging


def main(argv: list[str]) -> int:
    configure_logging("k8s-check", level="ERROR", json=False)  # the services' set-up warnings
    started = time.monotonic()
    if missing := missing_tools():
        print(f"k8s-check: missing {', '.join(missing)}: run scripts/k8s-tools.sh", file=sys.stderr)
        return 2
    directories = [Path(a) for a in argv] or sorted(p for p in OVERLAYS.iterdir() if p.is_dir())
    violations = []
    for directory in directories:
        violations += check_overlay(directory, say=lambda line: print(f"k8s-check: {line}", flush=True))
    violations += check_dockerfiles()
    print(f"k8s-check: looked at {len(list(Path('services').glob('*/Dockerfile')))} Dockerfiles")
    for violation in violations:
        print(violation)
    took = time.monotonic() - started
    if violations:
        print(f"k8s-check: {len(violations)} problem(s) in {len(directories)} overlay(s) ({took:.1f} s)")
        return 1
    print(f"k8s-check: {len(directories)} overlay(s) pass ({took:.1f} s)")
    return 0


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1:]))
