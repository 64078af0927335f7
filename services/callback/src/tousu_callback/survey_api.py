"""The resident's online survey: a page reached by the signed link, and its answer. No sign-in:
the link is the credential, so it shows nothing personal and works once.

- a forged or altered link: 404; an expired one or one already answered: 410;
- the answer is recorded exactly as a staff callback is (the case closes or reopens).
"""

from __future__ import annotations

from html import escape
from typing import Any

from litestar import MediaType, Request, Response, get, post
from litestar.exceptions import ClientException, NotFoundException
from litestar.status_codes import HTTP_201_CREATED, HTTP_410_GONE
from pydantic import ValidationError
from sqlalchemy.ext.asyncio import AsyncSession

from tousu_callback.domain.labels import SHANGHAI
from tousu_callback.facts import case_facts
from tousu_callback.models import CallbackTask
from tousu_callback.recording import check_task, locked_case, record_answer
from tousu_callback.schemas import SurveyIn
from tousu_callback.survey import SurveyIssuer, SurveyLinkExpired, SurveyLinkInvalid, read_link
from tousu_shared.identity.principal import Principal
from tousu_shared.runtime.service import Runtime, runtime_of
from tousu_shared.validation import describe_validation_error

#: who a survey answer is recorded under (the link stands for the resident it was sent to)
RESIDENT = "resident"


class Gone(ClientException):
    status_code = HTTP_410_GONE


async def _task(session: AsyncSession, rt: Runtime, token: str, *, lock: bool) -> CallbackTask:
    surveys: SurveyIssuer = rt.state["surveys"]
    try:
        task_id, survey_id = read_link(surveys.key, token, rt.clock.now())
    except SurveyLinkInvalid:
        raise NotFoundException("no such survey") from None
    except SurveyLinkExpired:
        raise Gone("这个回访链接已过期 (this survey link has expired)") from None
    task = await session.get(CallbackTask, task_id, with_for_update=lock)
    if task is None or task.survey_id != survey_id:
        raise Gone("这个回访链接已失效 (this survey link was replaced or withdrawn)")
    if task.survey_used_at is not None:
        raise Gone("这个回访链接已使用 (this survey was already answered)")
    if task.status != "open":
        raise Gone("这次回访已结束 (this callback is over)")
    return task


@get("/survey/{token:str}", tags=["survey"], media_type=MediaType.HTML, include_in_schema=False)
async def survey_page(request: Request[Any, Any, Any], token: str) -> Response[str]:
    rt = runtime_of(request)
    async with rt.sessions() as session:
        task = await _task(session, rt, token, lock=False)
        facts = await case_facts(session, task.complaint_id)
    resolved = (
        facts.resolved_at.astimezone(SHANGHAI).strftime("%Y-%m-%d %H:%M")
        if facts and facts.resolved_at
        else ""
    )
    what = escape(facts.resolution or "") if facts else ""
    return Response(
        _PAGE.format(complaint=escape(task.complaint_id), resolved=resolved, what=what, token=escape(token)),
        headers={"cache-control": "no-store", "referrer-policy": "no-referrer"},
    )


@post("/survey/{token:str}", tags=["survey"], status_code=HTTP_201_CREATED, include_in_schema=False)
async def answer_survey(request: Request[Any, Any, Any], token: str) -> Any:
    """The page's form (urlencoded) or a JSON body: satisfaction, score, comment."""
    rt = runtime_of(request)
    answer = await _answer(request)
    now = rt.clock.now()
    async with rt.sessions() as session, session.begin():
        task = await _task(session, rt, token, lock=True)
        case = await locked_case(session, task.complaint_id)
        check_task(case, task)
        task.survey_used_at = now
        resident = Principal(subject=RESIDENT, kind="person", tenant=case.tenant_id, issuer="survey-link")
        await record_answer(
            session,
            rt.topics,
            case,
            task,
            answer,
            who=resident,
            by=RESIDENT,
            channel="online_survey",
            confirmed=True,
            now=now,
        )
    if rt.relay:
        rt.relay.wake()
    if "application/json" in (request.headers.get("content-type") or ""):
        return {"task_id": task.task_id, "satisfaction": answer.level, "thanks": True}
    return Response(_THANKS, media_type=MediaType.HTML, status_code=HTTP_201_CREATED)


async def _answer(request: Request[Any, Any, Any]) -> SurveyIn:
    if "application/json" in (request.headers.get("content-type") or ""):
        raw: Any = await request.json()
    else:
        raw = {k: v for k, v in (await request.form()).items() if v not in ("", None)}
    try:
        return SurveyIn.model_validate(raw)
    except ValidationError as exc:
        raise ClientException(f"请检查填写内容 ({describe_validation_error(exc)})") from None


_PAGE = """<!doctype html><html lang="zh-CN"><head><meta charset="utf-8">
<meta name="viewport" content="width=device-width,initial-scale=1"><title>投诉处理回访</title>
<style>body{{font-family:sans-serif;max-width:36em;margin:1em auto;padding:0 1em}}
label{{display:block;margin:.4em 0}}textarea{{width:100%;height:5em}}button{{padding:.5em 2em}}</style></head>
<body><h1>投诉处理回访</h1>
<p>您反映的问题（投诉编号 {complaint}）已于 {resolved} 处理完毕：{what}</p>
<form method="post" action="/survey/{token}">
<fieldset><legend>您对处理结果是否满意？</legend>
<label><input type="radio" name="satisfaction" value="satisfied" required> 满意</label>
<label><input type="radio" name="satisfaction" value="basically_satisfied"> 基本满意</label>
<label><input type="radio" name="satisfaction" value="dissatisfied"> 不满意</label></fieldset>
<fieldset><legend>请为本次服务打分（1–5 分）</legend>
<label><input type="number" name="score" min="1" max="5"></label></fieldset>
<label>您的意见或建议<textarea name="comment" maxlength="2000"></textarea></label>
<button type="submit">提交</button></form></body></html>"""

_THANKS = """<!doctype html><html lang="zh-CN"><head><meta charset="utf-8"><title>谢谢</title></head>
<body><h1>谢谢您的反馈</h1><p>我们已收到您的回访意见。</p></body></html>"""
