"""Exports for auditors: one case, or a month of a group, as a zip of JSON and PDF.

- ``GET /v1/complaints/{id}/export.zip``: ``case.json`` (the case file and every entry of its
  timeline, as served by the case API) and ``case.pdf`` (案件档案: the file and its timeline).
- ``GET /v1/exports/{YYYY-MM}.zip?scope=…``: ``cases.jsonl`` (one case with its timeline per
  line, every case received in the month), ``report.json``, ``report.pdf``, ``report.xlsx``
  and ``manifest.json`` (what is inside, when it was made, by whom, SHA-256 of each file).

Both are audited (``export``); personal data is what the case API shows (masked).
"""

from __future__ import annotations

import asyncio
import hashlib
import zipfile
from datetime import datetime
from io import BytesIO
from typing import Any
from xml.sax.saxutils import escape

import orjson
from litestar import Request, Response, get
from litestar.exceptions import NotFoundException, ServiceUnavailableException
from reportlab.lib.pagesizes import A4
from reportlab.platypus import Paragraph, Spacer
from sqlmodel import col, select

from tousu_archive.models import CaseFile
from tousu_archive.record import case_record, case_records
from tousu_archive.reports.api import period_of, readable_scope
from tousu_archive.reports.build import build_report
from tousu_archive.reports.pdf import MARGIN, build_a4, render_pdf, styles_for, table
from tousu_archive.reports.period import LOCAL
from tousu_archive.reports.xlsx import render_xlsx
from tousu_shared.identity.audit import record_audit
from tousu_shared.pdf_fonts import FormFontError, register_cjk_font
from tousu_shared.runtime.service import identity_of, runtime_of

_ZIP = "application/zip"


def case_pdf(record: dict[str, Any]) -> bytes:
    """案件档案: the case file's fields, then its timeline, one row per entry."""
    face = register_cjk_font()
    styles = styles_for(face)
    fields = [
        ("案件编号", "complaint_id"),
        ("项目", "estate_id"),
        ("房号", "room"),
        ("受理时间", "received_at"),
        ("渠道", "channel"),
        ("类别", "category"),
        ("问题", "topic"),
        ("责任部门", "department"),
        ("状态", "status"),
        ("结案时间", "closed_at"),
        ("超时次数", "breaches"),
        ("升级次数", "escalations"),
        ("回访次数", "callbacks"),
        ("满意度", "satisfaction"),
        ("重开次数", "reopened"),
        ("是否属实", "substantiated"),
        ("涉及员工", "staff_involved"),
        ("诉讼保全", "legal_hold"),
        ("个人信息清除", "purged_at"),
        ("投诉内容", "summary"),
    ]
    rows = [[label, _short(record.get(key))] for label, key in fields]
    timeline = [["时间", "事件", "内容"]] + [
        [_local(e["occurred_at"]), e["type"], _brief(e["payload"])] for e in record["timeline"]
    ]
    width = A4[0] - 2 * MARGIN
    return build_a4(
        f"案件档案 {record['complaint_id']}",
        [
            Paragraph(escape(f"案件档案 {record['complaint_id']}"), styles["title"]),
            table(rows, face, widths=[width * 0.22, width * 0.78], wrap=styles["body"]),
            Spacer(1, 12),
            Paragraph("处理经过", styles["h2"]),
            table(
                timeline,
                face,
                head=True,
                widths=[width * 0.2, width * 0.25, width * 0.55],
                wrap=styles["body"],
            ),
        ],
    )


def _local(instant: str | None) -> str:
    if not instant:
        return "—"
    return datetime.fromisoformat(instant).astimezone(LOCAL).strftime("%Y-%m-%d %H:%M")


def _short(value: Any) -> str:
    if value is None:
        return "—"
    if isinstance(value, str) and value[:4].isdigit() and "T" in value[:11]:
        return _local(value)
    return str(value)


def _brief(payload: dict[str, Any]) -> str:
    keys = (
        "verb",
        "state",
        "clock",
        "status",
        "to_role",
        "satisfaction",
        "department",
        "note",
        "comment",
        "reason",
    )
    return "；".join(f"{k}: {payload[k]}" for k in keys if payload.get(k) not in (None, "", []))


