"""Fit triage's n-gram model on the corpus train split (``make train``).

    uv run python -m tousu_triage.train           # fit on every train text, write the model
    uv run python -m tousu_triage.train --check   # does the shipped model match a fresh fit?
    uv run python -m tousu_triage.train --dev     # tuning: fit on batch 1, measure on later batches
    uv run python -m tousu_triage.train --cv      # tuning: 5-fold cross-validation on the train split
    uv run python -m tousu_triage.train --cv --misses   # … and list what it reads wrong
    uv run python -m tousu_triage.train --sweep   # tuning: the danger threshold, by cross-validation

Only train-split texts are ever fitted or measured here: the test split is for
``make eval`` alone. ``--dev`` is how the blend with the lexicon was tuned: the lexicon was
tuned on batch 1, so the train texts of later batches are text neither has seen. ``--cv``
and ``--sweep`` are how the danger threshold is chosen: a threshold depends on how the model
is calibrated, which depends on what it is fitted on, so it is chosen with models fitted on
four fifths of the train split and measured on the fifth they did not see.
Fitting needs scikit-learn (in the dev dependency group); reading needs only numpy.
"""

from __future__ import annotations

import argparse
import hashlib
import sys
from collections.abc import Sequence
from pathlib import Path
from typing import Any, cast

import numpy as np

from tousu_triage.classifier import Reader, Reading, shipped_lexicon
from tousu_triage.classifier.model import DANGER, GRAM_SIZES, NgramModel, ngrams, shipped_model_path
from tousu_triage.classifier.normalise import Normaliser
from tousu_triage.corpus import CorpusError, Record, read_corpus

#: SVM regularisation and the fewest texts a gram must be in; chosen with --dev
C = 1.0
MIN_DF = 2
#: the urgency level that means danger in the regimes that label urgency
URGENT = "urgent"


def danger_examples(records: Sequence[Record]) -> list[tuple[Record, bool]]:
    """Texts whose label says whether there is danger now: every urgency-labelled text
    (urgent or not), and texts of a topic that is danger now by definition (someone
    trapped, a burst pipe, an intruder, a missing person) under any regime."""
    present = {t for t, entry in shipped_lexicon().source.topics.items() if entry.present}
    examples = []
    for record in records:
        if record.urgency is not None:
            examples.append((record, record.urgency == URGENT or record.topic in present))
        elif record.topic in present:
            examples.append((record, True))
    return examples


def fit(records: Sequence[Record]) -> NgramModel:
    from sklearn import __version__ as sklearn_version
    from sklearn.feature_extraction.text import TfidfVectorizer
    from sklearn.svm import LinearSVC

    normalise = Normaliser(shipped_lexicon().source.typos)
    texts = {r.id: normalise(r.text) for r in records}
    vectoriser = TfidfVectorizer(analyzer=ngrams, sublinear_tf=True, min_df=MIN_DF)
    features = vectoriser.fit_transform([texts[r.id] for r in records])
    topics = LinearSVC(C=C, random_state=0).fit(features, [r.topic for r in records])
    labelled = danger_examples(records)
    danger = LinearSVC(C=C, random_state=0, class_weight="balanced").fit(
        vectoriser.transform([texts[r.id] for r, _ in labelled]), [flag for _, flag in labelled]
    )
    if list(danger.classes_) != [False, True]:
        raise CorpusError("the danger examples need both danger and no danger")
    labels = [str(c) for c in topics.classes_] + [DANGER]
    weights = np.hstack([topics.coef_.T, danger.coef_.T]).astype(np.float32)
    bias = np.append(topics.intercept_, danger.intercept_).astype(np.float32)
    meta: dict[str, Any] = {
        "fitted_on": sorted(r.id for r in records),
        "danger_examples": len(labelled),
        "scikit_learn": sklearn_version,
        "c": C,
        "min_df": MIN_DF,
        "gram_sizes": list(GRAM_SIZES),
    }
    return NgramModel(
        labels=labels,
        vocabulary=[str(g) for g in vectoriser.get_feature_names_out()],
        idf=vectoriser.idf_.astype(np.float32),
        weights=weights,
        bias=bias,
        meta=meta,
    )


