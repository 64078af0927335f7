"""What callers and managers read: the callback tasks (with the script to read the
resident), the outcomes per department, and the feedback form of a case as PDF."""

from __future__ import annotations

from collections import Counter, defaultdict
from collections.abc import Sequence
from datetime import datetime
from typing import Annotated, Any

from litestar import Request, Response, get
from litestar.exceptions import NotFoundException
from litestar.params import Parameter
from sqlmodel import col, select
from sqlmodel.sql.expression import SelectOfScalar

from tousu_callback.domain.labels import (
    CATEGORIES,
    LEVELS,
    SHANGHAI,
    TOPICS,
    VERBS,
    label,
    local,
)
from tousu_callback.domain.script import CaseStory, Step, build_script
from tousu_callback.facts import CaseFacts, case_facts
from tousu_callback.form import CallbackOutcome, FeedbackForm, HandlingStep, render_feedback_form
from tousu_callback.models import CallbackTask
from tousu_shared.identity.principal import Principal
from tousu_shared.runtime.service import identity_of, runtime_of

MAX_PAGE = 500


def task_json(task: CallbackTask, now: datetime) -> dict[str, Any]:
    return {
        "task_id": task.task_id,
        "complaint_id": task.complaint_id,
        "tenant_id": task.tenant_id,
        "estate_id": task.estate_id,
        "work_order_id": task.work_order_id,
        "department": task.department,
        "round": task.round,
        "assignee_role": task.assignee_role,
        "assignee": task.assignee,
        "channels": task.channels.split(","),
        "not_before": local(task.not_before),
        "due_at": local(task.due_at),
        "window_open": task.not_before is None or task.not_before <= now,
        "overdue": task.status == "open" and now > task.due_at,
        "status": task.status,
        "attempts": task.attempts,
        "attempts_allowed": task.attempts_allowed,
        "next_attempt_at": local(task.next_attempt_at),
        "outcome": task.outcome,
        "score": task.score,
        "comment": task.comment,
        "confirmed": task.confirmed,
        "channel_used": task.channel_used,
        "done_by": task.done_by,
        "done_at": local(task.done_at),
        "reopened_case": task.reopened,
        "survey_sent": task.survey_id is not None,
        "survey_answered": task.survey_used_at is not None,
    }


#: what the summary counts per department (task states and outcomes share one counter)
_COUNTED = (
    "tasks",
    "open",
    "cancelled",
    "reopened",
    "satisfied",
    "basically_satisfied",
    "dissatisfied",
    "unreachable",
)


async def _readable_tasks(
    request: Request[Any, Any, Any], tenant: str | None, estate: str | None
) -> tuple[Principal, str | None, SelectOfScalar[CallbackTask]]:
    """The tasks the caller may read: their group's (the operator names one), in the estates
    where they read cases, of ``estate`` if named."""
    identity = identity_of(request)
    who, scope = await identity.scope(request, "case.read")
    group = identity.group(request, who, "case.read", tenant)
    query = select(CallbackTask).where(col(CallbackTask.tenant_id) == group)
    if scope.estates is not None:
        query = query.where(col(CallbackTask.estate_id).in_(sorted(scope.estates)))
    if estate is not None:
        query = query.where(col(CallbackTask.estate_id) == estate)
    return who, group, query


@get("/v1/callbacks", tags=["callbacks"])
async def list_tasks(
    request: Request[Any, Any, Any],
    tenant: str | None = None,
    estate: str | None = None,
    complaint_id: str | None = None,
    status: str | None = None,
    assignee: str | None = None,
    role: str | None = None,
    limit: Annotated[int, Parameter(ge=1, le=MAX_PAGE)] = 100,
    offset: Annotated[int, Parameter(ge=0)] = 0,
) -> dict[str, Any]:
    """Callback tasks, soonest due first (``status=open`` for the work list; ``assignee=me``:
    the caller's own; ``role``: tasks for a role, e.g. station_head)."""
    rt = runtime_of(request)
    who, _, query = await _readable_tasks(request, tenant, estate)
    if assignee == "me":
        assignee = who.subject
    for column, value in (
        (CallbackTask.complaint_id, complaint_id),
        (CallbackTask.status, status),
        (CallbackTask.assignee, assignee),
        (CallbackTask.assignee_role, role),
    ):
        if value is not None:
            query = query.where(col(column) == value)
    query = query.order_by(col(CallbackTask.due_at), col(CallbackTask.task_id)).offset(offset).limit(limit)
    now = rt.clock.now()
    async with rt.sessions() as session:
        items = [task_json(t, now) for t in await session.scalars(query)]
    return {"items": items, "limit": limit, "offset": offset}


def story_of(facts: CaseFacts, round_: int = 1) -> CaseStory:
    return CaseStory(
        complaint_id=facts.complaint_id,
        received_at=facts.received_at,
        channel=facts.channel,
        summary=facts.summary,
        department=facts.department_name(),
        steps=facts.steps,
        resolution=facts.resolution,
        resolved_at=facts.resolved_at,
        promised=facts.promised,
        round=round_,
    )


