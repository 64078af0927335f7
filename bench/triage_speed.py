"""`make bench` part: triage's texts per second on one core.

The whole decision a triage replica makes for a complaint (``tousu_triage.triage.triage``:
the reader's classification, clarification, urgency or severity, then the regime's topic →
category → department and clocks), over the corpus' test split, each text under its own
regime, in this process pinned to one CPU. Warm (one pass first); the best of five passes,
since a shared machine only ever slows a pass down. Prints one JSON line.

Usage: uv run python bench/triage_speed.py [--passes 5]
"""

from __future__ import annotations

import argparse
import os
import time
from pathlib import Path

import sla_report as report

from tousu_shared.regimes import load_regime
from tousu_triage.classifier import Reader
from tousu_triage.corpus import read_corpus
from tousu_triage.triage import triage


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--passes", type=int, default=5)
    ap.add_argument("--results", type=Path, default=Path(__file__).resolve().parent / "results.json")
    args = ap.parse_args()
    os.sched_setaffinity(0, {min(os.sched_getaffinity(0))})
    records = read_corpus(split="test")
    regimes = {r.regime: load_regime(r.regime) for r in records}
    work = [(regimes[r.regime], r.text) for r in records]
    reader = Reader()
    for regime, text in work:
        triage(reader, regime, text)
    rates = []
    for _ in range(max(args.passes, 1)):
        start = time.perf_counter()
        for regime, text in work:
            triage(reader, regime, text)
        rates.append(len(work) / (time.perf_counter() - start))
    results = {
        "triage_texts_per_s": round(max(rates)),
        "triage_texts": len(work),
        "triage_passes_per_s": [round(r) for r in rates],
    }
    report.write_results(args.results, results, {})
    print(
        f"triage: {results['triage_texts_per_s']:,} texts/s on one core "
        f"({len(work)} texts; passes {rates_text(rates)})"
    )


def rates_text(rates: list[float]) -> str:
    return ", ".join(f"{r:,.0f}" for r in rates)


if __name__ == "__main__":
    main()
