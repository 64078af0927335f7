"""One holiday file (``<region>/<year>.yaml``): its schema and the rules a schedule must obey."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator
from importlib.resources.abc import Traversable

from pydantic import BaseModel, ConfigDict, Field, ValidationError

from tousu_shared.calendar.errors import CalendarFileError
from tousu_shared.yamlsrc import Document, YamlSyntaxError, duplicate_keys, parse
from tousu_shared.yamlsrc import FieldPath as Loc

_WEEKDAY_NAMES = ("Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday")


class CalendarDay(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)

    date: dt.date
    name: str = Field(min_length=1, description="The holiday's name, Chinese and English")


class HolidayFile(BaseModel):
    """Days off (放假) and make-up working days (调休上班) of one region and year."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    region: str = Field(min_length=1)
    year: int = Field(ge=1949, le=2999)
    source: str = Field(min_length=1, description="The official notice the dates come from")
    holidays: tuple[CalendarDay, ...] = ()
    workdays: tuple[CalendarDay, ...] = ()


def read_holiday_file(file: Traversable, region: str) -> HolidayFile:
    """Read and validate ``file``; any problem raises :class:`CalendarFileError` naming file and line."""
    where = str(file)
    try:
        text = file.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        raise CalendarFileError(where, [(None, f"cannot read the file: {exc}")]) from None
    try:
        parsed = parse(text)
    except YamlSyntaxError as exc:
        raise CalendarFileError(where, [(exc.line, f"not valid YAML: {exc.message}")]) from None
    if duplicates := duplicate_keys(parsed.root):
        raise CalendarFileError(where, [(line, message) for line, message in duplicates if line])
    if not isinstance(parsed.data, dict):
        expected = "a mapping with region, year, source, holidays and workdays"
        raise CalendarFileError(where, [(parsed.line_of(()), f"expected {expected}")])
    try:
        schedule = HolidayFile.model_validate(parsed.data)
    except ValidationError as exc:
        problems = [
            (parsed.line_of(tuple(error["loc"])), f"{_field(tuple(error['loc']))}: {error['msg']}")
            for error in exc.errors(include_url=False)
        ]
        raise CalendarFileError(where, problems) from None
    expected_stem = file.name.rsplit(".", 1)[0]
    problems = [
        (parsed.line_of(loc), f"{_field(loc)}: {message}")
        for loc, message in _rule_violations(schedule, expected_stem, region, parsed)
    ]
    if problems:
        raise CalendarFileError(where, problems)
    return schedule


def _rule_violations(
    schedule: HolidayFile, file_stem: str, region: str, parsed: Document
) -> Iterator[tuple[Loc, str]]:
    if file_stem != str(schedule.year):
        year = schedule.year
        yield ("year",), f"says {year} but the file is named {file_stem}.yaml; name it {year}.yaml"
    if schedule.region != region:
        yield ("region",), f"says {schedule.region!r} but the file is in the folder of region {region!r}"
    holiday_at: dict[dt.date, int] = {}
    for kind in ("holidays", "workdays"):
        first_index: dict[dt.date, int] = {}
        for index, day in enumerate(getattr(schedule, kind)):
            loc: Loc = (kind, index, "date")
            if day.date.year != schedule.year:
                yield loc, f"{day.date} is not in {schedule.year}"
            if day.date in first_index:
                first_line = parsed.line_of((kind, first_index[day.date]))
                yield loc, f"{day.date} is listed twice under {kind} (also on line {first_line})"
            first_index.setdefault(day.date, index)
            if kind == "holidays":
                holiday_at.setdefault(day.date, index)
                continue
            if day.date in holiday_at:
                holiday_line = parsed.line_of(("holidays", holiday_at[day.date]))
                yield loc, f"{day.date} is both a holiday (line {holiday_line}) and a workday"
            if day.date.weekday() < 5:
                weekday = _WEEKDAY_NAMES[day.date.weekday()]
                only = "workdays lists only Saturdays and Sundays that are working days (调休上班)"
                yield loc, f"{day.date} is a {weekday}; {only}"


def _field(loc: Loc) -> str:
    """``("workdays", 2, "date")`` -> ``workdays[2].date``."""
    text = ""
    for part in loc:
        text += f"[{part}]" if isinstance(part, int) else (f".{part}" if text else str(part))
    return text or "(file)"
