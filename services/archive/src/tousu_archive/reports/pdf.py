"""A report as an A4 PDF in Chinese with charts (reportlab platypus and graphics).

Monthly: the headline figures, cases per day (bars), the share of each type (bars), on-time
rate per department and per clock (bars with the figures in a table beside), the hot spots
and the staff ladder. Daily: the units' table. The CJK font is embedded
(:mod:`tousu_shared.pdf_fonts`); the output is the same bytes for the same report.
"""

from __future__ import annotations

from io import BytesIO
from typing import Any
from xml.sax.saxutils import escape

from reportlab.graphics.charts.barcharts import HorizontalBarChart, VerticalBarChart
from reportlab.graphics.shapes import Drawing, String
from reportlab.lib import colors
from reportlab.lib.pagesizes import A4
from reportlab.lib.styles import ParagraphStyle
from reportlab.lib.units import mm
from reportlab.platypus import Paragraph, SimpleDocTemplate, Spacer, Table, TableStyle

from tousu_shared.pdf_fonts import register_cjk_font

PAGE_W, PAGE_H = A4
MARGIN = 16 * mm
WIDTH = PAGE_W - 2 * MARGIN
BAR = colors.HexColor("#3a6ea5")
LATE = colors.HexColor("#c0504d")
GRID = colors.HexColor("#999999")
HEAD_BG = colors.HexColor("#dde3ea")
NONE = "—"
#: rows of a long table the PDF prints (the XLSX has them all)
_LONGEST = 30


def percent(value: float | None) -> str:
    return NONE if value is None else f"{value * 100:.1f}%"


def render_pdf(report: dict[str, Any], font: str | None = None) -> bytes:
    face = register_cjk_font(font)
    styles = styles_for(face)
    story: list[Any] = [
        Paragraph(escape(_heading(report)), styles["title"]),
        Paragraph(
            escape(f"范围：{report['scope']}　项目：{', '.join(report['estates']) or NONE}"), styles["small"]
        ),
        Spacer(1, 4 * mm),
        table(_headline(report), face, widths=[WIDTH / 4] * 4, labels=(0, 2)),
        Spacer(1, 5 * mm),
    ]
    if report["kind"] == "monthly":
        story += _monthly(report, face, styles)
    else:
        story += _section("各部门当日投诉", styles)
        story.append(
            table(
                [["部门", "案件", "未结", "已结", "超时"]]
                + [
                    [u["department"], u["cases"], u["open"], u["closed"], u["overdue_cases"]]
                    for u in report["by_department"]
                ],
                face,
                head=True,
            )
        )
    return build_a4(f"投诉{'月' if report['kind'] == 'monthly' else '日'}报 {report['period']}", story)


def build_a4(title: str, story: list[Any]) -> bytes:
    """An A4 PDF of ``story``, the same bytes for the same content (reportlab's invariant)."""
    buffer = BytesIO()
    SimpleDocTemplate(
        buffer,
        pagesize=A4,
        leftMargin=MARGIN,
        rightMargin=MARGIN,
        topMargin=MARGIN,
        bottomMargin=MARGIN,
        title=title,
        author="Tousu",
        invariant=True,
    ).build(story)
    return buffer.getvalue()


def _heading(report: dict[str, Any]) -> str:
    what = "投诉月度分析报告" if report["kind"] == "monthly" else "投诉日报"
    return f"{report['title']} {what}"


def _headline(report: dict[str, Any]) -> list[list[Any]]:
    t = report["totals"]
    if report["kind"] != "monthly":
        return [["案件", t["cases"], "不予受理", t["rejected"]]]
    hours = NONE if t["avg_handling_hours"] is None else f"{t['avg_handling_hours']:.1f} 小时"
    return [
        ["案件", t["cases"], "不予受理", t["rejected"]],
        ["已结", t["closed"], "未结", t["open"]],
        ["按时率", percent(t["on_time_rate"]), "满意率", percent(t["satisfaction_rate"])],
        ["重开率", percent(t["reopen_rate"]), "平均处理时长", hours],
    ]


def _monthly(report: dict[str, Any], face: str, styles: dict[str, ParagraphStyle]) -> list[Any]:
    story: list[Any] = []
    days = report["by_day"]
    story += _section("每日投诉量", styles)
    story.append(_columns([d["date"][-2:] for d in days], [d["cases"] for d in days], face))
    story += _section("投诉类型及占比", styles)
    kinds = report["by_category"][:12]
    story.append(_bars([k["name"] for k in kinds], [k["cases"] for k in kinds], face))
    story.append(
        table(
            [["类别", "案件", "占比"]] + [[k["name"], k["cases"], percent(k["share"])] for k in kinds],
            face,
            head=True,
        )
    )
    departments = report["by_department"]
    story += _section("各部门按时率、满意率、重开率", styles)
    story.append(
        _bars(
            [d["department"] for d in departments],
            [(d["on_time_rate"] or 0) * 100 for d in departments],
            face,
            "%",
        )
    )
    story.append(
        table(
            [["部门", "案件", "超时案件", "按时率", "满意率", "重开率"]]
            + [
                [
                    d["department"],
                    d["cases"],
                    d["overdue_cases"],
                    percent(d["on_time_rate"]),
                    percent(d["satisfaction_rate"]),
                    percent(d["reopen_rate"]),
                ]
                for d in departments
            ],
            face,
            head=True,
        )
    )
    clocks = report["by_clock"]
    story += _section("各时钟按时率", styles)
    story.append(
        table(
            [["时钟", "已判定", "按时", "超时", "按时率"]]
            + [[c["clock"], c["decided"], c["met"], c["late"], percent(c["on_time_rate"])] for c in clocks],
            face,
            head=True,
        )
    )
    story += _section(f"热点问题（同一楼栋同一问题 ≥ {report['rules']['hot_spot_complaints']} 次）", styles)
    spots = report["hot_spots"][:_LONGEST]
    if len(report["hot_spots"]) > _LONGEST:
        story.append(
            Paragraph(
                f"共 {len(report['hot_spots'])} 处，列出最多的 {_LONGEST} 处（全部见 XLSX）。",
                styles["small"],
            )
        )
    story.append(
        table(
            [["项目", "楼栋", "问题", "案件"]]
            + [[s["estate_id"], s["building"], s["topic"], s["cases"]] for s in spots],
            face,
            head=True,
        )
        if spots
        else Paragraph("本月无热点问题。", styles["body"])
    )
    story += _section(f"员工被投诉阶梯（近 {report['rules']['ladder_window_days']} 天属实投诉）", styles)
    ladder = report["staff_ladder"]
    story.append(
        table(
            [["员工", "属实投诉", "处理"]]
            + [[s["staff_id"], s["substantiated"], s["rung_name"] or NONE] for s in ladder],
            face,
            head=True,
        )
        if ladder
        else Paragraph("近一年无属实投诉。", styles["body"])
    )
    return story