def _zip(files: dict[str, bytes]) -> bytes:
    out = BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as archive:
        for name, data in files.items():
            info = zipfile.ZipInfo(name, date_time=(2000, 1, 1, 0, 0, 0))  # the same bytes for the same files
            info.compress_type = zipfile.ZIP_DEFLATED
            archive.writestr(info, data)
    return out.getvalue()


def _manifest(files: dict[str, bytes], **about: Any) -> bytes:
    listing = {
        name: {"bytes": len(data), "sha256": hashlib.sha256(data).hexdigest()} for name, data in files.items()
    }
    return orjson.dumps({**about, "files": listing}, option=orjson.OPT_INDENT_2)


def _download(data: bytes, name: str) -> Response[bytes]:
    return Response(data, media_type=_ZIP, headers={"content-disposition": f'attachment; filename="{name}"'})


@get("/v1/complaints/{complaint_id:str}/export.zip", tags=["cases"])
async def export_case(request: Request[Any, Any, Any], complaint_id: str) -> Response[bytes]:
    rt = runtime_of(request)
    async with rt.sessions() as session, session.begin():
        case = await session.get(CaseFile, complaint_id)
        if case is None:
            raise NotFoundException(f"no complaint {complaint_id!r} in the archive (yet)")
        who = await identity_of(request).authorise(request, "case.read", case.tenant_id, case.estate_id)
        record = await case_record(session, case)
        try:
            pdf = await asyncio.to_thread(case_pdf, record)
        except FormFontError as exc:
            raise ServiceUnavailableException(str(exc)) from None
        files = {"case.json": orjson.dumps(record, option=orjson.OPT_INDENT_2), "case.pdf": pdf}
        now = rt.clock.now()
        files["manifest.json"] = _manifest(
            files, complaint_id=complaint_id, made_at=now.isoformat(), by=who.subject
        )
        record_audit(
            session,
            rt.topics,
            "archive",
            who,
            "export",
            tenant_id=case.tenant_id,
            estate_id=case.estate_id,
            complaint_id=complaint_id,
            now=now,
            detail={"export": "case"},
        )
    return _download(_zip(files), f"tousu-case-{complaint_id}.zip")


@get("/v1/exports/{month:str}", tags=["reports"])
async def export_month(
    request: Request[Any, Any, Any], month: str, of: str = "group", tenant_id: str | None = None
) -> Response[bytes]:
    """A month of a group (or ``?of=region:<name>`` / ``estate:<id>``) as a zip: ``month`` is
    ``2026-11.zip``."""
    which = period_of("monthly", month.removesuffix(".zip"))
    rt = runtime_of(request)
    async with rt.sessions() as session, session.begin():
        who, where = await readable_scope(request, session, tenant_id, of)
        now = rt.clock.now()
        report = await build_report(session, where.tenant_id, where, which, now)
        cases = await session.scalars(
            select(CaseFile)
            .where(
                CaseFile.tenant_id == where.tenant_id,
                col(CaseFile.estate_id).in_(where.estates),
                col(CaseFile.received_at) >= which.start,
                col(CaseFile.received_at) < which.end,
            )
            .order_by(col(CaseFile.received_at), col(CaseFile.complaint_id))
        )
        lines = [orjson.dumps(record) for record in await case_records(session, cases.all())]
        try:
            pdf, xlsx = await asyncio.to_thread(lambda: (render_pdf(report), render_xlsx(report)))
        except FormFontError as exc:
            raise ServiceUnavailableException(str(exc)) from None
        files = {
            "cases.jsonl": b"\n".join(lines) + (b"\n" if lines else b""),
            "report.json": orjson.dumps(report, option=orjson.OPT_INDENT_2),
            "report.pdf": pdf,
            "report.xlsx": xlsx,
        }
        files["manifest.json"] = _manifest(
            files,
            period=which.label,
            scope=where.label,
            cases=len(lines),
            made_at=now.isoformat(),
            by=who.subject,
        )
        record_audit(
            session,
            rt.topics,
            "archive",
            who,
            "export",
            tenant_id=where.tenant_id,
            estate_id=where.estates[0],
            complaint_id=f"export:{which.label}",
            now=now,
            detail={"export": "month", "scope": where.label},
        )
    return _download(_zip(files), f"tousu-{where.label.replace(':', '-')}-{which.label}.zip")
