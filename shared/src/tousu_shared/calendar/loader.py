"""Find and read a region's holiday files: the shipped ones, or an operator's folder."""

from __future__ import annotations

import os
import re
from importlib.resources import files
from importlib.resources.abc import Traversable
from pathlib import Path

from tousu_shared.calendar.business import BusinessCalendar
from tousu_shared.calendar.errors import CalendarFileError
from tousu_shared.calendar.holiday_file import HolidayFile, read_holiday_file

CALENDAR_DIR_ENV = "TOUSU_CALENDAR_DIR"
_YEAR_FILE = re.compile(r"\d{4}\.yaml")


def shipped_calendar_dir() -> Traversable:
    """The folder of holiday files inside the installed package (``data/<region>/<year>.yaml``)."""
    return files("tousu_shared.calendar") / "data"


def load_calendar(region: str = "cn", directory: str | Path | None = None) -> BusinessCalendar:
    """Read every ``<directory>/<region>/<year>.yaml`` into a :class:`BusinessCalendar`.

    ``directory`` defaults to ``$TOUSU_CALENDAR_DIR`` when set, else the shipped data. The folder
    given is the whole truth: it replaces the shipped files, it does not add to them.
    A year without a file is not an error (Monday–Friday, with a warning); a bad file is:
    :class:`CalendarFileError` names the file and line.
    """
    chosen = directory if directory is not None else os.environ.get(CALENDAR_DIR_ENV) or None
    root: Traversable = Path(chosen) if chosen is not None else shipped_calendar_dir()
    return BusinessCalendar.from_files(region, read_region(root, region))


def read_region(root: Traversable, region: str) -> list[HolidayFile]:
    folder = root / region
    if not folder.is_dir():
        raise CalendarFileError(str(folder), [(None, f"no holiday folder for region {region!r}")])
    schedules: list[HolidayFile] = []
    for entry in sorted(folder.iterdir(), key=lambda e: e.name):
        if entry.name.startswith(".") or not entry.name.endswith((".yaml", ".yml")):
            continue  # editor backups, notes and the like
        if not _YEAR_FILE.fullmatch(entry.name):
            problem = "a holiday file is named <year>.yaml, e.g. 2027.yaml"
            raise CalendarFileError(str(entry), [(None, problem)])
        schedules.append(read_holiday_file(entry, region))
    return schedules
