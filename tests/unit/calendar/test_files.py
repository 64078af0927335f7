from __future__ import annotations

import shutil
from datetime import date
from importlib.resources import as_file
from pathlib import Path

import pytest

from tousu_shared.calendar import (
    CALENDAR_DIR_ENV,
    CalendarFileError,
    load_calendar,
    read_holiday_file,
    shipped_calendar_dir,
)
from tousu_shared.calendar.__main__ import main as calendar_check

VALID = """\
region: cn
year: 2026
source: a test notice
holidays:
  - {date: 2026-10-01, name: 国庆节 National Day}
  - {date: 2026-10-02, name: 国庆节 National Day}
workdays:
  - {date: 2026-10-10, name: 国庆节调休 National Day make-up workday}
"""


def write(root: Path, text: str, name: str = "2026.yaml", region: str = "cn") -> Path:
    folder = root / region
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / name
    path.write_text(text, encoding="utf-8")
    return path


def error_for(root: Path) -> CalendarFileError:
    with pytest.raises(CalendarFileError) as info:
        load_calendar(directory=root)
    return info.value


# --- the shipped data and where calendars come from --------------------------------------


def test_shipped_files_are_package_data() -> None:
    shipped = shipped_calendar_dir() / "cn"
    assert sorted(entry.name for entry in shipped.iterdir() if entry.name.endswith(".yaml")) == [
        "2024.yaml",
        "2025.yaml",
        "2026.yaml",
    ]
    with as_file(shipped / "2026.yaml") as path:
        schedule = read_holiday_file(path, "cn")
    assert schedule.year == 2026 and "2026年部分节假日安排" in schedule.source


def test_a_valid_file_loads(tmp_path: Path) -> None:
    write(tmp_path, VALID)
    calendar = load_calendar(directory=tmp_path)
    assert calendar.years == frozenset({2026})
    assert not calendar.is_working_day(date(2026, 10, 1))
    assert calendar.is_working_day(date(2026, 10, 10))


def test_an_operator_adds_2027_next_to_the_shipped_years(tmp_path: Path) -> None:
    with as_file(shipped_calendar_dir()) as shipped:
        shutil.copytree(shipped, tmp_path, dirs_exist_ok=True)
    write(tmp_path, VALID.replace("2026", "2027"), name="2027.yaml")
    write(tmp_path, "not read", name="2027.yaml.bak")  # editor leftovers are ignored
    calendar = load_calendar(directory=tmp_path)
    assert calendar.years == frozenset({2024, 2025, 2026, 2027})
    assert not calendar.is_working_day(date(2027, 10, 1))
    assert calendar.warnings == []