def _digest(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()[:12]


def same_model(a: NgramModel, b: NgramModel) -> bool:
    return (
        a.meta["fitted_on"] == b.meta["fitted_on"]
        and all(
            x.shape == y.shape and np.allclose(x, y, atol=1e-5)
            for x, y in zip(a.arrays(), b.arrays(), strict=True)
        )
        and a.labels == b.labels
    )


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m tousu_triage.train", description=__doc__.split("\n")[0])
    mode = parser.add_mutually_exclusive_group()
    mode.add_argument("--check", action="store_true", help="exit 1 if the shipped model is not a fresh fit")
    mode.add_argument("--dev", action="store_true", help="fit on batch 1, report on later batches")
    mode.add_argument("--cv", action="store_true", help="5-fold cross-validation on the train split")
    mode.add_argument(
        "--sweep", action="store_true", help="cross-validated urgent misses and accuracy per danger threshold"
    )
    parser.add_argument("--misses", action="store_true", help="with --cv: list each wrong reading")
    parser.add_argument("--out", type=Path, default=shipped_model_path(), help="where to write the model")
    args = parser.parse_args(argv)
    try:
        train = read_corpus(split="train")
    except CorpusError as exc:
        print(f"train: {exc}", file=sys.stderr)
        return 2
    if args.dev:
        return _dev(train)
    if args.cv:
        return _cross_validate(train, show_misses=args.misses)
    if args.sweep:
        return _sweep(train)
    print(f"train: fitting on {len(train)} train texts…", file=sys.stderr)
    model = fit(train)
    if args.check:
        shipped = NgramModel.load(args.out)
        if not same_model(model, shipped):
            print(f"train: {args.out} is not what the train split fits: run make train", file=sys.stderr)
            return 1
        print(f"train: {args.out.name} matches a fresh fit on {len(train)} train texts")
        return 0
    model.save(args.out)
    print(
        f"train: wrote {args.out} ({len(model.labels) - 1} topics + {DANGER}, "
        f"{args.out.stat().st_size // 1024} KiB, sha256 {_digest(args.out)})"
    )
    return 0


def _dev(train: list[Record]) -> int:
    from tousu_triage.evaluate import evaluate, report

    first = [r for r in train if r.batch == 1]
    later = [r for r in train if r.batch > 1]
    if not later:
        print("train: --dev needs train texts of a batch after the first", file=sys.stderr)
        return 2
    print(f"train: fitting on {len(first)} batch-1 texts, measuring {len(later)} later", file=sys.stderr)
    print(report(evaluate(later, Reader(model=fit(first)), "dev (later batches of train)"), True))
    return 0


class _FoldReader:
    """Reads each text with the model fitted without its fold (folds by text, so a text
    written twice under two regimes is never on both sides)."""

    def __init__(self, train: list[Record], folds: int) -> None:
        self._folds = folds
        self._readers = []
        for k in range(folds):
            print(f"train: fold {k + 1} of {folds}: fitting…", file=sys.stderr)
            self._readers.append(Reader(model=fit([r for r in train if self.fold(r.text) != k])))

    def fold(self, text: str) -> int:
        return int(hashlib.sha256(text.encode()).hexdigest(), 16) % self._folds

    def read(self, text: str) -> Reading:
        return self._readers[self.fold(text)].read(text)

    def set_danger_above(self, threshold: float) -> None:
        for reader in self._readers:
            reader.danger_above = threshold


def _cross_validate(train: list[Record], folds: int = 5, show_misses: bool = False) -> int:
    from tousu_triage.evaluate import evaluate, report

    reader = cast(Reader, _FoldReader(train, folds))
    print(report(evaluate(train, reader, f"train, {folds}-fold cross-validation"), show_misses))
    return 0


#: the danger thresholds ``--sweep`` tries, around the model's boundary (0)
SWEEP = (-0.5, -0.4, -0.35, -0.3, -0.25, -0.2, -0.15, -0.1, -0.05, 0.0)


def _sweep(train: list[Record], folds: int = 5) -> int:
    """One row per threshold: urgent read as general, urgency accuracy, highest level read
    as the lowest, all from the same fold models (so only the threshold differs)."""
    from tousu_triage.evaluate import evaluate, urgency_figures

    fold_reader = _FoldReader(train, folds)
    print(f"danger threshold sweep, train, {folds}-fold cross-validation ({len(train)} texts)\n")
    print("| danger above | urgent read as general | urgency accuracy | highest level read as lowest |")
    print("|---|---|---|---|")
    for threshold in SWEEP:
        fold_reader.set_danger_above(threshold)
        ev = evaluate(train, cast(Reader, fold_reader), "cv", timed=False)
        missed, urgent, accuracy = urgency_figures(ev)
        print(
            f"| {threshold:+.2f} | {missed} of {urgent} ({100 * missed / max(urgent, 1):.2f} %) "
            f"| {100 * accuracy:.1f} % | {ev.top_missed} of {ev.top_total} |"
        )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
