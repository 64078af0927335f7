"""The small trained model beside the lexicon: linear scores over character n-grams.

The lexicon knows the words a clerk knows; the model has read every labelled complaint of
the corpus's train split and scores what the lexicon has no cue for (停che, 走火通道,
"right now"). It is a linear SVM over TF-IDF weighted character 1–3-grams of the
normalised text (``python -m tousu_triage.train`` fits it with scikit-learn); here it is
only its weights, so reading needs numpy and no scikit-learn:

    score(label) = Σ weight[gram, label] · tfidf(gram) / ‖tfidf‖ + bias[label]

One column per topic, and one for ``danger`` (present danger, fitted on the urgency labels
of the regimes that have them). A score above 0 means "this one"; its largest terms are
the model's reasons.
"""

from __future__ import annotations

import json
import math
from dataclasses import dataclass
from functools import cache
from importlib import resources
from pathlib import Path
from typing import Any

import numpy as np
import numpy.typing as npt

#: gram lengths; a gram longer than the text is not made
GRAM_SIZES = (1, 2, 3)
DANGER = "danger"
MODEL_FILE = "model.npz"
#: reasons show grams of at least this length, letters only (「水,」 explains little)
_READABLE = 2
_BITS = np.uint64(21)  # bits of one code point in a gram key
_LOOK_AT = 16  # the largest terms among which the three readable reasons are picked


def ngrams(norm: str) -> list[str]:
    """The features of a normalised text: every substring of each size in GRAM_SIZES
    (what the model is fitted on; reading uses the same grams as numbers, gram_keys)."""
    return [norm[i : i + n] for n in GRAM_SIZES for i in range(len(norm) - n + 1)]


def gram_keys(text: str) -> npt.NDArray[np.uint64]:
    """Every gram of ``ngrams(text)`` as one number, made with numpy and no Python loop:
    the code points of a gram side by side, 21 bits each (Unicode needs no more). A
    longer gram's key is larger than any shorter one's, as no character is U+0000."""
    codes = np.frombuffer(text.replace("\0", " ").encode("utf-32-le"), dtype=np.uint32).astype(np.uint64)
    parts = []
    for n in GRAM_SIZES:
        count = len(codes) - n + 1
        if count <= 0:
            continue
        key = codes[:count].copy()
        for j in range(1, n):
            key = (key << _BITS) | codes[j : j + count]
        parts.append(key)
    return np.concatenate(parts) if parts else np.empty(0, dtype=np.uint64)


def gram_key(gram: str) -> int:
    """One gram's key, as gram_keys makes it."""
    key = 0
    for char in gram.replace("\0", " "):
        key = (key << int(_BITS)) | ord(char)
    return key


def _is_readable(gram: str) -> bool:
    """Letters, digits and inner spaces only, and long enough to say something."""
    return gram.strip().replace(" ", "").isalnum() and len(gram.strip()) >= _READABLE


class ModelError(ValueError):
    pass


@dataclass(frozen=True)
class ModelScores:
    values: npt.NDArray[np.float32]  # each topic's score, in the order of NgramModel.topics
    danger: float
    _model: NgramModel
    _rows: npt.NDArray[np.intp] | None = None  # the text's known grams …
    _weights: npt.NDArray[np.floating[Any]] | None = None  # … and the weight of each in the text

    def of(self, topic: str) -> float:
        at = self._model.topic_index.get(topic)
        return -1.0 if at is None else float(self.values[at])

    def evidence(self, label: str) -> tuple[str, ...]:
        """The (up to three, readable) grams that raised ``label``'s score most."""
        if self._rows is None or self._weights is None:
            return ()
        return self._model.top_grams(label, self._rows, self._weights)


