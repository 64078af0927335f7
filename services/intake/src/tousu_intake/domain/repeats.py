"""Is a new message a repeat of an earlier one, with no new facts (001 不予受理 4)?

Measured as the share of the new text's character pairs already in the earlier text: the
same message sent again, or with a word or two changed ("怎么还没人来？3号楼电梯坏了请尽快
派人来修"), adds almost nothing; a message that names a new floor, a new injury or a new
fault adds pairs the earlier one lacks and is a complaint of its own.
"""

from __future__ import annotations

import unicodedata
from itertools import pairwise


def _kept(text: str) -> str:
    return "".join(c for c in unicodedata.normalize("NFKC", text).lower() if c.isalnum())


def _grams(kept: str, n: int) -> set[str]:
    return set(kept) if n == 1 else {a + b for a, b in pairwise(kept)}


def overlap(new: str, earlier: str) -> float:
    """Share of ``new``'s character pairs that ``earlier`` already has (0 … 1)."""
    kept = _kept(new)
    if not kept:
        return 1.0  # nothing said at all: nothing new
    n = 2 if len(kept) >= 2 else 1  # a one-character message is compared character by character
    grams = _grams(kept, n)
    return len(grams & _grams(_kept(earlier), n)) / len(grams)


def is_repeat(new: str, earlier: str, threshold: float) -> bool:
    return overlap(new, earlier) >= threshold