def test_the_environment_variable_points_to_the_operators_folder(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    write(tmp_path, VALID)
    monkeypatch.setenv(CALENDAR_DIR_ENV, str(tmp_path))
    assert load_calendar().years == frozenset({2026})  # the folder replaces the shipped data
    monkeypatch.setenv(CALENDAR_DIR_ENV, "")
    assert load_calendar().years == frozenset({2024, 2025, 2026})


def test_an_empty_region_folder_is_allowed_and_warns_on_use(tmp_path: Path) -> None:
    (tmp_path / "cn").mkdir()
    calendar = load_calendar(directory=tmp_path)
    assert calendar.is_working_day(date(2026, 10, 1))  # Thursday, no data
    assert calendar.warnings == ["no holiday data for 2026 (region cn): using Monday–Friday"]


def test_a_missing_region_folder_is_an_error(tmp_path: Path) -> None:
    error = error_for(tmp_path)
    assert str(error) == f"{tmp_path / 'cn'}: no holiday folder for region 'cn'"


# --- every rule names the file, the line and the field ------------------------------------


@pytest.mark.parametrize(
    ("old", "new", "line", "message"),
    [
        ("2026-10-02", "2027-10-02", 6, "holidays[1].date: 2027-10-02 is not in 2026"),
        (
            "2026-10-02",
            "2026-10-01",
            6,
            "holidays[1].date: 2026-10-01 is listed twice under holidays (also on line 5)",
        ),
        (
            "2026-10-10",
            "2026-10-09",
            8,
            "workdays[0].date: 2026-10-09 is a Friday; workdays lists only Saturdays",
        ),
        (
            "2026-10-10",
            "2026-10-01",
            8,
            "workdays[0].date: 2026-10-01 is both a holiday (line 5) and a workday",
        ),
        ("workdays:", "workday:", 7, "workday: Extra inputs are not permitted"),
        (
            "{date: 2026-10-01, name:",
            "{date: 2026-10-01, nmae:",
            5,
            "holidays[0].nmae: Extra inputs are not permitted",
        ),
        (
            "{date: 2026-10-01, name: 国庆节 National Day}",
            "{date: 2026-10-01}",
            5,
            "holidays[0].name: Field required",
        ),
        ("2026-10-01", "2026-02-30", 5, "holidays[0].date: Input should be a valid date"),
        ("year: 2026", "year: twenty", 2, "year: Input should be a valid integer"),
        ("source: a test notice\n", "", 1, "source: Field required"),
        ("region: cn", "region: hk", 1, "region: says 'hk' but the file is in the folder of region 'cn'"),
        ("source: a test notice", "source: a\nyear: 2026", 4, "duplicate key 'year' (first at line 2)"),
        (
            "  - {date: 2026-10-02",
            "  - {date: [2026-10-02",
            6,
            "not valid YAML: while parsing a flow sequence expected ',' or ']'",
        ),
    ],
)
def test_bad_file_messages(tmp_path: Path, old: str, new: str, line: int, message: str) -> None:
    assert old in VALID
    path = write(tmp_path, VALID.replace(old, new, 1))
    error = error_for(tmp_path)
    expected = f"{path}:{line}: {message}"
    assert any(problem.startswith(expected) for problem in str(error).splitlines()), str(error)
    assert "Traceback" not in str(error)


def test_workday_listed_twice(tmp_path: Path) -> None:
    path = write(tmp_path, VALID + "  - {date: 2026-10-10, name: again}\n")
    assert str(error_for(tmp_path)) == (
        f"{path}:9: workdays[1].date: 2026-10-10 is listed twice under workdays (also on line 8)"
    )


def test_every_problem_is_reported_one_per_line(tmp_path: Path) -> None:
    path = write(tmp_path, VALID.replace("2026-10-02", "2025-10-02").replace("2026-10-10", "2026-10-09"))
    assert str(error_for(tmp_path)).splitlines() == [
        f"{path}:6: holidays[1].date: 2025-10-02 is not in 2026",
        f"{path}:8: workdays[0].date: 2026-10-09 is a Friday; workdays lists only Saturdays and Sundays "
        "that are working days (调休上班)",
    ]


def test_file_name_must_match_the_year(tmp_path: Path) -> None:
    path = write(tmp_path, VALID, name="2025.yaml")
    assert (
        str(error_for(tmp_path))
        == f"{path}:2: year: says 2026 but the file is named 2025.yaml; name it 2026.yaml"
    )


def test_file_name_must_be_a_year(tmp_path: Path) -> None:
    path = write(tmp_path, VALID, name="holidays.yaml")
    assert str(error_for(tmp_path)) == f"{path}: a holiday file is named <year>.yaml, e.g. 2027.yaml"


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("", "expected a mapping with region, year, source, holidays and workdays"),
        ("- 2026-10-01\n", "expected a mapping with region, year, source, holidays and workdays"),
    ],
)
def test_a_file_that_is_not_a_mapping(tmp_path: Path, text: str, expected: str) -> None:
    path = write(tmp_path, text)
    assert expected in str(error_for(tmp_path))
    assert str(error_for(tmp_path)).startswith(str(path))


def test_a_file_that_is_not_utf8(tmp_path: Path) -> None:
    path = write(tmp_path, "")
    path.write_bytes("region: 中国".encode("gb18030"))
    assert str(error_for(tmp_path)).startswith(f"{path}: cannot read the file")


def test_the_check_command(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert calendar_check([]) == 0
    assert capsys.readouterr().out == "region cn: holiday data for 2024, 2025, 2026\n"
    path = write(tmp_path, VALID.replace("2026-10-10", "2026-10-09"))
    assert calendar_check([str(tmp_path)]) == 2
    assert capsys.readouterr().err.startswith(f"{path}:8: workdays[0].date: 2026-10-09 is a Friday")
