"""The lexicon file (data/lexicon.yaml): topic cues, signal cues, markers, typos.

Loaded once, validated (a broken file names its problem), and compiled into a trie of
plain cues plus the few `re:` cues.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass
from functools import cache
from importlib import resources
from pathlib import Path
from typing import Any, Literal

import yaml
from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator

from tousu_shared.regimes.taxonomy import SIGNALS, TOPICS

Kind = Literal["topic", "signal"]
#: a trie node: each next character → the node after it; _END → the cue ending here, if any
Trie = dict[str, Any]
_END = ""  # never a character of the text
_WORD_EDGE = re.compile(r"\b")  # .match(text, at): is there a \b at ``at`` (it sees text[at - 1])


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class PresentOnly(_Strict):
    fallback: str


class TopicEntry(_Strict):
    cues: dict[str, float] = Field(default_factory=dict)
    questions: list[str] = Field(default_factory=list)
    present: PresentOnly | None = None
    yields_to: list[str] = Field(default_factory=list)


class Markers(_Strict):
    negation: list[str]
    correction: list[str]
    hypothetical: list[str]
    past: list[str]
    present: list[str]
    demand: list[str]
    aside: list[str]
    filler: list[str]
    not_negation: list[str] = Field(default_factory=list)
    condition: list[str] = Field(default_factory=list)


class LexiconFile(_Strict):
    topics: dict[str, TopicEntry]
    signals: dict[str, dict[str, float]]
    markers: Markers
    typos: dict[str, str] = Field(default_factory=dict)

    @field_validator("topics")
    @classmethod
    def _known_topics(cls, topics: dict[str, TopicEntry]) -> dict[str, TopicEntry]:
        unknown = sorted(set(topics) - set(TOPICS))
        if unknown:
            raise ValueError(f"unknown topic(s) {unknown}; the taxonomy has {list(TOPICS)}")
        for name, entry in topics.items():
            if entry.present and entry.present.fallback not in TOPICS:
                raise ValueError(f"{name}: unknown fallback topic {entry.present.fallback!r}")
            for source in entry.yields_to:
                if source not in TOPICS:
                    raise ValueError(f"{name}: yields to unknown topic {source!r}")
        return topics

    @field_validator("signals")
    @classmethod
    def _known_signals(cls, signals: dict[str, dict[str, float]]) -> dict[str, dict[str, float]]:
        unknown = sorted(set(signals) - set(SIGNALS))
        if unknown:
            raise ValueError(f"unknown signal(s) {unknown}; the taxonomy has {list(SIGNALS)}")
        return signals


@dataclass(frozen=True)
class Effect:
    kind: Kind
    name: str
    weight: float


@dataclass(frozen=True)
class Lexicon:
    source: LexiconFile
    trie: Trie  # every plain cue, one character per level
    first_chars: re.Pattern[str]  # a character some plain cue starts with
    effects: dict[str, tuple[Effect, ...]]  # plain cue → what it means
    patterns: tuple[tuple[re.Pattern[str], Effect], ...]  # the `re:` cues

    @property
    def words(self) -> list[str]:
        """Chinese cue words, for jieba's dictionary."""
        return [w for w in self.effects if not w.isascii() and len(w) > 1]

    def plain_cues(self, text: str) -> Iterator[tuple[str, int]]:
        """Each plain cue in ``text`` and where it starts, as one regular expression of all
        of them, longest first (ASCII cues between ``\\b``), would find them: from left to
        right, the longest cue starting at a character, then on after it. The expression
        tries its hundreds of alternatives one by one at every character; the trie follows
        the text one character at a time."""
        size = len(text)
        start = self.first_chars.search(text)
        while start is not None:
            at = start.start()
            node, end, cue = self.trie, at, None
            while end < size and text[end] in node:
                node = node[text[end]]
                end += 1
                found = node.get(_END)
                if found is not None and (
                    not found.isascii() or (_WORD_EDGE.match(text, at) and _WORD_EDGE.match(text, end))
                ):
                    cue = found
            if cue is not None:
                yield cue, at
            start = self.first_chars.search(text, at + len(cue) if cue else at + 1)


class LexiconError(ValueError):
    pass


def compile_lexicon(data: LexiconFile) -> Lexicon:
    effects: dict[str, list[Effect]] = {}
    patterns: list[tuple[re.Pattern[str], Effect]] = []

    def add(cue: str, effect: Effect) -> None:
        if cue.startswith("re:"):
            try:
                patterns.append((re.compile(cue[3:]), effect))
            except re.error as exc:
                raise LexiconError(
                    f"{effect.kind} {effect.name}: bad regular expression {cue!r}: {exc}"
                ) from None
        elif cue:
            effects.setdefault(cue.lower(), []).append(effect)
        else:
            raise LexiconError(f"{effect.kind} {effect.name}: an empty cue")

    for topic, entry in data.topics.items():
        for cue, weight in entry.cues.items():
            add(cue, Effect("topic", topic, weight))
    for signal, cues in data.signals.items():
        for cue, weight in cues.items():
            add(cue, Effect("signal", signal, weight))
    trie: Trie = {}
    for cue in effects:
        node = trie
        for char in cue:
            node = node.setdefault(char, {})
        node[_END] = cue
    return Lexicon(
        source=data,
        trie=trie,
        first_chars=re.compile("[" + "".join(map(re.escape, trie)) + "]" if trie else "(?!)"),
        effects={cue: tuple(found) for cue, found in effects.items()},
        patterns=tuple(patterns),
    )


def read_lexicon(path: Path) -> Lexicon:
    try:
        raw = yaml.safe_load(path.read_text(encoding="utf-8"))
        return compile_lexicon(LexiconFile.model_validate(raw))
    except (OSError, yaml.YAMLError) as exc:
        raise LexiconError(f"{path}: {exc}") from None
    except ValidationError as exc:
        first = exc.errors()[0]
        where = ".".join(str(p) for p in first["loc"])
        raise LexiconError(f"{path}: {where}: {first['msg']}") from None


@cache
def shipped_lexicon() -> Lexicon:
    with resources.as_file(resources.files(__package__) / "data" / "lexicon.yaml") as path:
        return read_lexicon(path)
