"""How many households or people a text says joined a complaint ("32户业主联名", "二十多位业主")."""

from __future__ import annotations

import re

_DIGITS = {"零": 0, "一": 1, "二": 2, "两": 2, "三": 3, "四": 4, "五": 5, "六": 6, "七": 7, "八": 8, "九": 9}
_NUMBER = r"(\d+|[零一二两三四五六七八九十百几]+)"
#: a count followed by who they are: "32户", "二十多位业主", "15 households"; not a flat
#: number ("楼上2003家" is the flat upstairs, not 2003 households)
_NOT_A_FLAT = r"(?<!\d)(?<!楼上)(?<!楼下)(?<!隔壁)(?<!对门)(?<!对面)"
_COUNT = re.compile(
    _NOT_A_FLAT + _NUMBER + r"\s*多?\s*(?:户|家|(?:位|名|个)(?:业主|住户|居民|邻居|人)|人(?:联名|签名|签字))"
    r"|(\d+)\s*(?:households|residents|owners|families|flats|neighbours|neighbors)"
)
_TOGETHER = re.compile(
    r"联名|联署|签.?名|签字|集体|成栋楼|全栋|整栋|一起|共同|业主|住户|居民|households|residents|owners|signed|petition"
)


def chinese_number(text: str) -> int | None:
    """Arabic digits or Chinese numerals up to the hundreds ("二十五" → 25); "几" reads as a few."""
    if text.isdigit():
        return int(text)
    total, current = 0, 0
    for char in text:
        if char in _DIGITS:
            current = _DIGITS[char]
        elif char == "几":
            current = 3
        elif char == "十":
            total += (current or 1) * 10
            current = 0
        elif char == "百":
            total += (current or 1) * 100
            current = 0
        else:
            return None
    total += current
    return total or None


def signatories_in(norm: str) -> int | None:
    if not _TOGETHER.search(norm):
        return None
    counts = []
    for match in _COUNT.finditer(norm):
        number = chinese_number(match.group(1) or match.group(2))
        if number is not None and number > 1:
            counts.append(number)
    return max(counts) if counts else None