def _section(title: str, styles: dict[str, ParagraphStyle]) -> list[Any]:
    return [Spacer(1, 4 * mm), Paragraph(escape(title), styles["h2"])]


def styles_for(face: str) -> dict[str, ParagraphStyle]:
    base = ParagraphStyle("body", fontName=face, fontSize=9.5, leading=13, wordWrap="CJK")
    return {
        "body": base,
        "small": ParagraphStyle("small", parent=base, fontSize=8.5, textColor=colors.HexColor("#555555")),
        "title": ParagraphStyle(
            "title", parent=base, fontSize=16, leading=22, alignment=1, spaceAfter=2 * mm
        ),
        "h2": ParagraphStyle("h2", parent=base, fontSize=12, leading=16, spaceAfter=2 * mm),
    }


def table(
    rows: list[list[Any]],
    face: str,
    *,
    head: bool = False,
    widths: list[float] | None = None,
    wrap: ParagraphStyle | None = None,
    labels: tuple[int, ...] = (0,),
) -> Table:
    """A grid with a header row (``head``) or label columns (``labels``); with ``wrap``, cells
    are paragraphs that wrap within their column."""
    cells = [[str(v) if v is not None else NONE for v in row] for row in rows]
    if wrap is not None:
        cells = [[Paragraph(escape(c), wrap) for c in row] for row in cells]
    grid = Table(cells, colWidths=widths, repeatRows=1 if head else 0)
    style = [
        ("FONTNAME", (0, 0), (-1, -1), face),
        ("FONTSIZE", (0, 0), (-1, -1), 9),
        ("GRID", (0, 0), (-1, -1), 0.4, GRID),
        ("VALIGN", (0, 0), (-1, -1), "MIDDLE"),
    ]
    if head:
        style.append(("BACKGROUND", (0, 0), (-1, 0), HEAD_BG))
    else:
        style += [("BACKGROUND", (i, 0), (i, -1), HEAD_BG) for i in labels]
    grid.setStyle(TableStyle(style))
    return grid


def _columns(labels: list[str], values: list[float], face: str) -> Drawing:
    drawing = Drawing(WIDTH, 55 * mm)
    chart = VerticalBarChart()
    chart.x, chart.y, chart.width, chart.height = 10 * mm, 8 * mm, WIDTH - 14 * mm, 42 * mm
    chart.data = [values or [0]]
    chart.categoryAxis.categoryNames = labels or [""]
    chart.categoryAxis.labels.fontName = face
    chart.categoryAxis.labels.fontSize = 6
    chart.valueAxis.labels.fontName = face
    chart.valueAxis.labels.fontSize = 7
    chart.valueAxis.valueMin = 0
    chart.bars[0].fillColor = BAR
    chart.bars[0].strokeColor = None
    drawing.add(chart)
    return drawing


def _bars(labels: list[str], values: list[float], face: str, unit: str = "") -> Drawing:
    height = max(20 * mm, 6 * mm * len(labels) + 12 * mm)
    drawing = Drawing(WIDTH, height)
    chart = HorizontalBarChart()
    chart.x, chart.y, chart.width, chart.height = 42 * mm, 6 * mm, WIDTH - 60 * mm, height - 10 * mm
    chart.data = [list(reversed(values)) or [0]]
    chart.categoryAxis.categoryNames = list(reversed(labels)) or [""]
    chart.categoryAxis.labels.fontName = face
    chart.categoryAxis.labels.fontSize = 8
    chart.valueAxis.labels.fontName = face
    chart.valueAxis.labels.fontSize = 7
    chart.valueAxis.valueMin = 0
    if unit == "%":
        chart.valueAxis.valueMax = 100
    chart.bars[0].fillColor = BAR
    chart.bars[0].strokeColor = None
    chart.barLabelFormat = "%.0f" + ("%%" if unit == "%" else "")
    chart.barLabels.fontName = face
    chart.barLabels.fontSize = 7
    chart.barLabels.boxAnchor = "w"
    chart.barLabels.dx = 2
    drawing.add(chart)
    if not labels:
        drawing.add(String(WIDTH / 2, height / 2, "无数据", fontName=face, fontSize=9, textAnchor="middle"))
    return drawing
