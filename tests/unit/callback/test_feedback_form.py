"""The feedback confirmation form's PDF, read back with pdfium: a reopened case prints every label
and value in Chinese (times in the estate's zone), on the expected pages, with the CJK font
embedded (page 1 renders to a bitmap that isn't blank); user text is printed literally; a
missing or unusable font fails with what to do about it."""

from __future__ import annotations

import os
import re
import shlex
import subprocess
from dataclasses import replace
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pypdfium2 as pdfium
import pytest

from tousu_callback.form import (
    CallbackOutcome,
    FeedbackForm,
    FormFontMissing,
    FormFontUnusable,
    HandlingStep,
    render_feedback_form,
)
from tousu_shared import pdf_fonts as fonts
from tousu_shared.pdf_fonts import HINT

REPO = Path(__file__).resolve().parents[3]
WQY = Path("/usr/share/fonts/truetype/wqy/wqy-zenhei.ttc")


def at(day: int, hour: int, minute: int = 0) -> datetime:
    """An instant in December 2026, given in UTC (the form prints it 8 hours later, in Shanghai)."""
    return datetime(2026, 12, day, hour, minute, tzinfo=UTC)


SUMMARY = (
    "本人住在3栋2单元1802室。自11月下旬起，楼上1902室卫生间持续渗漏，客厅及主卧天花板出现大面积水渍，"
    "並開始起皮剝落，牆面發霉，家中有老人及兩歲小孩，擔心影響健康。曾三次致電物業客服，均答覆「已登記」，"
    "但一直無人上門處理。要求物業盡快協調樓上住戶維修防水層，並承擔天花板及牆面的修復；"
    "如一週內仍未處理，將向住建部門及12345熱線反映。\n"
    "另：楼道感应灯已坏两周，晚上回家很不方便，请一并处理。"
)


def reopened_case() -> FeedbackForm:
    """A leak fixed upstairs, the resident dissatisfied (the ceiling was left mouldy), reopened,
    the ceiling redone, then satisfied."""
    return FeedbackForm(
        title="《投诉反馈确认单》",
        organisation="住宅小区物业服务标准",
        complaint_id="TS-20261201-0042",
        estate_id="翠湖花园（二期）",
        received_at=at(1, 1, 30),
        channel="wechat",
        category="房屋维修",
        topic="渗漏水",
        level="二级（重要）",
        department="工程部维修班",
        complainant="张*华（3栋2单元1802室）",
        summary=SUMMARY,
        steps=[
            HandlingStep(at(1, 1, 40), "客服 李静", "受理登记，派单至工程部维修班"),
            HandlingStep(at(1, 6, 20), "工程部 王建国", "上门查看，确认1902室卫生间防水层破损"),
            HandlingStep(at(2, 2), "工程部 王建国", "协调1902室业主，约定12月3日维修"),
            HandlingStep(at(3, 17, 10), "工程部 王建国", "完成防水层修补，闭水试验24小时无渗漏"),
            HandlingStep(at(5, 3), "客服 李静", "回访不满意：天花板霉变未处理，重开工单"),
            HandlingStep(at(8, 7, 30), "维修班 赵师傅", "铲除1802室天花板霉变层，重新批荡、涂刷"),
        ],
        resolution="1902室卫生间防水层已修补并通过闭水试验；1802室天花板及墙面已重新批荡、涂刷，住户现场验收。",
        resolved_at=at(8, 8, 30),
        promised="一个月内每周回访一次，如再渗漏免费返修。",
        callbacks=[
            CallbackOutcome(
                at=at(5, 2),
                by="客服 李静",
                channel="phone",
                satisfaction="dissatisfied",
                score=2,
                comment="楼上不漏了，但天花板发霉未处理，要求修复。",
                confirmed=False,
                attempts=2,
            ),
            CallbackOutcome(
                at=at(9, 3, 30),
                by="客服主管 陈敏",
                channel="visit",
                satisfaction="satisfied",
                score=5,
                comment="已修复，满意，感谢维修班。",
                confirmed=True,
            ),
        ],
        reopened=1,
        generated_at=at(9, 6),
    )


