"""One spelling for every complaint: simplified characters, half-width, lower case,
desk-known typos corrected, and only the resident's words of a call transcript."""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Mapping
from functools import cache

import opencc

# "客服：… 业主：…" — a transcript's speaker labels (after conversion to simplified).
_SPEAKER = re.compile(
    r"(?:^|(?<=[\s。！？!?，,；;]))"
    r"(客服|坐席|接线员|话务员|前台|管家|工作人员|物业|业主|住户|居民|来电人|来电者|先生|女士|"
    r"agent|clerk|staff|owner|resident|caller|tenant)\s*[:：]",
    re.IGNORECASE,
)
_STAFF = {"客服", "坐席", "接线员", "话务员", "前台", "管家", "工作人员", "物业", "agent", "clerk", "staff"}


@cache
def _converter() -> opencc.OpenCC:
    return opencc.OpenCC("t2s")


def to_simplified(text: str) -> str:
    return str(_converter().convert(text))


class Normaliser:
    def __init__(self, typos: Mapping[str, str]) -> None:
        self._typos = dict(typos)
        words = sorted(self._typos, key=len, reverse=True)
        self._typo_re = re.compile("|".join(map(re.escape, words))) if words else None

    def __call__(self, text: str) -> str:
        plain = unicodedata.normalize("NFKC", text).lower()
        simplified = to_simplified(plain)
        resident = resident_words(simplified)
        if self._typo_re is None:
            return resident
        return self._typo_re.sub(lambda m: self._typos[m.group(0)], resident)


def resident_words(text: str) -> str:
    """Drop what staff said in a transcript: their questions name topics the resident
    may not have ("是电梯的问题吗？"). Text without speaker labels is kept whole."""
    marks = list(_SPEAKER.finditer(text))
    if not marks:
        return text
    kept = [text[: marks[0].start()]]
    for i, mark in enumerate(marks):
        end = marks[i + 1].start() if i + 1 < len(marks) else len(text)
        if mark.group(1).lower() not in _STAFF:
            kept.append(text[mark.end() : end])
    resident = "\n".join(part.strip() for part in kept if part.strip())
    return resident or text