@get("/v1/callbacks/{task_id:str}", tags=["callbacks"])
async def get_task(request: Request[Any, Any, Any], task_id: str) -> dict[str, Any]:
    """One task, with the script to read the resident (what was done, what was promised)."""
    rt = runtime_of(request)
    async with rt.sessions() as session:
        task = await session.get(CallbackTask, task_id)
        if task is None:
            raise NotFoundException(f"no callback task {task_id!r}")
        await identity_of(request).authorise(request, "case.read", task.tenant_id, task.estate_id)
        facts = await case_facts(session, task.complaint_id)
    out = task_json(task, rt.clock.now())
    if facts is not None:
        out["script"] = build_script(story_of(facts, task.round), SHANGHAI)
    return out


@get("/v1/callbacks/summary", tags=["callbacks"])
async def summary(
    request: Request[Any, Any, Any],
    tenant: str | None = None,
    estate: str | None = None,
    since: datetime | None = None,
    until: datetime | None = None,
) -> dict[str, Any]:
    """Callback outcomes per department (tasks opened in [since, until)): how many, how
    satisfied, how many reopened the case, how many residents were unreachable."""
    rt = runtime_of(request)
    _, group, query = await _readable_tasks(request, tenant, estate)
    if since is not None:
        query = query.where(col(CallbackTask.opened_at) >= since)
    if until is not None:
        query = query.where(col(CallbackTask.opened_at) < until)
    per: dict[str, Counter[str]] = defaultdict(Counter)
    scores: dict[str, list[int]] = defaultdict(list)
    async with rt.sessions() as session:
        for task in await session.scalars(query):
            counts = per[task.department or "unknown"]
            counts["tasks"] += 1
            counts[task.outcome or task.status] += 1
            counts["reopened"] += task.reopened
            if task.score is not None:
                scores[task.department or "unknown"].append(task.score)
    departments = []
    for department, counts in sorted(per.items()):
        answered = sum(counts[k] for k in ("satisfied", "basically_satisfied", "dissatisfied"))
        content = counts["satisfied"] + counts["basically_satisfied"]
        marks = scores[department]
        departments.append(
            {
                "department": department,
                **{k: counts[k] for k in _COUNTED},
                "satisfaction_rate": round(content / answered, 4) if answered else None,
                "average_score": round(sum(marks) / len(marks), 2) if marks else None,
            }
        )
    return {"tenant": group, "departments": departments}


@get("/v1/complaints/{complaint_id:str}/feedback-form.pdf", tags=["callbacks"], media_type="application/pdf")
async def feedback_form(request: Request[Any, Any, Any], complaint_id: str) -> Response[bytes]:
    """The case's feedback confirmation form (the regime's form: 《投诉反馈确认单》, 002's
    《住戶投訴處置表》 验证、回访结果 …) as PDF, with every callback so far."""
    rt = runtime_of(request)
    async with rt.sessions() as session:
        facts = await case_facts(session, complaint_id)
        if facts is None:
            raise NotFoundException(f"no complaint {complaint_id!r} known to callback")
        await identity_of(request).authorise(request, "case.read", facts.tenant_id, facts.estate_id)
        tasks = (
            await session.scalars(
                select(CallbackTask)
                .where(col(CallbackTask.complaint_id) == complaint_id)
                .order_by(col(CallbackTask.round))
            )
        ).all()
    pdf = render_feedback_form(form_of(facts, tasks, rt.clock.now()))
    return Response(
        pdf,
        media_type="application/pdf",
        headers={
            "content-disposition": f'inline; filename="feedback-{complaint_id}.pdf"',
            "cache-control": "no-store",
        },
    )


def form_of(facts: CaseFacts, tasks: Sequence[CallbackTask], now: datetime) -> FeedbackForm:
    regime = facts.rules
    story = story_of(facts)
    return FeedbackForm(
        title=(regime.callback.form if regime and regime.callback.form else "《投诉反馈确认单》"),
        organisation=regime.name if regime else "",
        complaint_id=facts.complaint_id,
        estate_id=facts.estate_id,
        received_at=facts.received_at or now,
        channel=facts.channel or "",
        category=label(CATEGORIES, facts.category) or None,
        topic=label(TOPICS, facts.topic) or None,
        level=label(LEVELS, facts.level) or None,
        department=story.department,
        complainant=facts.complainant,
        summary=facts.summary or "",
        steps=[HandlingStep(s.at, s.by or "", label_step(s)) for s in story.steps],
        resolution=facts.resolution,
        resolved_at=facts.resolved_at,
        promised=facts.promised,
        callbacks=[
            CallbackOutcome(
                at=t.done_at,
                by=t.done_by or "",
                channel=t.channel_used or t.channels.split(",")[0],
                satisfaction=t.outcome or "",
                score=t.score,
                comment=t.comment,
                confirmed=t.confirmed,
                attempts=max(t.attempts, 1),
            )
            for t in tasks
            if t.done_at is not None
        ],
        reopened=facts.reopened,
        generated_at=now,
    )


def label_step(step: Step) -> str:
    return label(VERBS, step.verb) + (f"：{step.note}" if step.note else "")
