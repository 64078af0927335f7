"""Where jieba's tokens end in a text, found with as little cutting as possible."""

from __future__ import annotations

import bisect

import jieba

_WINDOW = 8  # characters of context each side of a short cue that jieba cuts


class TokenEnds:
    """Whether a span of a text is whole jieba tokens (HMM off), cutting only where asked.

    Cutting the whole text is most of the cost of a reading. But jieba cuts each run of
    ``jieba.re_han_default`` characters (Han, ASCII letters and digits, a few signs) on its
    own, so a span inside one run needs only that run's cut, and a run's ends are token ends.
    With HMM off, jieba's cut is a path of dictionary words (or single characters) through
    the run, so a position that no dictionary word straddles is a token end on every path:
    most spans are decided by a few dictionary look-ups and no cut. Otherwise only a window
    of ``_WINDOW`` characters each side of the span is cut: a word is shorter than that, so
    the span's own boundaries come out the same. A span in no one run is looked up in the
    whole text's cut.
    """

    def __init__(self, tokenizer: jieba.Tokenizer, longest: int, text: str) -> None:
        self._tokenizer, self._longest, self._text = tokenizer, longest, text
        self._runs = [m.span() for m in jieba.re_han_default.finditer(text)]
        self._ends: dict[tuple[int, int], set[int]] = {}  # a cut span → its token ends

    def whole(self, start: int, end: int) -> bool:
        at = bisect.bisect_right(self._runs, start, key=lambda run: run[0]) - 1
        span = self._runs[at] if at >= 0 and end <= self._runs[at][1] else (0, len(self._text))
        if span == (start, end):
            return True
        if not self._straddled(start, span) and not self._straddled(end, span):
            return True
        window = (max(span[0], start - _WINDOW), min(span[1], end + _WINDOW))
        ends = self._token_ends(window)
        return start in ends and end in ends

    def _straddled(self, at: int, span: tuple[int, int]) -> bool:
        """Whether a dictionary word of the run starts before ``at`` and ends after it."""
        freq, text = self._tokenizer.FREQ, self._text
        if at <= span[0] or at >= span[1]:
            return False  # a run's ends are token ends
        for first in range(max(span[0], at - self._longest + 1), at):
            last = first + 1
            fragment = text[first:last]
            while last <= span[1] and fragment in freq:  # jieba keeps every word's prefixes
                if last > at and freq[fragment]:
                    return True
                last += 1
                fragment = text[first:last]
        return False

    def _token_ends(self, span: tuple[int, int]) -> set[int]:
        ends = self._ends.get(span)
        if ends is None:
            at, stop = span
            ends = {at}
            for token in self._tokenizer.cut(self._text[at:stop], HMM=False):
                at += len(token)
                ends.add(at)
            self._ends[span] = ends
        return ends
