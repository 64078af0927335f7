"""The feedback confirmation form as an A4 PDF in Chinese, for the resident to check and sign.

Laid out with reportlab's platypus as one bordered form: the title and the organisation, a
label | value table of the complaint and its handling, the 验证、回访结果 table with one row per
callback (a reopened case has several), the resident's signature line, and a footer on every
page. The CJK font is embedded (see :mod:`.fonts`), so the PDF reads the same on any machine.
Text wraps anywhere between Chinese characters (``wordWrap='CJK'``), so long complaints flow
over pages rather than overflow. The output is byte-for-byte the same for the same form
(reportlab's ``invariant``), so a form can be stored or compared by its hash.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime, timedelta
from io import BytesIO
from typing import Any
from xml.sax.saxutils import escape
from zoneinfo import ZoneInfo

from reportlab.lib import colors, textsplit
from reportlab.lib.enums import TA_CENTER
from reportlab.lib.pagesizes import A4
from reportlab.lib.styles import ParagraphStyle
from reportlab.lib.units import mm
from reportlab.pdfbase import pdfmetrics
from reportlab.pdfgen.canvas import Canvas
from reportlab.platypus import (
    Flowable,
    KeepTogether,
    Paragraph,
    SimpleDocTemplate,
    Table,
    TableStyle,
    paragraph,
)

from tousu_callback.domain.labels import CHANNELS, OUTCOMES, label
from tousu_callback.form.model import CallbackOutcome, FeedbackForm, HandlingStep
from tousu_shared.pdf_fonts import register_cjk_font

# Chinese line breaking (标点禁则): a line never starts with a full-width comma, colon, closing
# quote…; reportlab's list (from the Japanese rules) lacks these, so a wrapped line could start
# with "，". Added, once, to the list in both modules that wrap CJK text (one paragraph style
# or several); it only keeps such a mark at the end of the line before.
for _module in (textsplit, paragraph):
    _module.ALL_CANNOT_START += "".join(c for c in "，；：！？》〉”’…" if c not in _module.ALL_CANNOT_START)

CONFIRMED = {True: "已确认", False: "未确认", None: "—"}
#: printed for a value the form doesn't have
NONE = "—"

PAGE_W, PAGE_H = A4
MARGIN_X, MARGIN_TOP, MARGIN_BOTTOM = 18 * mm, 16 * mm, 20 * mm
WIDTH = PAGE_W - 2 * MARGIN_X
LABEL_W = 28 * mm
#: the callback table's columns and widths (住户意见 takes what is left)
CALLBACK_COLUMNS = ("回访时间", "回访人", "回访方式", "满意度", "评分", "住户意见", "尝试次数", "住户确认")
_FIXED = (29 * mm, 18 * mm, 16 * mm, 17 * mm, 12 * mm, None, 15 * mm, 15 * mm)
CALLBACK_WIDTHS = tuple(w if w is not None else WIDTH - sum(x or 0 for x in _FIXED) for w in _FIXED)

INK = colors.HexColor("#1a1a1a")
GREY_HEX = "#555555"
GREY = colors.HexColor(GREY_HEX)
RULE = colors.HexColor("#333333")
LABEL_BG = colors.HexColor("#eef1f4")
HEAD_BG = colors.HexColor("#dde3ea")


def render_feedback_form(form: FeedbackForm, font: str | None = None) -> bytes:
    """The form as a PDF. ``font``: a TrueType CJK font's path (``#N`` picks a collection's face)
    or the name of a font already registered with reportlab; default: ``TOUSU_PDF_FONT`` or a
    known system font (:mod:`.fonts`). Raises :class:`~.fonts.FormFontError` without one."""
    face = font if font and font in pdfmetrics.getRegisteredFontNames() else register_cjk_font(font)
    styles = _Styles(face)
    tz = ZoneInfo(form.tz)
    heading = _heading(form.title)
    buffer = BytesIO()
    doc = SimpleDocTemplate(
        buffer,
        pagesize=A4,
        leftMargin=MARGIN_X,
        rightMargin=MARGIN_X,
        topMargin=MARGIN_TOP,
        bottomMargin=MARGIN_BOTTOM,
        title=f"{heading} {form.complaint_id}",
        author=form.organisation,
        subject=f"投诉 {form.complaint_id}",
        creator="Tousu",
        lang="zh-CN",
        invariant=1,
        initialFontName=face,  # so the PDF names no font it doesn't embed (reportlab's default: Helvetica)
    )
    story: list[Flowable] = [
        Paragraph(_text(heading), styles.title),
        Paragraph(_text(form.organisation), styles.organisation),
        _details(form, tz, styles),
        _callbacks(form.callbacks, tz, styles),
        KeepTogether([_signature(styles)]),
    ]
    footer = f"由 Tousu 生成 {_time(form.generated_at, tz)}"
    # the PDF's creation date: when the form was generated (``invariant`` would print 2000-01-01)
    created = form.generated_at.astimezone(tz)
    offset = (created.utcoffset() or timedelta()) // timedelta(minutes=1)
    sign = "+" if offset >= 0 else "-"
    stamp = f"D:{created:%Y%m%d%H%M%S}{sign}{abs(offset) // 60:02d}'{abs(offset) % 60:02d}'"

    def canvas(*args: Any, **kwargs: Any) -> Canvas:
        made = _FooterCanvas(face, footer, *args, **kwargs)
        made.setDateFormatter(lambda *_: stamp)
        return made

    doc.build(story, canvasmaker=canvas)
    return buffer.getvalue()


class _Styles:
    def __init__(self, face: str) -> None:
        base = ParagraphStyle("base", fontName=face, fontSize=10, leading=14, textColor=INK, wordWrap="CJK")
        self.title = ParagraphStyle("title", base, fontSize=18, leading=24, alignment=TA_CENTER, spaceAfter=2)
        self.organisation = ParagraphStyle(
            "organisation", base, fontSize=10.5, leading=15, alignment=TA_CENTER, textColor=GREY, spaceAfter=8
        )
        self.label = ParagraphStyle("label", base)
        self.value = base
        # one line per handling step; a wrapped line is indented under the step's text
        self.step = ParagraphStyle("step", base, leftIndent=12, firstLineIndent=-12, spaceAfter=1)
        self.section = ParagraphStyle("section", base, fontSize=11, leading=15, alignment=TA_CENTER)
        self.head = ParagraphStyle("head", base, fontSize=9, leading=12, alignment=TA_CENTER)
        self.cell = ParagraphStyle("cell", base, fontSize=9, leading=12.5)
        self.centre = ParagraphStyle("centre", self.cell, alignment=TA_CENTER)
        self.note = ParagraphStyle("note", base, fontSize=9, leading=12, textColor=GREY)


def _details(form: FeedbackForm, tz: ZoneInfo, st: _Styles) -> Table:
    """The label | value table of the complaint and its handling."""
    rows: list[tuple[str, str | list[Flowable]]] = [
        ("投诉编号", form.complaint_id),
        ("小区", form.estate_id),
        ("受理时间", _time(form.received_at, tz)),
        ("投诉渠道", label(CHANNELS, form.channel)),
        ("投诉类别", _or_none(form.category)),
        ("投诉主题", _or_none(form.topic)),
        ("投诉级别", _or_none(form.level)),
        ("责任部门", _or_none(form.department)),
        ("投诉人", _or_none(form.complainant)),
        ("投诉内容", _or_none(form.summary)),
        ("处理经过", _steps(form.steps, tz, st)),
        ("处理结果", _or_none(form.resolution)),
        ("解决时间", _time(form.resolved_at, tz) if form.resolved_at else NONE),
        ("承诺事项", _or_none(form.promised)),
        ("重开次数", f"{form.reopened} 次"),
    ]
    data = [
        [Paragraph(label, st.label), Paragraph(_text(value), st.value) if isinstance(value, str) else value]
        for label, value in rows
    ]
    table = Table(data, colWidths=[LABEL_W, WIDTH - LABEL_W], splitInRow=1)
    table.setStyle(
        TableStyle(
            [
                ("FONT", (0, 0), (-1, -1), st.value.fontName, 10),
                ("GRID", (0, 0), (-1, -1), 0.6, RULE),
                ("BOX", (0, 0), (-1, -1), 1.2, RULE),
                ("BACKGROUND", (0, 0), (0, -1), LABEL_BG),
                ("VALIGN", (0, 0), (-1, -1), "TOP"),
                ("TOPPADDING", (0, 0), (-1, -1), 2.5),
                ("BOTTOMPADDING", (0, 0), (-1, -1), 4),
                ("LEFTPADDING", (0, 0), (-1, -1), 6),
                ("RIGHTPADDING", (0, 0), (-1, -1), 6),
            ]
        )
    )
    return table


def _steps(steps: Sequence[HandlingStep], tz: ZoneInfo, st: _Styles) -> str | list[Flowable]:
    if not steps:
        return NONE
    return [
        Paragraph(
            f'<font color="{GREY_HEX}">{_time(step.at, tz)}</font>'
            f"\u3000{_text(step.who)}\u3000{_text(step.what)}",
            st.step,
        )
        for step in sorted(steps, key=lambda step: step.at)
    ]


def _callbacks(callbacks: Sequence[CallbackOutcome], tz: ZoneInfo, st: _Styles) -> Table:
    """The 验证、回访结果 table: a heading row, the column names, one row per callback."""
    columns = len(CALLBACK_COLUMNS)
    data: list[list[Any]] = [
        [Paragraph("验证、回访结果", st.section)] + [""] * (columns - 1),
        [Paragraph(name, st.head) for name in CALLBACK_COLUMNS],
    ]
    for cb in sorted(callbacks, key=lambda cb: cb.at):
        data.append(
            [
                Paragraph(_time(cb.at, tz), st.centre),
                Paragraph(_text(cb.by), st.centre),
                Paragraph(_text(label(CHANNELS, cb.channel)), st.centre),
                Paragraph(_text(label(OUTCOMES, cb.satisfaction)), st.centre),
                Paragraph(f"{cb.score}/5" if cb.score is not None else NONE, st.centre),
                Paragraph(_text(_or_none(cb.comment)), st.cell),
                Paragraph(f"{cb.attempts} 次", st.centre),
                Paragraph(CONFIRMED[cb.confirmed], st.centre),
            ]
        )
    style: list[tuple[Any, ...]] = [
        ("SPAN", (0, 0), (-1, 0)),
        ("FONT", (0, 0), (-1, -1), st.value.fontName, 10),
        ("GRID", (0, 0), (-1, -1), 0.6, RULE),
        ("BOX", (0, 0), (-1, -1), 1.2, RULE),
        ("BACKGROUND", (0, 0), (-1, 0), HEAD_BG),
        ("BACKGROUND", (0, 1), (-1, 1), LABEL_BG),
        ("VALIGN", (0, 0), (-1, -1), "MIDDLE"),
        ("TOPPADDING", (0, 0), (-1, -1), 3),
        ("BOTTOMPADDING", (0, 0), (-1, -1), 4),
        ("LEFTPADDING", (0, 0), (-1, -1), 3),
        ("RIGHTPADDING", (0, 0), (-1, -1), 3),
    ]
    if not callbacks:
        data.append([Paragraph("尚未回访", st.centre)] + [""] * (columns - 1))
        style.append(("SPAN", (0, 2), (-1, 2)))
    # the heading and column names repeat on the next page should the rows run over
    return Table(data, colWidths=list(CALLBACK_WIDTHS), repeatRows=2, style=TableStyle(style))


def _signature(st: _Styles) -> Table:
    """住户确认（签字） with a blank line to sign on, and the date."""
    data = [
        [Paragraph("请住户核对以上处理结果及回访记录，确认无误后签字。", st.note), "", "", ""],
        [Paragraph("住户确认（签字）：", st.value), "", Paragraph("日期：", st.value), "年　　月　　日"],
        ["", "", "", ""],  # room under the lines, inside the box
    ]
    widths = (40 * mm, WIDTH - 40 * mm - 17 * mm - 50 * mm, 17 * mm, 50 * mm)
    return Table(
        data,
        colWidths=list(widths),
        rowHeights=[None, 16 * mm, 4 * mm],
        style=TableStyle(
            [
                ("SPAN", (0, 0), (-1, 0)),
                ("BOX", (0, 0), (-1, -1), 1.2, RULE),
                ("VALIGN", (0, 1), (-1, 1), "BOTTOM"),
                ("FONT", (0, 0), (-1, -1), st.value.fontName, 10),
                ("ALIGN", (3, 1), (3, 1), "RIGHT"),
                ("TEXTCOLOR", (3, 1), (3, 1), GREY),
                ("TOPPADDING", (0, 0), (-1, -1), 5),
                ("BOTTOMPADDING", (0, 1), (-1, 1), 3),
                ("LEFTPADDING", (0, 0), (-1, -1), 6),
                ("RIGHTPADDING", (0, 0), (-1, -1), 6),
                # the lines to write on: under the signature's cell and the date's
                ("LINEBELOW", (1, 1), (1, 1), 0.6, INK),
                ("LINEBELOW", (3, 1), (3, 1), 0.6, INK),
            ]
        ),
    )


class _FooterCanvas(Canvas):
    """Prints "由 Tousu 生成 …" and "第 n 页 / 共 N 页" on each page, which needs the page count:
    the pages are kept until the end and the footers drawn then."""

    def __init__(self, face: str, footer: str, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self._face, self._footer = face, footer
        self._pages: list[dict[str, Any]] = []

    def showPage(self) -> None:  # reportlab's name
        self._pages.append(dict(self.__dict__))
        self._startPage()

    def save(self) -> None:
        for number, page in enumerate(self._pages, start=1):
            self.__dict__.update(page)
            self.saveState()
            self.setFont(self._face, 8.5)
            self.setFillColor(GREY)
            self.setStrokeColor(colors.HexColor("#999999"))
            self.setLineWidth(0.4)
            y = MARGIN_BOTTOM - 8 * mm
            self.line(MARGIN_X, y + 11, PAGE_W - MARGIN_X, y + 11)
            self.drawString(MARGIN_X, y, self._footer)
            self.drawRightString(PAGE_W - MARGIN_X, y, f"第 {number} 页 / 共 {len(self._pages)} 页")
            self.restoreState()
            super().showPage()
        super().save()


def _heading(title: str) -> str:
    """The form's name as printed on it, without the book-title marks (how a text cites the form,
    not part of its heading): 《住戶投訴處置表》(驗證、回訪結果欄) → 住戶投訴處置表(驗證、回訪結果欄)."""
    text = title.strip()
    if text.startswith("《") and "》" in text:
        name, _, rest = text[1:].partition("》")
        return name + rest
    return text


def _time(at: datetime, tz: ZoneInfo) -> str:
    return at.astimezone(tz).strftime("%Y-%m-%d %H:%M")


def _or_none(value: str | None) -> str:
    return value if value and value.strip() else NONE


def _text(value: str) -> str:
    """User text for reportlab's mini-markup: <, & and > escaped, line breaks kept."""
    return escape(value.strip()).replace("\r\n", "\n").replace("\n", "<br/>")