LABELS = [
    "投诉反馈确认单",
    "住宅小区物业服务标准",
    *("投诉编号", "小区", "受理时间", "投诉渠道", "投诉类别", "投诉主题", "投诉级别", "责任部门"),
    *("投诉人", "投诉内容", "处理经过", "处理结果", "解决时间", "承诺事项", "重开次数"),
    "验证、回访结果",
    *("回访时间", "回访人", "回访方式", "满意度", "评分", "住户意见", "尝试次数", "住户确认"),
    "住户确认（签字）：",
    "日期：",
]


def squash(text: str) -> str:
    """Text without whitespace: lines wrap anywhere in CJK text, and pdfium puts breaks there."""
    return re.sub(r"\s+", "", text)


def page_texts(pdf: bytes) -> list[str]:
    doc = pdfium.PdfDocument(pdf)
    try:
        return [page.get_textpage().get_text_range() for page in doc]
    finally:
        doc.close()


@pytest.fixture(scope="module")
def pdf() -> bytes:
    return render_feedback_form(reopened_case())


def test_one_page_with_every_label_and_value(pdf: bytes) -> None:
    pages = page_texts(pdf)
    assert len(pages) == 1
    text = squash("".join(pages))
    values = [
        *("TS-20261201-0042", "翠湖花园（二期）", "微信公众号", "房屋维修", "渗漏水", "二级（重要）"),
        *("工程部维修班", "张*华（3栋2单元1802室）", SUMMARY),
        # the steps, in Shanghai time: 17:10 UTC on the 3rd is 01:10 on the 4th
        "2026-12-0109:40客服李静受理登记，派单至工程部维修班",
        "2026-12-0114:20工程部王建国上门查看，确认1902室卫生间防水层破损",
        "2026-12-0210:00工程部王建国协调1902室业主，约定12月3日维修",
        "2026-12-0401:10工程部王建国完成防水层修补，闭水试验24小时无渗漏",
        "2026-12-0511:00客服李静回访不满意：天花板霉变未处理，重开工单",
        "2026-12-0815:30维修班赵师傅铲除1802室天花板霉变层，重新批荡、涂刷",
        "1902室卫生间防水层已修补并通过闭水试验；1802室天花板及墙面已重新批荡、涂刷，住户现场验收。",
        "2026-12-0816:30",
        "一个月内每周回访一次，如再渗漏免费返修。",
        "1次",
        "2026-12-0109:30",  # received
        # the callbacks, one row each, in time order
        "2026-12-0510:00客服李静电话不满意2/5楼上不漏了，但天花板发霉未处理，要求修复。2次未确认",
        "2026-12-0911:30客服主管陈敏上门满意5/5已修复，满意，感谢维修班。1次已确认",
        "由Tousu生成2026-12-0914:00",
        "第1页/共1页",
    ]
    for expected in LABELS + values:
        assert squash(expected) in text, expected
    assert "基本满意" not in text and "未能联系" not in text


def test_metadata_and_embedded_font(pdf: bytes) -> None:
    doc = pdfium.PdfDocument(pdf)
    meta = doc.get_metadata_dict()
    doc.close()
    assert meta["Title"] == "投诉反馈确认单 TS-20261201-0042"
    assert meta["Author"] == "住宅小区物业服务标准"
    assert meta["Creator"] == "Tousu"
    assert meta["CreationDate"] == "D:20261209140000+08'00'"  # generated_at, in Shanghai
    assert pdf.startswith(b"%PDF-")
    # the font is embedded, as a subset (FontFile2: a TrueType font program), and no other is named
    # (reportlab's default, Helvetica, would be a Type1 font the reader must have)
    assert b"/FontFile2" in pdf and re.search(rb"/BaseFont /[A-Z]{6}\+", pdf)
    assert b"/Type1" not in pdf and b"Helvetica" not in pdf


