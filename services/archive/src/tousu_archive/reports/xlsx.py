"""A report as an Excel workbook (openpyxl): one sheet per table, rates as percentages."""

from __future__ import annotations

from io import BytesIO
from typing import Any

from openpyxl import Workbook
from openpyxl.styles import Font, PatternFill
from openpyxl.utils import get_column_letter

#: (sheet, the report's key, [(column title, field)]); rates are fields ending in _rate or share
_RATE_COLUMNS = [
    ("按时率 On-time", "on_time_rate"),
    ("满意率 Satisfied", "satisfaction_rate"),
    ("重开率 Reopened", "reopen_rate"),
]
_GROUP_COLUMNS = [
    ("案件 Cases", "cases"),
    ("已结 Closed", "closed"),
    ("未结 Open", "open"),
    ("超时案件 Overdue", "overdue_cases"),
    *_RATE_COLUMNS,
    ("平均处理(小时) Avg hours", "avg_handling_hours"),
]
MONTHLY_SHEETS: list[tuple[str, str, list[tuple[str, str]]]] = [
    (
        "类型 Types",
        "by_category",
        [("类别 Category", "name"), ("案件 Cases", "cases"), ("占比 Share", "share")],
    ),
    ("主题 Topics", "by_topic", [("主题 Topic", "name"), ("案件 Cases", "cases"), ("占比 Share", "share")]),
    ("项目 Estates", "by_estate", [("项目 Estate", "estate_id"), *_GROUP_COLUMNS]),
    ("部门 Departments", "by_department", [("部门 Department", "department"), *_GROUP_COLUMNS]),
    (
        "时钟 Clocks",
        "by_clock",
        [
            ("时钟 Clock", "clock"),
            ("已判定 Decided", "decided"),
            ("按时 Met", "met"),
            ("超时 Late", "late"),
            ("按时率 On-time", "on_time_rate"),
        ],
    ),
    (
        "热点 Hot spots",
        "hot_spots",
        [
            ("项目 Estate", "estate_id"),
            ("楼栋 Building", "building"),
            ("主题 Topic", "topic"),
            ("案件 Cases", "cases"),
        ],
    ),
    (
        "员工阶梯 Staff ladder",
        "staff_ladder",
        [
            ("员工 Staff", "staff_id"),
            ("属实投诉 Substantiated", "substantiated"),
            ("处理 Measure", "rung_name"),
        ],
    ),
    ("每日 Days", "by_day", [("日期 Date", "date"), ("案件 Cases", "cases")]),
]
DAILY_SHEETS: list[tuple[str, str, list[tuple[str, str]]]] = [
    (
        "部门 Units",
        "by_department",
        [
            ("部门 Unit", "department"),
            ("案件 Cases", "cases"),
            ("未结 Open", "open"),
            ("已结 Closed", "closed"),
            ("超时案件 Overdue", "overdue_cases"),
        ],
    ),
    (
        "类型 Types",
        "by_category",
        [("类别 Category", "name"), ("案件 Cases", "cases"), ("占比 Share", "share")],
    ),
]
_SUMMARY = [
    ("案件 Cases", "cases"),
    ("不予受理 Rejected", "rejected"),
    ("已结 Closed", "closed"),
    ("未结 Open", "open"),
    ("撤回 Withdrawn", "withdrawn"),
    ("超时案件 Overdue cases", "overdue_cases"),
    ("时钟已判定 Clock runs decided", "clock_runs_decided"),
    ("按时 Met", "clock_runs_met"),
    ("按时率 On-time rate", "on_time_rate"),
    ("已回访 Answered", "answered"),
    ("满意 Satisfied", "satisfied"),
    ("满意率 Satisfaction rate", "satisfaction_rate"),
    ("已解决 Resolved", "resolved"),
    ("重开 Reopened", "reopened"),
    ("重开率 Reopen rate", "reopen_rate"),
    ("平均处理(小时) Avg handling hours", "avg_handling_hours"),
]
_BOLD = Font(bold=True)
_HEAD_FILL = PatternFill("solid", fgColor="DDE7F0")


def sheets_for(kind: str) -> list[tuple[str, str, list[tuple[str, str]]]]:
    return MONTHLY_SHEETS if kind == "monthly" else DAILY_SHEETS


def render_xlsx(report: dict[str, Any]) -> bytes:
    book = Workbook()
    summary = book.active
    assert summary is not None
    summary.title = "概况 Summary"
    summary.append(["投诉报告 Complaint report", report["title"]])
    summary.append(["范围 Scope", report["scope"]])
    summary.append(["项目 Estates", ", ".join(report["estates"])])
    summary.append(["生成 Generated", report["generated_at"]])
    summary.append([])
    for title, key in _SUMMARY:
        if key in report["totals"]:
            summary.append([title, report["totals"][key]])
            _percent(summary.cell(summary.max_row, 2), key)
    for row in summary.iter_rows(max_col=1):
        row[0].font = _BOLD
    _widths(summary, [34, 40])
    for title, key, columns in sheets_for(report["kind"]):
        sheet = book.create_sheet(title)
        sheet.append([head for head, _ in columns])
        for cell in sheet[1]:
            cell.font, cell.fill = _BOLD, _HEAD_FILL
        for item in report[key]:
            sheet.append([item.get(field) for _, field in columns])
            for index, (_, field) in enumerate(columns, start=1):
                _percent(sheet.cell(sheet.max_row, index), field)
        sheet.freeze_panes = "A2"
        _widths(sheet, [max(14, len(head) + 4) for head, _ in columns])
    out = BytesIO()
    book.save(out)
    return out.getvalue()


def _percent(cell: Any, field: str) -> None:
    if field.endswith("_rate") or field == "share":
        cell.number_format = "0.0%"


def _widths(sheet: Any, widths: list[int]) -> None:
    for index, width in enumerate(widths, start=1):
        sheet.column_dimensions[get_column_letter(index)].width = width
