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


#: the shared topics (taxonomy.py) and every shipped regime's categories and levels
TOPICS = {
    "elevator": "电梯",
    "elevator_entrapment": "电梯困人",
    "water_leak": "漏水渗水",
    "pipe_burst": "爆管",
    "drainage": "排水堵塞",
    "power": "停电供电",
    "facility_equipment": "设施设备",
    "fire_safety": "消防安全",
    "gas": "燃气",
    "noise": "噪音",
    "parking": "停车",
    "cleaning": "保洁卫生",
    "greening": "绿化",
    "pests": "虫鼠害",
    "pets": "宠物",
    "fees": "收费",
    "staff_attitude": "服务态度",
    "service_response": "服务响应",
    "security": "治安",
    "intrusion": "可疑人员",
    "high_altitude_throwing": "高空抛物",
    "missing_person": "人员走失",
    "construction_quality": "工程质量",
    "neighbour_dispute": "邻里纠纷",
    "municipal_utility": "市政水电气",
    "illegal_construction": "违章搭建",
    "common_space": "公共区域",
    "property_rights": "产权",
    "other": "其他",
}
CATEGORIES = {
    "service": "服务类",
    "environment": "环境类",
    "facility": "设施设备类",
    "safety": "安全类",
    "other": "其他",
    "fee": "收费类",
    "order": "秩序类",
    "cleaning": "保洁",
    "greening": "绿化",
    "maintenance": "维修类",
    "parking": "停车",
    "customer-service": "客户服务类",
    "referred": "转办类",
    "engineering-quality": "工程质量",
    "service-quality": "服务质量",
}
LEVELS = {
    "urgent": "紧急",
    "difficult": "疑难",
    "general": "一般",
    "minor": "轻微",
    "major": "重大",
    "group": "群体",
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