def test_same_form_same_bytes(pdf: bytes) -> None:
    assert render_feedback_form(reopened_case()) == pdf


def test_page_one_is_drawn(pdf: bytes, tmp_path: Path) -> None:
    doc = pdfium.PdfDocument(pdf)
    image = doc[0].render(scale=2).to_pil().convert("L")
    doc.close()
    png = tmp_path / "feedback-form.png"
    image.save(png)
    assert png.stat().st_size > 10_000
    width, height = image.size
    assert (width, height) == (1191, 1684)  # A4 at 144 dpi
    # the table's region: below the heading, above the footer, inside the margins
    table = image.crop((int(width * 0.1), int(height * 0.1), int(width * 0.9), int(height * 0.6)))
    histogram = table.histogram()  # pixels per grey level, 0 (black) to 255
    dark = sum(histogram[:128]) / sum(histogram)
    assert dark > 0.04, f"only {dark:.1%} of the table's region is dark"
    # and the margins are blank
    darkest, _ = image.crop((0, 0, int(width * 0.05), height)).getextrema()
    assert darkest > 200


def test_user_text_printed_literally() -> None:
    form = replace(
        reopened_case(),
        summary="<b>水费</b> < 100 & 电费 > 50 &amp; <br/> 「引号」",
        complainant="A&B <业主>",
        callbacks=[replace(reopened_case().callbacks[0], comment="<script>alert(1)</script>")],
    )
    text = squash("".join(page_texts(render_feedback_form(form))))
    for literal in ("<b>水费</b><100&电费>50&amp;<br/>「引号」", "A&B<业主>", "<script>alert(1)</script>"):
        assert literal in text


def test_unknown_codes_printed_as_they_are_and_missing_values_as_a_dash() -> None:
    form = replace(
        reopened_case(),
        channel="telegram",
        category=None,
        topic=None,
        level=None,
        department=None,
        complainant=None,
        steps=[],
        resolution=None,
        resolved_at=None,
        promised=None,
        callbacks=[
            CallbackOutcome(at(5, 2), "客服 李静", "sms", "unreachable", None, None, None, attempts=3),
            CallbackOutcome(at(6, 2), "客服 李静", "online_survey", "basically_satisfied", 4, "还行", None),
        ],
        reopened=0,
    )
    text = squash("".join(page_texts(render_feedback_form(form))))
    assert "投诉渠道telegram" in text
    assert "投诉类别—投诉主题—投诉级别—责任部门—投诉人—" in text
    assert "处理经过—处理结果—解决时间—承诺事项—重开次数0次" in text
    assert "2026-12-0510:00客服李静sms未能联系——3次—" in text
    assert "2026-12-0610:00客服李静在线问卷基本满意4/5还行1次—" in text


def test_no_callback_yet() -> None:
    form = replace(reopened_case(), callbacks=[], title="《住戶投訴處置表》(驗證、回訪結果欄)")
    pages = page_texts(render_feedback_form(form))
    text = squash("".join(pages))
    assert text.startswith("住戶投訴處置表(驗證、回訪結果欄)")
    assert "尚未回访" in text


def test_long_complaint_runs_over_pages() -> None:
    summary = "\n".join(f"第{n}段：{SUMMARY}" for n in range(1, 16))
    steps = [
        HandlingStep(at(1, 2) + timedelta(hours=n), f"维修员{n}", f"第{n}次上门处理渗漏") for n in range(40)
    ]
    callbacks = [
        CallbackOutcome(
            at(10, 2) + timedelta(days=n), "客服 李静", "phone", "dissatisfied", 1, SUMMARY, False
        )
        for n in range(8)
    ]
    form = replace(reopened_case(), summary=summary, steps=steps, callbacks=callbacks, reopened=7)
    pages = page_texts(render_feedback_form(form))
    assert len(pages) == 6
    assert all(squash(page).endswith(f"第{n}页/共6页") for n, page in enumerate(pages, start=1))
    # the pages' text without their footers: the complaint is whole, though over three pages
    text = squash("".join(re.sub(r"由 Tousu 生成 .*$", "", page) for page in pages))
    assert squash(summary) in text
    for n in range(40):
        assert f"维修员{n}第{n}次上门处理渗漏" in text
    assert text.count("2/5") == 0 and text.count("1/5") == 8
    # the callback table's heading repeats on the page it runs over to
    assert sum("验证、回访结果" in page for page in pages) >= 2


