"""What staff and residents read for Tousu's codes: channels, verbs, outcomes (Chinese)."""

from __future__ import annotations

from datetime import datetime
from zoneinfo import ZoneInfo

CHANNELS = {
    "phone": "电话",
    "onsite": "现场",
    "web": "网页",
    "letter": "信函",
    "fax": "传真",
    "email": "电子邮件",
    "app": "APP",
    "wechat": "微信公众号",
    "owner_group": "业主群",
    "online_survey": "在线问卷",
    "visit": "上门",
}
OUTCOMES = {
    "satisfied": "满意",
    "basically_satisfied": "基本满意",
    "dissatisfied": "不满意",
    "unreachable": "未能联系",
    "no_answer": "无人接听",
    "busy": "占线",
    "wrong_number": "号码有误",
    "declined": "住户拒绝回访",
}
VERBS = {
    "register": "登记",
    "dispatch": "派单",
    "accept": "接单",
    "onsite": "到场",
    "plan": "制定方案",
    "progress": "进展",
    "report": "上报",
    "contact": "联系住户",
    "escalate": "升级",
    "promise": "承诺",
    "resolve": "处理完毕",
    "reopen": "重新处理",
    "upgrade": "升级级别",
    "close": "结案",
    "withdraw": "撤诉",
    "callback": "回访",
}


def label(table: dict[str, str], code: str | None) -> str:
    """The label of ``code``, or the code itself when there is none (a regime's own)."""
    if code is None:
        return ""
    return table.get(code, code)


#: the zone residents and staff read times in (estates in other zones are not modelled yet)
SHANGHAI = ZoneInfo("Asia/Shanghai")


def local(at: datetime | None) -> str | None:
    """An instant as staff read it: ISO 8601 in the estate's zone."""
    return at.astimezone(SHANGHAI).isoformat() if at else None
