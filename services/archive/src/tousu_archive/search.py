"""Words of a complaint, found fast among a million: character bigrams.

Chinese has no spaces, so a word index needs a dictionary and still misses what it splits
differently; a bigram index (the way CJK search engines index) needs neither: 楼上漏水了 is
indexed as 楼上, 上漏, 漏水, 水了 (each tagged with the case's group), and a search for 漏水
asks for the cases holding every bigram of it, then checks the words themselves (LIKE) on
those few. In PostgreSQL the bigrams are an array with a GIN index, so the check never
depends on the server's locale; SQLite (the embedded mode) checks the words alone.
"""

from __future__ import annotations

import re

#: runs of letters and digits; punctuation and spaces end a run (no bigram crosses them)
_RUN = re.compile(r"[^\W_]+")


def grams(text: str | None, group: str | None = None) -> list[str]:
    """The distinct bigrams of ``text``'s letters and digits, sorted; a single-character run
    gives none (a one-character search is the LIKE check alone). With ``group`` each is
    tagged ``<group>:<bigram>``: every search is within one group, so the index then finds
    only that group's cases, however common the word is in the others'."""
    found: set[str] = set()
    for run in _RUN.findall((text or "").lower()):
        found.update(run[i : i + 2] for i in range(len(run) - 1))
    return sorted(f"{group}:{g}" for g in found) if group else sorted(found)
