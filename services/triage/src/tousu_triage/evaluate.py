"""Measure triage on the labelled corpus: accuracy and confusion matrices per label set,
the urgent-read-as-general rate, and speed on one core.

    uv run python -m tousu_triage.evaluate [--split test] [--write]

``--write`` stores the figures in bench/triage-eval.md and the README block between
``<!-- triage-eval -->`` markers: every number there comes from this command.
"""

from __future__ import annotations

import argparse
import platform
import sys
import time
from collections import Counter, defaultdict
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path

from tousu_shared.regimes import load_regime
from tousu_shared.regimes.model import Regime
from tousu_triage.classifier import Reader
from tousu_triage.corpus import CorpusError, Record, read_corpus
from tousu_triage.triage import CLASSIFIER, Triage, triage

ROOT = Path(__file__).resolve().parents[4]
FIGURES = ROOT / "bench" / "triage-eval.md"
README = ROOT / "README.md"
BEGIN, END = "<!-- triage-eval:begin -->", "<!-- triage-eval:end -->"
#: the highest level of each level set: missing it ("urgent read as general") is the costly error
TOP_LEVEL = {"urgent", "major", "group"}


@dataclass
class LabelSet:
    """Gold vs predicted for one label set (e.g. category under property-role-matrix)."""

    name: str
    pairs: list[tuple[str, str]] = field(default_factory=list)

    @property
    def accuracy(self) -> float:
        return sum(g == p for g, p in self.pairs) / len(self.pairs) if self.pairs else 0.0

    def matrix(self) -> str:
        labels = sorted({x for pair in self.pairs for x in pair})
        counts = Counter(self.pairs)
        head = "| gold \\ predicted | " + " | ".join(labels) + " |"
        rows = [head, "|---" * (len(labels) + 1) + "|"]
        for gold in labels:
            cells = [str(counts[(gold, p)] or "·") for p in labels]
            rows.append(f"| **{gold}** | " + " | ".join(cells) + " |")
        return "\n".join(rows)


@dataclass
class Evaluation:
    split: str
    size: int
    sets: dict[str, LabelSet]
    misses: list[tuple[Record, Triage]]
    top_missed: int
    top_total: int
    clarify: LabelSet
    texts_per_second: float


def evaluate(records: Sequence[Record], reader: Reader, split: str, timed: bool = True) -> Evaluation:
    """Read every record and compare with its labels; ``timed`` also measures speed."""
    regimes: dict[str, Regime] = {}
    sets: dict[str, LabelSet] = defaultdict(lambda: LabelSet(""))
    misses: list[tuple[Record, Triage]] = []
    top_missed = top_total = 0
    clarify = LabelSet("clarify")

    def add(name: str, gold: str, predicted: str | None) -> None:
        sets[name].name = name
        sets[name].pairs.append((gold, str(predicted)))

    for record in records:
        if record.regime not in regimes:  # parsing a regime's YAML costs ~70 ms: once per run
            regimes[record.regime] = load_regime(record.regime)
        regime = regimes[record.regime]
        result = triage(reader, regime, record.text)
        gold_category = (regime.topics.get(record.topic) or regime.topics["other"]).category
        kind, gold_level = record.level
        predicted_level = getattr(result.filed, kind)
        add("topic", record.topic, result.filed.topic)
        add(f"category · {record.regime}", gold_category, result.filed.category)
        add(f"{kind} · {record.regime}", gold_level, predicted_level)
        clarify.pairs.append((str(record.clarify).lower(), str(result.reading.needs_clarification).lower()))
        if gold_level in TOP_LEVEL:
            top_total += 1
            top_missed += (
                predicted_level == regime.default_urgency or predicted_level == regime.default_severity
            )
        if (gold_category, gold_level) != (result.filed.category, predicted_level):
            misses.append((record, result))
    speed = _speed(records, reader) if timed else 0.0
    return Evaluation(split, len(records), dict(sets), misses, top_missed, top_total, clarify, speed)


def _speed(records: Sequence[Record], reader: Reader, passes: int = 5) -> float:
    """Texts per second through the whole reading, one thread (so one core), warm: the
    best of ``passes`` passes over the texts, as timeit advises, since a shared machine
    only ever slows a pass down (each pass is reported on stderr)."""
    texts = [r.text for r in records] or ["电梯坏了"]
    for text in texts:
        reader.read(text)
    rates = []
    for _ in range(passes):
        start = time.perf_counter()
        for text in texts:
            reader.read(text)
        rates.append(len(texts) / (time.perf_counter() - start))
    print("evaluate: speed per pass " + ", ".join(f"{r:,.0f}" for r in rates) + " texts/s", file=sys.stderr)
    return max(rates)


