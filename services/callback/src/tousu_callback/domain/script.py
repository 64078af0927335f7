"""The callback script: what the caller reads to the resident, built from the case — what
was done, what was promised — and the questions whose answers the task records."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any
from zoneinfo import ZoneInfo

from tousu_callback.domain.labels import CHANNELS, VERBS, label

#: how much of the complaint's own words the opening quotes
QUOTE_CHARS = 60
#: verbs worth telling the resident about (the rest are internal: escalations, pauses, …)
TOLD_VERBS = ("onsite", "plan", "progress", "contact", "promise", "resolve", "reopen")


@dataclass(frozen=True)
class Step:
    at: datetime
    verb: str
    by: str | None = None
    note: str | None = None

    def to_json(self) -> dict[str, Any]:
        return {"at": self.at.isoformat(), "verb": self.verb, "by": self.by, "note": self.note}

    @classmethod
    def from_json(cls, item: dict[str, Any]) -> Step:
        return cls(datetime.fromisoformat(item["at"]), item["verb"], item.get("by"), item.get("note"))


@dataclass(frozen=True)
class CaseStory:
    complaint_id: str
    received_at: datetime | None
    channel: str | None
    summary: str | None
    department: str | None
    steps: tuple[Step, ...]
    resolution: str | None
    resolved_at: datetime | None
    promised: str | None
    round: int = 1


def _local(at: datetime | None, tz: ZoneInfo) -> str:
    return at.astimezone(tz).strftime("%Y-%m-%d %H:%M") if at else "（未记录）"


def _quote(text: str | None) -> str:
    if not text:
        return "您反映的问题"
    text = " ".join(text.split())
    return f"您反映的“{text[:QUOTE_CHARS]}{'…' if len(text) > QUOTE_CHARS else ''}”"


def build_script(story: CaseStory, tz: ZoneInfo) -> dict[str, Any]:
    """The script as parts a console shows in order; every line is plain text."""
    came = label(CHANNELS, story.channel) or "来电"
    opening = (
        f"您好，这里是物业服务中心，就{_local(story.received_at, tz)}通过{came}{_quote(story.summary)}"
        f"（投诉编号 {story.complaint_id}）向您回访。"
    )
    if story.round > 1:
        opening += f"这是该投诉重新处理后的第 {story.round} 次回访。"
    done = [
        f"{_local(s.at, tz)} {label(VERBS, s.verb)}{'：' + s.note if s.note else ''}"
        for s in story.steps
        if s.verb in TOLD_VERBS
    ]
    result = story.resolution or "已处理完毕"
    return {
        "opening": opening,
        "what_was_done": done,
        "result": f"{_local(story.resolved_at, tz)} {result}" if story.resolved_at else result,
        "promised": story.promised,
        "questions": [
            "请问您反映的问题现在是否已经解决？",
            "您对这次处理结果满意、基本满意，还是不满意？",
            "请您为本次服务打分，1 到 5 分。",
            "您还有什么意见或建议吗？",
            "请问您是否确认以上处理结果？",
        ],
        "if_dissatisfied": (
            f"记录住户不满意的原因，告知住户：投诉将退回{story.department or '责任部门'}重新处理，"
            "处理后会再次回访。"
        ),
    }