class NgramModel:
    """Read-only after construction, so one instance serves every thread."""

    def __init__(
        self,
        labels: list[str],
        vocabulary: list[str],
        idf: npt.NDArray[np.float32],
        weights: npt.NDArray[np.float32],
        bias: npt.NDArray[np.float32],
        meta: dict[str, Any],
    ) -> None:
        if weights.shape != (len(vocabulary), len(labels)) or idf.shape != (len(vocabulary),):
            raise ModelError(
                f"weights {weights.shape}, idf {idf.shape} do not fit "
                f"{len(vocabulary)} grams × {len(labels)} labels"
            )
        if DANGER not in labels:
            raise ModelError(f"no {DANGER!r} column among the labels")
        self.labels, self.meta = labels, meta
        self.topics = [label for label in labels if label != DANGER]
        self.topic_index = {topic: i for i, topic in enumerate(self.topics)}
        self._columns = [labels.index(t) for t in self.topics]
        self._danger = labels.index(DANGER)
        # rows in the order of their gram keys, so a text's grams are found by binary search
        keys = np.array([gram_key(g) for g in vocabulary], dtype=np.uint64)
        if any(len(g) not in GRAM_SIZES for g in vocabulary) or len(np.unique(keys)) != len(keys):
            raise ModelError(f"the grams are not distinct grams of sizes {GRAM_SIZES}")
        order = np.argsort(keys)
        self._keys = keys[order]
        self._vocabulary = [vocabulary[i] for i in order]
        # float32 halves what a reading pulls into the CPU cache; scores need no more digits
        self._idf = idf[order].astype(np.float32)
        self._weights = weights[order].astype(np.float32)
        self._scaled = self._weights * self._idf[:, None]  # weight · idf, what a reading sums
        self._bias = bias.astype(np.float32)
        self._readable = np.array([_is_readable(g) for g in self._vocabulary], dtype=bool)

    def score(self, norm: str) -> ModelScores:
        keys, counts = np.unique(gram_keys(norm), return_counts=True)  # sorted: searched faster
        at = np.searchsorted(self._keys, keys)
        at[at == len(self._keys)] = 0
        known = self._keys[at] == keys
        rows, counts = at[known], counts[known]
        if not len(rows):
            return ModelScores(np.full(len(self.topics), -1.0, dtype=np.float32), -1.0, self)
        tf = 1.0 + np.log(counts.astype(np.float32))
        weights = tf / math.sqrt(float(np.square(tf * self._idf[rows]).sum()))
        totals = weights @ self._scaled[rows] + self._bias
        return ModelScores(totals[self._columns], float(totals[self._danger]), self, rows, weights)

    def top_grams(
        self, label: str, rows: npt.NDArray[np.intp], weights: npt.NDArray[np.floating[Any]]
    ) -> tuple[str, ...]:
        readable = rows[self._readable[rows]]
        terms = self._scaled[readable, self.labels.index(label)] * weights[self._readable[rows]]
        if len(terms) > _LOOK_AT:  # only the largest terms are looked at: no need to sort all
            leading = np.argpartition(-terms, _LOOK_AT)[:_LOOK_AT]
            order = leading[np.argsort(-terms[leading])]
        else:
            order = np.argsort(-terms)
        grams: list[str] = []
        for at in order:
            if terms[at] <= 0 or len(grams) == 3:
                break
            gram = self._vocabulary[readable[at]]
            if not any(gram in g or g in gram for g in grams):
                grams.append(gram)
        return tuple(grams)

    def arrays(self) -> tuple[npt.NDArray[np.float32], ...]:
        """idf, weights and bias: what the file holds, and what two models are compared by."""
        return self._idf, self._weights, self._bias

    # -- the file ---------------------------------------------------------------------

    def save(self, path: Path) -> None:
        """One .npz of plain arrays (no pickles): labels, grams, idf, weights, bias, meta."""
        idf, weights, bias = self.arrays()
        with path.open("wb") as out:
            np.savez_compressed(
                out,
                labels=np.array(self.labels),
                vocabulary=np.array(self._vocabulary),
                idf=idf,
                weights=weights,
                bias=bias,
                meta=np.array(json.dumps(self.meta, ensure_ascii=False, sort_keys=True)),
            )

    @classmethod
    def load(cls, path: Path) -> NgramModel:
        try:
            with np.load(path, allow_pickle=False) as data:
                return cls(
                    labels=[str(x) for x in data["labels"]],
                    vocabulary=[str(x) for x in data["vocabulary"]],
                    idf=data["idf"],
                    weights=data["weights"],
                    bias=data["bias"],
                    meta=json.loads(str(data["meta"])),
                )
        except (OSError, KeyError, ValueError) as exc:
            raise ModelError(f"{path}: not a triage model ({exc}); rebuild it: make train") from None


def shipped_model_path() -> Path:
    return Path(str(resources.files(__package__) / "data" / MODEL_FILE))


@cache
def shipped_model() -> NgramModel:
    return NgramModel.load(shipped_model_path())