def summary(ev: Evaluation) -> str:
    category = _pooled(ev, "category · ")
    level = _pooled(ev, "urgency · ") + _pooled(ev, "severity · ")
    urgency = _pooled(ev, "urgency · ")
    lines = [
        f"Triage on the **{ev.split}** split: {ev.size} texts, classifier `{CLASSIFIER}`, "
        f"Python {platform.python_version()}, one core.",
        "",
        "| measure | value |",
        "|---|---|",
        f"| category accuracy (all regimes) | {_pct(category)} |",
        f"| urgency accuracy (logistics-service, property-role-matrix) | {_pct(urgency)} |",
        f"| urgency/severity accuracy (all regimes) | {_pct(level)} |",
        f"| topic accuracy | {_pct(ev.sets['topic'].pairs)} |",
        f"| urgent read as general (logistics-service, property-role-matrix) | {_urgent_as_general(ev)} |",
        f"| highest level read as the lowest (urgent→general, major/group→general/minor) | "
        f"{ev.top_missed} of {ev.top_total} ({_ratio(ev.top_missed, ev.top_total)}) |",
        f"| needs-clarification accuracy | {_pct(ev.clarify.pairs)} |",
        f"| speed (one core, best of 5 passes) | {ev.texts_per_second:,.0f} texts/s |",
        "",
        "| label set | accuracy | n |",
        "|---|---|---|",
    ]
    for name in sorted(ev.sets):
        if name != "topic":
            lines.append(f"| {name} | {_pct(ev.sets[name].pairs)} | {len(ev.sets[name].pairs)} |")
    return "\n".join(lines)


def report(ev: Evaluation, show_misses: bool) -> str:
    parts = [summary(ev), ""]
    for name in sorted(ev.sets):
        parts += [f"### {name}", "", ev.sets[name].matrix(), ""]
    if show_misses:
        parts.append("### misses")
        for record, result in ev.misses:
            f = result.filed
            parts.append(
                f"- {record.id} gold {record.topic}/{record.level[1]} got {f.topic}/"
                f"{getattr(f, record.level[0])}: {record.text[:80]!r} ← {'; '.join(result.reasons[:-1])}"
            )
    return "\n".join(parts)


def _pooled(ev: Evaluation, prefix: str) -> list[tuple[str, str]]:
    return [pair for name, s in ev.sets.items() if name.startswith(prefix) for pair in s.pairs]


def urgency_figures(ev: Evaluation) -> tuple[int, int, float]:
    """Urgent cases read as general, urgent cases, and urgency accuracy (the regimes that
    label urgency)."""
    pairs = _pooled(ev, "urgency · ")
    urgent = [predicted for gold, predicted in pairs if gold == "urgent"]
    accuracy = sum(g == p for g, p in pairs) / len(pairs) if pairs else 0.0
    return urgent.count("general"), len(urgent), accuracy


def _urgent_as_general(ev: Evaluation) -> str:
    missed, urgent, _ = urgency_figures(ev)
    return f"{missed} of {urgent} ({_ratio(missed, urgent)})"


def _pct(pairs: list[tuple[str, str]]) -> str:
    if not pairs:
        return "–"
    right = sum(g == p for g, p in pairs)
    return f"{100 * right / len(pairs):.1f} % ({right}/{len(pairs)})"


def _ratio(part: int, whole: int) -> str:
    return f"{100 * part / whole:.1f} %" if whole else "–"


def _write(ev: Evaluation, write_readme: Callable[[str], None]) -> None:
    FIGURES.parent.mkdir(exist_ok=True)
    command = "make eval  (uv run python -m tousu_triage.evaluate --split test --write)"
    FIGURES.write_text(
        f"# Triage evaluation\n\nProduced by `{command}`.\n\n{report(ev, False)}\n", encoding="utf-8"
    )
    write_readme(summary(ev))


def _update_readme(block: str) -> None:
    text = README.read_text(encoding="utf-8")
    if BEGIN not in text or END not in text:
        print(f"evaluate: {README} has no {BEGIN} … {END} block; figures only in {FIGURES}", file=sys.stderr)
        return
    head, rest = text.split(BEGIN, 1)
    _, tail = rest.split(END, 1)
    README.write_text(f"{head}{BEGIN}\n{block}\n{END}{tail}", encoding="utf-8")


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="python -m tousu_triage.evaluate", description=__doc__.split("\n")[0]
    )
    parser.add_argument("--split", choices=["train", "test"], default="test")
    parser.add_argument("--regime", help="only this regime's records")
    parser.add_argument(
        "--misses",
        action="store_true",
        help="list each wrong category or level (train only; to tune: tousu_triage.train --dev)",
    )
    parser.add_argument(
        "--write", action="store_true", help="write bench/triage-eval.md and the README block"
    )
    args = parser.parse_args(argv)
    if args.misses and args.split == "test":
        parser.error("--misses is for the train split: the test split is not for tuning")
    try:
        records = [r for r in read_corpus(split=args.split) if not args.regime or r.regime == args.regime]
    except CorpusError as exc:
        print(f"evaluate: {exc}", file=sys.stderr)
        return 2
    print(f"evaluate: loading the reader, then {len(records)} {args.split} texts…", file=sys.stderr)
    ev = evaluate(records, Reader(), args.split)
    print(report(ev, args.misses))
    if args.write:
        _write(ev, _update_readme)
        print(f"evaluate: wrote {FIGURES.relative_to(ROOT)} and the README block", file=sys.stderr)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
