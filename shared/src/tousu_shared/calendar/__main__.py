"""``python -m tousu_shared.calendar [DIRECTORY] [--region cn]``: check holiday files.

Prints the years loaded, or each problem as ``file:line: field: message`` and exits 2.
"""

from __future__ import annotations

import argparse
import sys

from tousu_shared.calendar.errors import CalendarFileError
from tousu_shared.calendar.loader import load_calendar


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m tousu_shared.calendar", description=__doc__)
    parser.add_argument("directory", nargs="?", help="folder of <region>/<year>.yaml (default: shipped data)")
    parser.add_argument("--region", default="cn")
    args = parser.parse_args(argv)
    try:
        calendar = load_calendar(args.region, args.directory)
    except CalendarFileError as exc:
        print(exc, file=sys.stderr)
        return 2
    years = ", ".join(str(year) for year in sorted(calendar.years)) or "none"
    print(f"region {calendar.region}: holiday data for {years}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