def test_naive_times_are_refused() -> None:
    with pytest.raises(ValueError, match="naive"):
        replace(reopened_case(), received_at=datetime(2026, 12, 1, 9, 30))
    with pytest.raises(ValueError, match="time zone"):
        replace(reopened_case(), tz="Mars/Olympus")


def test_missing_font_says_what_to_do(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    monkeypatch.setenv("TOUSU_PDF_FONT", str(tmp_path / "nowhere.ttf"))
    with pytest.raises(FormFontMissing) as raised:
        render_feedback_form(reopened_case())
    assert isinstance(raised.value, ValueError)
    message = str(raised.value)
    assert "nowhere.ttf" in message and "no such file" in message
    assert "install fonts-wqy-zenhei (apt-get install -y fonts-wqy-zenhei)" in message
    assert "or set TOUSU_PDF_FONT to a TrueType CJK font" in message


def test_no_known_font_says_what_to_do(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    monkeypatch.delenv("TOUSU_PDF_FONT", raising=False)
    monkeypatch.setattr(fonts, "KNOWN_FONTS", ((str(tmp_path / "wqy-zenhei.ttc"), 0),))
    with pytest.raises(FormFontMissing, match=re.escape(HINT)):
        render_feedback_form(reopened_case())


def test_a_file_that_is_no_font(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    bogus = tmp_path / "font.ttf"
    bogus.write_text("not a font at all")
    monkeypatch.setenv("TOUSU_PDF_FONT", str(bogus))
    with pytest.raises(FormFontUnusable, match="can't be embedded") as raised:
        render_feedback_form(reopened_case())
    assert str(bogus) in str(raised.value) and HINT in str(raised.value)


def test_a_font_without_chinese(monkeypatch: pytest.MonkeyPatch) -> None:
    latin = Path("/usr/share/fonts/truetype/dejavu/DejaVuSans.ttf")
    if not latin.is_file():
        pytest.skip("fonts-dejavu-core is not installed")
    monkeypatch.setenv("TOUSU_PDF_FONT", str(latin))
    with pytest.raises(FormFontUnusable, match="not a Chinese font"):
        render_feedback_form(reopened_case())


@pytest.mark.skipif(not WQY.is_file(), reason="fonts-wqy-zenhei is not installed")
def test_a_face_of_a_collection(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("TOUSU_PDF_FONT", f"{WQY}#1")  # WenQuanYi Zen Hei Sharp
    assert "投诉编号" in page_texts(render_feedback_form(reopened_case()))[0]
    assert fonts.cjk_font_path() == WQY
    with pytest.raises(FormFontUnusable):
        render_feedback_form(reopened_case(), font=f"{WQY}#9")


def test_fonts_script_looks_for_the_same_fonts() -> None:
    script = (REPO / "scripts" / "fonts.sh").read_text()
    listed = re.search(r"^KNOWN=\((.*?)\)$", script, re.M | re.S)
    assert listed, "scripts/fonts.sh has no KNOWN=(...) list"
    assert shlex.split(listed.group(1), comments=True) == [path for path, _ in fonts.KNOWN_FONTS]


def test_fonts_script_finds_the_font() -> None:
    if not WQY.is_file():
        pytest.skip("fonts-wqy-zenhei is not installed")
    done = subprocess.run(
        ["bash", str(REPO / "scripts" / "fonts.sh"), "check"],
        capture_output=True,
        text=True,
        check=False,
        env={name: value for name, value in os.environ.items() if name != "TOUSU_PDF_FONT"},
    )
    assert done.returncode == 0, done.stderr
    assert str(WQY) in done.stdout
